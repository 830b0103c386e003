// mgc_bench: the mgc side of bench/run.sh. Each subcommand measures one thing and prints one line
// "<measure>\t<value>\t<unit>" on stdout (the peers in bench/peers/*.py print the same), so that run.sh can
// interleave mgc and its peer round by round on a noisy, shared machine and take medians of ratios.
//
//   mgc_bench logmel WAV [--repeat N]          log-mel of the decoded clip, in memory, 1 thread (median ms)
//   mgc_bench decode-logmel WAV [--repeat N]   decode + log-mel of a WAV file, 1 thread (median ms)
//   mgc_bench extract DATASET CACHE [--threads T]   feature cache from empty (cold) then again (warm), clips/s
//   mgc_bench train MODEL [--steps N] [--batch B] [--size S] [--threads T] [--nchw]
//                                              fwd + bwd + SGD step images/s (median over steps)
//   mgc_bench infer MODEL [--repeat N] [--threads T] [--nchw]   eval + InferenceMode forward of a batch of windows (ms)
//   mgc_bench library FOLDER RUN [--threads T]   every audio file of FOLDER through RUN's predictor, one file at a
//                                              time, its stages timed apart: decode (+ resample, mono), log-mel,
//                                              inference (ms per file; the log-mel is predict_audio's time minus a
//                                              second, inference-only pass over the same log-mel)
// train and infer use the memory order mgc's trainer and predictor use (run::use_fast_memory_format: channels-last
// on CPU); --nchw keeps libtorch's default order, for the A/B.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/data/dataset.h"
#include "mgc/data/feature_cache.h"
#include "mgc/data/folder_walk.h"
#include "mgc/features/mel.h"
#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"
#include "mgc/models/runtime.h"
#include "mgc/run/model.h"
#include "mgc/run/predictor.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Process CPU time in ms (all threads): on a shared, overloaded machine a one-thread measure's CPU time is far
// steadier than its wall time. The Python peers report time.process_time() the same way.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// "--name value" from argv, or the default.
std::string opt(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 0; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return def;
}
bool flag(int argc, char** argv, const std::string& name) {
  for (int i = 0; i < argc; ++i)
    if (argv[i] == name) return true;
  return false;
}
int opt_int(int argc, char** argv, const std::string& name, int def) {
  return std::stoi(opt(argc, argv, name, std::to_string(def)));
}

// One result line: measure, wall value, CPU value ("-" if not applicable), unit.
void print(const std::string& measure, double value, const char* unit, double cpu = -1.0) {
  if (cpu >= 0.0) std::printf("%s\t%.4f\t%.4f\t%s\n", measure.c_str(), value, cpu, unit);
  else std::printf("%s\t%.4f\t-\t%s\n", measure.c_str(), value, unit);
  std::fflush(stdout);
}

mgc::data::FeatureConfig feature_config() { return mgc::data::FeatureConfig{}; }

int cmd_logmel(const std::string& wav, int repeat) {
  mgc::set_num_threads(1);
  const auto fc = feature_config();
  const mgc::audio::Audio a = mgc::audio::load_audio(wav, {fc.sample_rate, true});
  const mgc::features::MelSpectrogram engine(fc.mel);
  volatile float sink = engine.log_mel(a.samples, fc.db).values[0];  // warm-up: plans, page faults
  std::vector<double> t, c;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = Clock::now();
    const double c0 = cpu_ms();
    const auto s = engine.log_mel(a.samples, fc.db);
    c.push_back(cpu_ms() - c0);
    t.push_back(ms_since(t0));
    sink = sink + s.values[0];
  }
  print("logmel_ms", median(t), "ms", median(c));
  return 0;
}

int cmd_decode_logmel(const std::string& wav, int repeat) {
  mgc::set_num_threads(1);
  const auto fc = feature_config();
  volatile float sink = mgc::data::compute_features(wav, fc).values[0];
  std::vector<double> t, c;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = Clock::now();
    const double c0 = cpu_ms();
    const auto s = mgc::data::compute_features(wav, fc);
    c.push_back(cpu_ms() - c0);
    t.push_back(ms_since(t0));
    sink = sink + s.values[0];
  }
  print("decode_logmel_ms", median(t), "ms", median(c));
  return 0;
}

int cmd_extract(const std::string& dataset, const std::string& cache_dir, int threads) {
  mgc::set_num_threads(1);
  const auto ds = mgc::data::load_dataset(dataset);
  std::filesystem::remove_all(cache_dir);
  const mgc::data::FeatureCache cache(cache_dir, feature_config());
  const auto cold = mgc::data::extract_features(ds, cache, threads, false);
  const auto warm = mgc::data::extract_features(ds, cache, threads, false);
  if (cold.failed || warm.failed || cold.computed != static_cast<int64_t>(ds.clips.size()) ||
      warm.reused != static_cast<int64_t>(ds.clips.size()))
    throw mgc::make_error("bench", "extract: unexpected counts (cold {} computed, warm {} reused, {} failed)",
                          cold.computed, warm.reused, cold.failed + warm.failed);
  print("extract_cold_clips_per_s", static_cast<double>(ds.clips.size()) / cold.seconds, "clips/s");
  print("extract_warm_clips_per_s", static_cast<double>(ds.clips.size()) / warm.seconds, "clips/s");
  return 0;
}

// A 10-class model with random weights, seeded, on `threads` intra-op threads, and a random input [batch, 3, size,
// size]; both in the memory order mgc uses on CPU unless nchw.
struct BenchModel {
  std::shared_ptr<mgc::models::Classifier> model;
  torch::Tensor x;
};

BenchModel bench_model(const std::string& name, int threads, int batch, int size, bool nchw) {
  mgc::set_num_threads(threads);
  torch::manual_seed(0);
  mgc::models::ModelConfig mc;
  mc.name = name;
  mc.num_classes = 10;
  mc.aux_logits = false;
  BenchModel b{mgc::models::create_model(mc), torch::randn({batch, 3, size, size})};
  const torch::Device cpu(torch::kCPU);
  if (!nchw) {
    mgc::run::use_fast_memory_format(*b.model, cpu);
    b.x = mgc::run::fast_memory_format(b.x, cpu);
  }
  return b;
}

int cmd_train(const std::string& name, int steps, int batch, int size, int threads, bool nchw) {
  auto [model, x] = bench_model(name, threads, batch, size, nchw);
  model->train();
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  const torch::Tensor y = torch::randint(0, 10, {batch}, torch::kLong);
  std::vector<double> t;
  for (int i = 0; i < steps + 1; ++i) {  // the first step warms up (allocations, oneDNN primitives)
    const auto t0 = Clock::now();
    opt.zero_grad();
    const auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    opt.step();
    if (i > 0) t.push_back(ms_since(t0));
  }
  print("train_img_per_s_" + name, batch / (median(t) / 1000.0), "img/s");
  return 0;
}

int cmd_infer(const std::string& name, int repeat, int threads, int batch, int size, bool nchw) {
  auto [model, x] = bench_model(name, threads, batch, size, nchw);
  model->eval();
  std::vector<double> t;
  c10::InferenceMode guard;
  for (int i = 0; i < repeat + 1; ++i) {
    const auto t0 = Clock::now();
    const auto p = torch::softmax(model->forward(x), 1);
    if (i > 0) t.push_back(ms_since(t0));
  }
  print("infer_ms_" + name, median(t), "ms");
  return 0;
}

int cmd_library(const std::string& folder, const std::string& run_dir, int threads) {
  std::vector<std::string> files;  // as mgc predict lists a folder
  for (const auto& e : mgc::data::walk_folder(folder, mgc::data::is_audio_file))
    if (e.kind == mgc::data::WalkEntry::Kind::file) files.push_back(e.path);
  if (files.empty()) throw mgc::make_error("bench", "no audio files in {}", folder);
  mgc::run::Predictor predictor(run_dir, threads);
  if (predictor.has_harmony()) predictor.set_use_harmony(false);  // the default run's vote is the CNN's
  mgc::audio::AudioConfig ac;
  ac.sample_rate = predictor.sample_rate();
  double decode = 0, features_and_infer = 0, infer = 0, seconds = 0;
  for (const auto& f : files) {
    auto t0 = Clock::now();
    const mgc::audio::Audio mono = mgc::audio::load_audio(f, ac);
    decode += ms_since(t0);
    mgc::features::Spectrogram mel;
    t0 = Clock::now();
    const auto p = predictor.predict_audio(mono, f, &mel);
    features_and_infer += ms_since(t0);
    t0 = Clock::now();
    volatile float sink = predictor.predict_features(mel).probs[0];
    (void)sink;
    infer += ms_since(t0);
    seconds += p.audio_seconds;
  }
  const double n = static_cast<double>(files.size());
  print("library_decode_ms_per_file", decode / n, "ms");
  print("library_logmel_ms_per_file", (features_and_infer - infer) / n, "ms");
  print("library_infer_ms_per_file", infer / n, "ms");
  print("library_audio_s_per_file", seconds / n, "s");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  mgc::tune_malloc_for_tensors();  // as the mgc program does (MGC_MALLOC=system to measure without)
  if (argc < 3) {
    std::fprintf(stderr, "usage: mgc_bench logmel|decode-logmel|extract|train|infer|library ARGS (see bench/mgc_bench.cpp)\n");
    return 2;
  }
  try {
    const std::string cmd = argv[1];
    if (cmd == "logmel") return cmd_logmel(argv[2], opt_int(argc, argv, "--repeat", 20));
    if (cmd == "decode-logmel") return cmd_decode_logmel(argv[2], opt_int(argc, argv, "--repeat", 20));
    if (cmd == "extract" && argc >= 4) return cmd_extract(argv[2], argv[3], opt_int(argc, argv, "--threads", 2));
    if (cmd == "train")
      return cmd_train(argv[2], opt_int(argc, argv, "--steps", 3), opt_int(argc, argv, "--batch", 32),
                       opt_int(argc, argv, "--size", 128), opt_int(argc, argv, "--threads", 2),
                       flag(argc, argv, "--nchw"));
    if (cmd == "infer")
      return cmd_infer(argv[2], opt_int(argc, argv, "--repeat", 5), opt_int(argc, argv, "--threads", 2),
                       opt_int(argc, argv, "--batch", 19), opt_int(argc, argv, "--size", 128),
                       flag(argc, argv, "--nchw"));
    if (cmd == "library" && argc >= 4) return cmd_library(argv[2], argv[3], opt_int(argc, argv, "--threads", 2));
    std::fprintf(stderr, "mgc_bench: unknown command '%s'\n", cmd.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mgc_bench: %s\n", e.what());
    return 1;
  }
}
