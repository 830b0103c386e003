#include "mgc/train/augment.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace mgc::train {
namespace {

constexpr float kFloorDb = -80.0f;
constexpr double kPi = 3.14159265358979323846;

int64_t uniform_int(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

double uniform(std::mt19937_64& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }

}  // namespace

void augment_batch(torch::Tensor& x, const run::AugmentConfig& c, std::mt19937_64& rng) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == 1, "augment_batch expects [B, 1, M, T], got ", x.sizes());
  if (!c.enabled) return;
  torch::NoGradGuard no_grad;
  const int64_t batch = x.size(0), mels = x.size(2), frames = x.size(3);
  for (int64_t b = 0; b < batch; ++b) {
    torch::Tensor e = x[b][0];  // [M, T] view
    if (c.pitch_shift_bins > 0) {
      const int64_t shift = uniform_int(rng, -c.pitch_shift_bins, c.pitch_shift_bins);
      if (shift != 0 && std::abs(shift) < mels) {
        torch::Tensor rolled = torch::roll(e, shift, 0);
        if (shift > 0) rolled.slice(0, 0, shift).fill_(kFloorDb);
        else rolled.slice(0, mels + shift, mels).fill_(kFloorDb);
        e.copy_(rolled);
      }
    }
    if (c.time_stretch > 0) {
      // A tempo change by `rate`: the window's content resampled along time to frames / rate columns (linear
      // interpolation between frames), then a random `frames` of it, or, when shorter, repeated to fill the window.
      const double rate = uniform(rng, 1.0 - c.time_stretch, 1.0 + c.time_stretch);
      const int64_t width = std::max<int64_t>(1, std::llround(static_cast<double>(frames) / rate));
      if (width != frames) {
        torch::Tensor stretched = torch::nn::functional::interpolate(
            e.unsqueeze(0).unsqueeze(0), torch::nn::functional::InterpolateFuncOptions()
                                             .size(std::vector<int64_t>{mels, width})
                                             .mode(torch::kBilinear)
                                             .align_corners(false))[0][0];
        if (width > frames) {
          const int64_t start = uniform_int(rng, 0, width - frames);
          e.copy_(stretched.slice(1, start, start + frames));
        } else {
          e.copy_(stretched.repeat({1, (frames + width - 1) / width}).slice(1, 0, frames));
        }
      }
    }
    if (c.tilt_db > 0) {
      const double tilt = uniform(rng, -c.tilt_db, c.tilt_db);
      e.add_(torch::linspace(-tilt / 2, tilt / 2, mels, x.options()).unsqueeze(1));
    }
    if (c.eq_db > 0 && mels > 1) {
      std::vector<float> curve(static_cast<size_t>(mels), 0.0f);
      for (int k = 1; k <= 3; ++k) {
        const double weight = uniform(rng, -1.0, 1.0), phase = uniform(rng, 0.0, 2 * kPi);
        for (int64_t m = 0; m < mels; ++m) {
          const double position = static_cast<double>(m) / static_cast<double>(mels - 1);  // 0..1 along the bands
          curve[static_cast<size_t>(m)] += static_cast<float>(weight * std::cos(kPi * k * position + phase));
        }
      }
      float peak = 0.0f;
      for (float v : curve) peak = std::max(peak, std::abs(v));
      const double target = uniform(rng, 0.0, c.eq_db);
      if (peak > 0) {
        const float scale = static_cast<float>(target / peak);
        for (float& v : curve) v *= scale;
        e.add_(torch::tensor(curve, x.options()).unsqueeze(1));
      }
    }
    if (c.gain_db > 0) e.add_(uniform(rng, -c.gain_db, 0.0));
    if (c.noise_db > 0) {
      const double level = kFloorDb + uniform(rng, 0.0, c.noise_db);
      // 10 log10(10^(x/10) + 10^(level/10)): the power sum of the signal and a flat noise floor.
      e.copy_(10.0 * torch::log10(torch::pow(10.0, e / 10.0) + std::pow(10.0, level / 10.0)));
    }
    if (c.freq_masks <= 0 && c.time_masks <= 0) continue;
    const float fill = e.mean().item<float>();
    for (int m = 0; m < c.freq_masks && c.freq_mask_bins > 0; ++m) {
      const int64_t width = uniform_int(rng, 0, std::min<int64_t>(c.freq_mask_bins, mels - 1));
      const int64_t start = uniform_int(rng, 0, mels - width);
      if (width > 0) e.slice(0, start, start + width).fill_(fill);
    }
    for (int m = 0; m < c.time_masks && c.time_mask_frames > 0; ++m) {
      const int64_t width = uniform_int(rng, 0, std::min<int64_t>(c.time_mask_frames, frames - 1));
      const int64_t start = uniform_int(rng, 0, frames - width);
      if (width > 0) e.slice(1, start, start + width).fill_(fill);
    }
  }
}

void mix_power_db(torch::Tensor a, const torch::Tensor& b, double level_db) {
  TORCH_CHECK(a.sizes() == b.sizes(), "mix_power_db: shapes differ: ", a.sizes(), " and ", b.sizes());
  torch::NoGradGuard no_grad;
  // logaddexp in base 10 / 10: stable for any pair of levels.
  constexpr double kLn10Over10 = 2.302585092994046 / 10.0;
  a.copy_(torch::logaddexp(a * kLn10Over10, (b + level_db) * kLn10Over10) / kLn10Over10);
}

Mixup mixup_batch(torch::Tensor& x, const run::AugmentConfig& c, std::mt19937_64& rng) {
  Mixup out;
  const int64_t batch = x.size(0);
  std::vector<int64_t> perm(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) perm[static_cast<size_t>(i)] = i;
  if (c.enabled && c.mixup_alpha > 0 && batch > 1) {
    std::gamma_distribution<double> g(c.mixup_alpha, 1.0);
    const double a = g(rng), b = g(rng);
    out.lambda = a + b > 0 ? a / (a + b) : 1.0;
    out.lambda = std::max(out.lambda, 1.0 - out.lambda);  // the original example stays dominant
    std::shuffle(perm.begin(), perm.end(), rng);
  }
  out.permutation = torch::tensor(perm, torch::kLong);
  if (out.lambda < 1.0) {
    torch::NoGradGuard no_grad;
    x = x * out.lambda + x.index_select(0, out.permutation) * (1.0 - out.lambda);
  }
  return out;
}

}  // namespace mgc::train
