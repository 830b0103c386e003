#pragma once
// Everything that defines a training run, in one struct: saved as config.json beside every checkpoint and result,
// so any number can be traced to what made it.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "mgc/data/feature_cache.h"

namespace mgc::run {

struct AugmentConfig {
  // Every transform is off by default: on held-out groove files each cost accuracy (measurements: docs/notebook/
  // 2026-11-robustness.md, "Augmentation off"). The sizes below are used when a transform is switched on.
  int time_masks = 0;          // SpecAugment time masks per example (0: off)
  int time_mask_frames = 20;   // maximum width of each (frames)
  int freq_masks = 0;          // SpecAugment frequency masks (0: off)
  int freq_mask_bins = 12;     // maximum height of each (mel bands)
  double mixup_alpha = 0.0;    // Beta(alpha, alpha) mixup; 0 disables
  int pitch_shift_bins = 0;    // random roll along the mel axis by up to this many bands (0: off; 2 ~ a few semitones)
  double tilt_db = 0.0;        // random spectral tilt, up to +-tilt_db from lowest to highest band; 0 off
  double eq_db = 0.0;          // random smooth EQ curve (three cosines along the mel axis), peak up to eq_db; 0 off
  double gain_db = 0.0;        // random gain: the whole window lowered by up to this many dB; 0 off
  double noise_db = 0.0;       // random noise floor up to this many dB above the -80 dB floor; 0 disables
  double time_stretch = 0.0;   // random tempo change: the window resampled along time by a rate in [1-s, 1+s]; 0 off
  double mix_same_class = 0.0; // chance that a window is summed (power) with a window of another clip of its class
  double mix_level_db = 6.0;   // that second window's level: lowered by a random 0..mix_level_db dB
  bool enabled = true;

  void validate() const;
  // Whether any transform that works on dB values is on (eq_db, noise_db, tilt_db, gain_db, mix_same_class: not
  // for musicnn's features), and turning them all off.
  bool uses_db_transforms() const;
  void disable_db_transforms();
};

struct TrainConfig {
  // Data
  std::string data;                 // dataset (folder, GTZAN tree or manifest); see data/dataset.h
  std::string cache_dir;            // feature cache; "" = <run_dir>/../.mgc-cache next to the runs
  std::string split_by = "auto";    // clip | groove | <column> | <column>+<column> (crossed) | lists | auto
  std::string split_method = "holdout";  // holdout | kfold
  double val_fraction = 0.15;
  double test_fraction = 0.15;
  int folds = 5;
  int fold = 0;
  data::FeatureConfig features;
  double segment_seconds = 3.0;     // window fed to the model
  double eval_hop_seconds = 0.0;    // hop between evaluation windows; 0 = half a window (50% overlap)

  // Model
  std::string model = "audio_cnn";
  std::string pretrained;           // weights file to start from ("" = random init)
  std::string input_mode = "auto";  // mono | imagenet | auto (imagenet when pretrained, else mono)
  int input_height = 0;             // resize windows to this size; 0 = n_mels
  int input_width = 0;              // 0 = frames of a window
  double dropout = -1.0;            // < 0: the architecture's default
  std::string input_norm = "none";  // none | band | both (models/input.h): each mel band minus its mean over the
                                    // window, instead of (band) or beside (both, a second channel) the plain input

  // Optimisation
  int epochs = 50;
  int batch_size = 32;
  std::string optimizer = "adamw";  // adamw | sgd (momentum, nesterov)
  double lr = 1e-3;
  double weight_decay = 1e-2;
  double momentum = 0.9;
  std::string schedule = "cosine";  // cosine | step | constant, after linear warm-up
  double warmup_epochs = 1.0;
  int step_size = 10;               // step schedule: epochs between decays
  double gamma = 0.1;               // step schedule: decay factor
  double label_smoothing = 0.1;
  double grad_clip = 5.0;           // max global gradient norm; 0 disables
  int patience = 10;                // early stopping: epochs without improvement; 0 disables
  std::string monitor = "val_clip_acc";  // val_clip_acc | val_loss
  int freeze_epochs = 0;            // transfer learning: epochs training only the head (backbone frozen)
  double finetune_lr_factor = 0.1;  // LR multiplier once the backbone is unfrozen
  bool freeze_only = false;         // never unfreeze (linear probe)
  AugmentConfig augment;

  // Runtime
  uint64_t seed = 0;
  int64_t split_seed = -1;          // seed of the split alone; -1 = seed (so one seed can vary training on one split)
  int threads = 0;                  // intra-op threads; 0 = all cores
  int loader_threads = 1;           // batch-preparing threads
  std::string device = "cpu";       // cpu | cuda | cuda:N | auto

  // Throws mgc::Error naming the field on an out-of-range value.
  void validate() const;
  // The input mode after resolving "auto": raw for musicnn models, imagenet with pretrained weights, else mono.
  std::string resolved_input_mode() const;
  int64_t segment_frames() const;
  int64_t eval_hop_frames() const;
};

// musicnn's input representation as features (features::musicnn_mel_config, scale "musicnn"): what a musicnn
// model's config must hold (TrainConfig::validate checks it).
data::FeatureConfig musicnn_features();
// Seconds of one musicnn window: 187 frames of 256 samples at 16 kHz (2.992 s, 187 frames at segment_frames()).
inline constexpr double kMusicnnSegmentSeconds = 187.0 * 256.0 / 16000.0;

// Whether `model` is of the musicnn family (registry); false for a name the registry does not know.
bool is_musicnn_model(const std::string& model);

// Sets musicnn's features and window (musicnn_features(), kMusicnnSegmentSeconds) on a config whose model is of the
// musicnn family and returns whether that changed anything; leaves other models' configs alone (returns false).
// The CLI re-applies the options a user gave on top, so that validate() names a conflicting one.
bool use_musicnn_input(TrainConfig& c);
// The input a musicnn config holds, in words for a user ("16 kHz, n_fft 512, hop 256, 96 mel bands, log10(1 +
// 10000 x), 2.992 s windows"), read from c.
std::string describe_musicnn_input(const TrainConfig& c);

nlohmann::json to_json(const TrainConfig& c);
// Reads a config written by to_json; missing keys keep their defaults, unknown keys are an error naming them (a typo
// must not be ignored). Throws mgc::Error ("train: [<source>: ]unknown config key ..." or "... malformed config:
// ..."); `source` names where the JSON came from, if anywhere.
TrainConfig train_config_from_json(const nlohmann::json& j, const std::string& source = "");

// Reads a config file: a run's config.json, or a recipe for `mgc train --config`. Throws mgc::Error naming the file
// when it cannot be read, is not JSON, or is not a valid config (as train_config_from_json).
TrainConfig read_config_file(const std::string& path);

}  // namespace mgc::run
