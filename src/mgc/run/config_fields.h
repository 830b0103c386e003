#pragma once
// TrainConfig's fields, listed once: their keys in config.json and, where `mgc train` has one, their command-line
// option and help. config.json is written and read from this table (run/config.cpp), `mgc train` (and `mgc
// compare`, `mgc extract` for the subsets they take) build their options from it (app/train_options.h), and `mgc
// compare` hands its recipe to `mgc train` as a config file, so no field is spelled twice. Torch-free.
#include <type_traits>

#include "mgc/run/config.h"

namespace mgc::run {

// What the table says of one field.
struct FieldInfo {
  const char* group;   // the config.json object holding it ("augment", "features"); nullptr: the top level
  const char* key;     // its key in config.json (inside `group`)
  const char* option;  // its `mgc train` option ("--lr"); nullptr when it has none (config.json only)
  const char* help;    // the option's help
  bool show_default;   // the option's help shows the default value
};

// Calls visit(FieldInfo, member) for every log-mel setting of a FeatureConfig (group nullptr here; for_each_field
// gives them group "features"). F is data::FeatureConfig or const data::FeatureConfig. features.mel.sample_rate is not
// a field: it follows sample_rate (data::FeatureConfig::validate checks it).
template <typename F, typename Visit>
void for_each_feature_field(F& f, Visit&& visit) {
  static_assert(std::is_same_v<std::remove_const_t<F>, data::FeatureConfig>);
  visit(FieldInfo{nullptr, "sample_rate", "--sr", "Features: resample to this rate in Hz", true}, f.sample_rate);
  visit(FieldInfo{nullptr, "n_fft", "--n-fft", "Features: FFT size", true}, f.mel.stft.n_fft);
  visit(FieldInfo{nullptr, "hop_length", "--hop", "Features: hop length in samples", true}, f.mel.stft.hop_length);
  visit(FieldInfo{nullptr, "n_mels", "--n-mels", "Features: mel bands", true}, f.mel.n_mels);
  visit(FieldInfo{nullptr, "fmin", "--fmin", "Features: lowest mel frequency, Hz", true}, f.mel.fmin);
  visit(FieldInfo{nullptr, "fmax", "--fmax", "Features: highest mel frequency, Hz (0: sr/2)", true}, f.mel.fmax);
  visit(FieldInfo{nullptr, "htk", nullptr, "HTK mel scale instead of Slaney's", false}, f.mel.htk);
  visit(FieldInfo{nullptr, "norm", nullptr, "Mel filter normalisation: slaney or none", false}, f.mel.norm);
  visit(FieldInfo{nullptr, "top_db", nullptr, "dB range below the clip's maximum", false}, f.db.top_db);
  visit(FieldInfo{nullptr, "scale", "--scale",
                  "Features: db (log-mel in dB) or musicnn (log10(1 + 10000 x), musicnn's input)", true},
        f.scale);
}

// Calls visit(FieldInfo, member) for every field of a TrainConfig, in the order `mgc train --help` lists them.
// C is TrainConfig or const TrainConfig. The member types are std::string, int, int64_t, uint64_t, double, bool
// and features::MelNorm.
template <typename C, typename Visit>
void for_each_field(C& c, Visit&& visit) {
  static_assert(std::is_same_v<std::remove_const_t<C>, TrainConfig>);
  auto& a = c.augment;
  // Data and model
  visit(FieldInfo{nullptr, "data", "--data", "Dataset: folder per genre, GTZAN tree, or manifest.csv / folder with one",
                  false},
        c.data);
  visit(FieldInfo{nullptr, "model", "--model", "Architecture (see mgc models)", true}, c.model);
  visit(FieldInfo{nullptr, "pretrained", "--pretrained",
                  "Start from these weights (.pth, .safetensors, a TensorFlow checkpoint; 'imagenet' for "
                  "efficientnet_lite0's installed ones; 'msd' or 'mtt' for musicnn's checkpoints)",
                  false},
        c.pretrained);
  visit(FieldInfo{nullptr, "input_mode", "--input-mode",
                  "mono, imagenet, raw (features as they are: musicnn) or auto (raw for musicnn models, imagenet "
                  "with --pretrained, else mono)",
                  true},
        c.input_mode);
  visit(FieldInfo{nullptr, "input_norm", "--input-norm",
                  "none; band: each mel band minus its mean over the window (removes the static spectral envelope); "
                  "both: that beside the plain input (two channels)",
                  true},
        c.input_norm);
  visit(FieldInfo{nullptr, "input_height", "--input", "Resize windows to this height (and --input-width)", false},
        c.input_height);
  visit(FieldInfo{nullptr, "input_width", "--input-width", "Resize windows to this width (0: native)", false},
        c.input_width);
  visit(FieldInfo{nullptr, "dropout", "--dropout", "Dropout before the head (< 0: the architecture's default)", true},
        c.dropout);
  // Optimisation
  visit(FieldInfo{nullptr, "epochs", "--epochs", "Epochs", true}, c.epochs);
  visit(FieldInfo{nullptr, "batch_size", "--batch-size", "Batch size", true}, c.batch_size);
  visit(FieldInfo{nullptr, "optimizer", "--optimizer", "adamw or sgd", true}, c.optimizer);
  visit(FieldInfo{nullptr, "lr", "--lr", "Peak learning rate", true}, c.lr);
  visit(FieldInfo{nullptr, "weight_decay", "--weight-decay", "Weight decay", true}, c.weight_decay);
  visit(FieldInfo{nullptr, "momentum", "--momentum", "SGD momentum (Nesterov when > 0)", true}, c.momentum);
  visit(FieldInfo{nullptr, "schedule", "--schedule", "cosine, step or constant", true}, c.schedule);
  visit(FieldInfo{nullptr, "warmup_epochs", "--warmup", "Warm-up epochs", true}, c.warmup_epochs);
  visit(FieldInfo{nullptr, "step_size", "--step-size", "Step schedule: epochs between decays", true}, c.step_size);
  visit(FieldInfo{nullptr, "gamma", "--gamma", "Step schedule: decay factor", true}, c.gamma);
  visit(FieldInfo{nullptr, "label_smoothing", "--label-smoothing", "Label smoothing", true}, c.label_smoothing);
  visit(FieldInfo{nullptr, "grad_clip", "--grad-clip", "Max gradient norm (0: off)", true}, c.grad_clip);
  visit(FieldInfo{nullptr, "patience", "--patience", "Early stopping patience in epochs (0: off)", true}, c.patience);
  visit(FieldInfo{nullptr, "monitor", "--monitor", "val_clip_acc or val_loss", true}, c.monitor);
  visit(
      FieldInfo{nullptr, "freeze_epochs", "--freeze-epochs", "Epochs training only the head before fine-tuning", true},
      c.freeze_epochs);
  visit(FieldInfo{nullptr, "finetune_lr_factor", "--finetune-lr-factor", "LR factor after unfreezing", true},
        c.finetune_lr_factor);
  visit(FieldInfo{nullptr, "freeze_only", "--freeze-only", "Keep the backbone frozen throughout (linear probe)", false},
        c.freeze_only);
  // Augmentation (every transform off by default: run/config.h). `enabled` is --no-augment's, the other way round.
  visit(FieldInfo{"augment", "mixup_alpha", "--mixup", "Mixup alpha (0: off)", true}, a.mixup_alpha);
  visit(FieldInfo{"augment", "time_stretch", "--time-stretch",
                  "Random tempo change of each training window by a rate in [1-S, 1+S] (0: off)", true},
        a.time_stretch);
  visit(
      FieldInfo{"augment", "eq_db", "--eq-db",
                "Random smooth EQ curve on each training window, largest excursion up to this many dB (0: off)", true},
      a.eq_db);
  visit(
      FieldInfo{"augment", "noise_db", "--noise-db",
                "Random noise floor of each training window, up to this many dB above the -80 dB floor (0: off)", true},
      a.noise_db);
  visit(FieldInfo{"augment", "mix_same_class", "--mix-same-class",
                  "Chance that a training window is summed with a window of another clip of its class (0: off)", true},
        a.mix_same_class);
  visit(FieldInfo{"augment", "mix_level_db", "--mix-level-db",
                  "That second window's level: lowered by a random 0..DB dB", true},
        a.mix_level_db);
  visit(FieldInfo{"augment", "tilt_db", "--tilt-db",
                  "Random spectral tilt, up to +-DB from the lowest to the highest band (0: off)", true},
        a.tilt_db);
  visit(FieldInfo{"augment", "gain_db", "--gain-db", "Random gain: each training window lowered by up to DB (0: off)",
                  true},
        a.gain_db);
  visit(FieldInfo{"augment", "pitch_shift_bins", "--pitch-shift",
                  "Random roll of each training window along the mel axis by up to this many bands (0: off)", true},
        a.pitch_shift_bins);
  visit(FieldInfo{"augment", "time_masks", "--time-masks", "SpecAugment time masks per training window (0: off)", true},
        a.time_masks);
  visit(FieldInfo{"augment", "time_mask_frames", "--time-mask-frames", "Widest time mask, frames", true},
        a.time_mask_frames);
  visit(FieldInfo{"augment", "freq_masks", "--freq-masks", "SpecAugment frequency masks per training window (0: off)",
                  true},
        a.freq_masks);
  visit(FieldInfo{"augment", "freq_mask_bins", "--freq-mask-bins", "Tallest frequency mask, mel bands", true},
        a.freq_mask_bins);
  visit(FieldInfo{"augment", "enabled", nullptr, "Augmentation on (--no-augment turns it off)", false}, a.enabled);
  // Features and windows
  for_each_feature_field(c.features, [&](FieldInfo f, auto& member) {
    f.group = "features";
    visit(f, member);
  });
  visit(FieldInfo{nullptr, "segment_seconds", "--segment", "Window length in seconds", true}, c.segment_seconds);
  visit(FieldInfo{nullptr, "eval_hop_seconds", "--eval-hop", "Hop between evaluation windows, s (0: half a window)",
                  true},
        c.eval_hop_seconds);
  // Split
  visit(FieldInfo{nullptr, "split_by", "--split-by", "clip, groove, <column>, columns joined by + (crossed), lists or auto", true}, c.split_by);
  visit(FieldInfo{nullptr, "split_method", "--split-method", "holdout or kfold", true}, c.split_method);
  visit(FieldInfo{nullptr, "folds", "--folds", "Folds for kfold", true}, c.folds);
  visit(FieldInfo{nullptr, "fold", "--fold", "Test fold for kfold (0-based)", true}, c.fold);
  visit(FieldInfo{nullptr, "val_fraction", "--val",
                  "Validation fraction; with kfold, > 0 makes the next fold the val fold. 0: no validation, the last "
                  "epoch is the model",
                  true},
        c.val_fraction);
  visit(FieldInfo{nullptr, "test_fraction", "--test", "Test fraction", true}, c.test_fraction);
  visit(FieldInfo{nullptr, "cache_dir", "--cache", "Feature cache folder (default ~/.cache/mgc/features)", false},
        c.cache_dir);
  // Runtime
  visit(FieldInfo{nullptr, "seed", "--seed", "Seed for split, order, crops, augmentation, init", true}, c.seed);
  visit(FieldInfo{nullptr, "split_seed", "--split-seed",
                  "Seed of the split alone (-1: --seed), to vary training on one split or the split alone", true},
        c.split_seed);
  visit(FieldInfo{nullptr, "threads", "--threads", "Intra-op threads (0: all cores)", true}, c.threads);
  visit(FieldInfo{nullptr, "loader_threads", "--loader-threads", "Batch-preparing threads", true}, c.loader_threads);
  visit(FieldInfo{nullptr, "device", "--device", "cpu, cuda, cuda:N or auto", true}, c.device);
}

}  // namespace mgc::run
