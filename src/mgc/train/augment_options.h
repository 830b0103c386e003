#pragma once
// The command-line name and help of every AugmentConfig field: `mgc train` and `mgc compare` parse them
// (app/augment_options.h), and compare's recipe passes them to `mgc train` (eval::train_arguments), all from these
// two tables, one per field type. Torch-free.
#include "mgc/train/config.h"

namespace mgc::train {

template <typename T>
struct AugmentOption {
  const char* name;         // e.g. "--pitch-shift"
  T AugmentConfig::*field;  // the member it sets
  const char* help;
};

inline const AugmentOption<double> kAugmentReals[] = {
    {"--mixup", &AugmentConfig::mixup_alpha, "Mixup alpha (0: off)"},
    {"--time-stretch", &AugmentConfig::time_stretch,
     "Random tempo change of each training window by a rate in [1-S, 1+S] (0: off)"},
    {"--eq-db", &AugmentConfig::eq_db,
     "Random smooth EQ curve on each training window, largest excursion up to this many dB (0: off)"},
    {"--noise-db", &AugmentConfig::noise_db,
     "Random noise floor of each training window, up to this many dB above the -80 dB floor (0: off)"},
    {"--mix-same-class", &AugmentConfig::mix_same_class,
     "Chance that a training window is summed with a window of another clip of its class (0: off)"},
    {"--mix-level-db", &AugmentConfig::mix_level_db, "That second window's level: lowered by a random 0..DB dB"},
    {"--tilt-db", &AugmentConfig::tilt_db,
     "Random spectral tilt, up to +-DB from the lowest to the highest band (0: off)"},
    {"--gain-db", &AugmentConfig::gain_db, "Random gain: each training window lowered by up to DB (0: off)"},
};

inline const AugmentOption<int> kAugmentCounts[] = {
    {"--pitch-shift", &AugmentConfig::pitch_shift_bins,
     "Random roll of each training window along the mel axis by up to this many bands (0: off)"},
    {"--time-masks", &AugmentConfig::time_masks, "SpecAugment time masks per training window (0: off)"},
    {"--time-mask-frames", &AugmentConfig::time_mask_frames, "Widest time mask, frames"},
    {"--freq-masks", &AugmentConfig::freq_masks, "SpecAugment frequency masks per training window (0: off)"},
    {"--freq-mask-bins", &AugmentConfig::freq_mask_bins, "Tallest frequency mask, mel bands"},
};

}  // namespace mgc::train
