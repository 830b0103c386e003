#pragma once
// The training-time augmentation options that `mgc train` and `mgc compare` share. Every transform is off by default
// (measured on held-out groove files: docs/ROBUSTNESS.md, "Augmentation off"); a run keeps its settings in
// config.json.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <string>

#include "mgc/train/config.h"

namespace mgc::cli {

// One table per field type, so that the options and their record in a command line come from one list.
template <typename T>
struct AugmentOption {
  const char* name;
  T train::AugmentConfig::*field;
  const char* help;
};

inline const AugmentOption<double> kAugmentReals[] = {
    {"--mixup", &train::AugmentConfig::mixup_alpha, "Mixup alpha (0: off)"},
    {"--time-stretch", &train::AugmentConfig::time_stretch,
     "Random tempo change of each training window by a rate in [1-S, 1+S] (0: off)"},
    {"--eq-db", &train::AugmentConfig::eq_db,
     "Random smooth EQ curve on each training window, largest excursion up to this many dB (0: off)"},
    {"--noise-db", &train::AugmentConfig::noise_db,
     "Random noise floor of each training window, up to this many dB above the -80 dB floor (0: off)"},
    {"--mix-same-class", &train::AugmentConfig::mix_same_class,
     "Chance that a training window is summed with a window of another clip of its class (0: off)"},
    {"--mix-level-db", &train::AugmentConfig::mix_level_db, "That second window's level: lowered by a random 0..DB dB"},
    {"--tilt-db", &train::AugmentConfig::tilt_db,
     "Random spectral tilt, up to +-DB from the lowest to the highest band (0: off)"},
    {"--gain-db", &train::AugmentConfig::gain_db, "Random gain: each training window lowered by up to DB (0: off)"},
};

inline const AugmentOption<int> kAugmentCounts[] = {
    {"--pitch-shift", &train::AugmentConfig::pitch_shift_bins,
     "Random roll of each training window along the mel axis by up to this many bands (0: off)"},
    {"--time-masks", &train::AugmentConfig::time_masks, "SpecAugment time masks per training window (0: off)"},
    {"--time-mask-frames", &train::AugmentConfig::time_mask_frames, "Widest time mask, frames"},
    {"--freq-masks", &train::AugmentConfig::freq_masks, "SpecAugment frequency masks per training window (0: off)"},
    {"--freq-mask-bins", &train::AugmentConfig::freq_mask_bins, "Tallest frequency mask, mel bands"},
};

inline void add_augment_options(CLI::App* cmd, train::AugmentConfig& a) {
  for (const auto& o : kAugmentReals) cmd->add_option(o.name, a.*o.field, o.help)->capture_default_str();
  for (const auto& o : kAugmentCounts) cmd->add_option(o.name, a.*o.field, o.help)->capture_default_str();
}

// The options above whose value differs from the default, as a command line fragment (" --pitch-shift 2 ..."), for
// the record of a command.
inline std::string augment_arguments(const train::AugmentConfig& a) {
  const train::AugmentConfig d;
  std::string s;
  for (const auto& o : kAugmentReals)
    if (a.*o.field != d.*o.field) s += fmt::format(" {} {}", o.name, a.*o.field);
  for (const auto& o : kAugmentCounts)
    if (a.*o.field != d.*o.field) s += fmt::format(" {} {}", o.name, a.*o.field);
  return s;
}

}  // namespace mgc::cli
