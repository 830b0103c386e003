#pragma once
// Training-time augmentation on log-mel batches in dB ([B, 1, n_mels, frames], 0 dB = the clip's maximum,
// -80 dB = the floor), all driven by one seeded generator so a run is reproducible:
//   - pitch shift: roll along the mel axis by up to pitch_shift_bins bands (vacated bands at the floor);
//   - spectral tilt: a random linear EQ ramp of up to +-tilt_db across the bands;
//   - EQ: a random smooth curve along the bands, the sum of three cosines (half, one and one and a half periods
//     over the mel axis, random phases and weights), scaled so that its largest excursion is a random 0..eq_db dB
//     (another mix, another microphone, another instrument's body);
//   - gain: the whole window lowered by up to gain_db (features are relative to the clip's maximum, so this
//     teaches level invariance within the 80 dB range);
//   - noise: a flat noise floor added in the power domain, up to noise_db above -80 dB;
//   - time stretch: a tempo change by a random rate in [1 - time_stretch, 1 + time_stretch], the window resampled
//     along time (a slower window is cropped, a faster one repeated to the window's length);
//   - same-class mix: a window summed in the power domain with a window of another training clip of the same
//     class, lowered by up to mix_level_db (new arrangements of a genre's parts; the label stays; done by the
//     trainer's loader, which knows the clips, with mix_power_db below);
//   - SpecAugment (Park et al., Interspeech 2019): time and frequency masks, filled with the example's mean;
//   - mixup (Zhang et al., ICLR 2018): convex blends of example pairs, labels blended in the loss.
#include <torch/types.h>

#include <random>

#include "mgc/run/config.h"

namespace mgc::train {

// Augments x in place (every transform but mixup). x: [B, 1, M, T] float32 dB.
void augment_batch(torch::Tensor& x, const run::AugmentConfig& config, std::mt19937_64& rng);

// a := 10 log10(10^(a/10) + 10^((b + level_db)/10)), elementwise, in place: the power sum of two dB spectrograms,
// the second shifted by level_db (<= 0 lowers it). a and b: float dB tensors of one shape; throws c10::Error
// otherwise.
void mix_power_db(torch::Tensor a, const torch::Tensor& b, double level_db);

struct Mixup {
  torch::Tensor permutation;  // [B] int64: example i is blended with example permutation[i]
  double lambda = 1.0;        // weight of the original example
};

// Blends x in place with a permutation of itself when config.mixup_alpha > 0 (else lambda = 1, identity).
Mixup mixup_batch(torch::Tensor& x, const run::AugmentConfig& config, std::mt19937_64& rng);

}  // namespace mgc::train
