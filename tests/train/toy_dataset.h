#pragma once
// A toy three-class dataset written at test time: tones low / high and noise bursts, four "grooves" per class
// (small variations of the recipe), as a manifest with path,genre,groove columns like the generated corpus.
#include <cmath>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "mgc/run/config.h"
#include "mgc/train/trainer.h"
#include "test_util.h"

namespace mgc::test {

inline std::string make_toy_dataset(const std::string& dir, int clips_per_groove = 2, double seconds = 2.0) {
  const int sr = 22050;
  const char* genres[] = {"high", "low", "noisy"};
  std::ofstream manifest(dir + "/manifest.csv");
  manifest << "path,genre,groove\n";
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (int c = 0; c < 3; ++c) {
    for (int groove = 0; groove < 4; ++groove) {
      for (int k = 0; k < clips_per_groove; ++k) {
        std::vector<float> y(static_cast<size_t>(seconds * sr));
        for (size_t i = 0; i < y.size(); ++i) {
          const double t = static_cast<double>(i) / sr;
          double v = 0.02 * g(rng);
          if (c == 0) v += 0.3 * std::sin(2 * M_PI * (2000 + 150 * groove + 20 * k) * t);
          if (c == 1) v += 0.3 * std::sin(2 * M_PI * (200 + 20 * groove + 5 * k) * t);
          if (c == 2) v += (std::fmod(t * (3 + groove), 1.0) < 0.3 ? 0.3 : 0.02) * g(rng);
          y[i] = static_cast<float>(v);
        }
        const std::string name = std::string(genres[c]) + "_" + std::to_string(groove) + "_" + std::to_string(k) + ".wav";
        write_sound(dir + "/" + name, y, sr, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
        manifest << name << "," << genres[c] << ",g" << c << groove << "\n";
      }
    }
  }
  return dir + "/manifest.csv";
}

// Makes the toy dataset in dir and trains a one-epoch audio_cnn run on it through the CLI into dir/run (feature
// cache dir/cache), one thread: a small finished run for tests of what reads runs. Returns the CLI's result.
inline CommandResult train_toy_run_cli(const TempDir& dir) {
  const std::string manifest = make_toy_dataset(dir.path(), 1, 2.0);
  return run_cli("train --data " + manifest + " --out " + dir.file("run") + " --cache " + dir.file("cache") +
                 " --epochs 1 --batch-size 4 --segment 1 --val 0.25 --test 0.25 --patience 0 --threads 1 -q");
}

// metrics.csv of a run without its timing columns (seconds, loader wait), which differ from run to run.
inline std::string metrics_without_timing(const std::string& run) {
  std::ifstream in(run + "/metrics.csv");
  std::string line, out;
  while (std::getline(in, line)) {
    int commas = 0;
    size_t cut = line.size();
    for (size_t i = 0; i < line.size(); ++i)
      if (line[i] == ',' && ++commas == 9) cut = i;
    out += line.substr(0, cut) + "\n";
  }
  return out;
}

// Trains `config` into `run_dir` in this process (mgc::train::train) without progress bars or epoch lines.
inline void train_quietly(const mgc::run::TrainConfig& config, const std::string& run_dir) {
  mgc::train::TrainOptions quiet;
  quiet.progress = false;
  quiet.verbose = false;
  mgc::train::train(config, run_dir, quiet);
}

// A TrainConfig that fits the toy dataset in seconds: 1 s windows, small batches, one intra-op thread (ctest runs
// tests side by side on two cores; two threads each would oversubscribe them many times over).
inline mgc::run::TrainConfig toy_train_config(const std::string& manifest, const std::string& cache, int epochs) {
  mgc::run::TrainConfig c;
  c.data = manifest;
  c.cache_dir = cache;
  c.segment_seconds = 1.0;
  c.epochs = epochs;
  c.batch_size = 4;
  c.lr = 3e-3;
  c.warmup_epochs = 0.5;
  c.val_fraction = 0.25;
  c.test_fraction = 0.25;
  c.threads = 1;
  c.patience = 0;
  // The augmentation the toy tests were written with (the library's default until it was measured to cost accuracy
  // on the generated corpus, docs/notebook/2026-11-robustness.md, "Augmentation off"): a toy model trained on pure
  // tones needs it to call a clip that mixes tones and noise (tests/serve's browser test). These tests check training, resuming and serving, not the
  // augmentation defaults (tests/train/test_augment.cpp does).
  c.augment.pitch_shift_bins = 2;
  c.augment.tilt_db = 6.0;
  c.augment.gain_db = 6.0;
  c.augment.time_masks = 2;
  c.augment.freq_masks = 2;
  return c;
}

}  // namespace mgc::test
