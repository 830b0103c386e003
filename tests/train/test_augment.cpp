#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <set>
#include <vector>

#include "mgc/train/augment.h"

using namespace mgc::run;
using namespace mgc::train;

namespace {

// Every transform that was on by default before they were measured (docs/notebook/2026-11-robustness.md,
// "Augmentation off") switched off explicitly, so that a test can switch on the one it checks whatever the defaults
// are.
AugmentConfig all_off() {
  AugmentConfig c;
  c.pitch_shift_bins = 0;
  c.tilt_db = 0;
  c.gain_db = 0;
  c.time_masks = 0;
  c.freq_masks = 0;
  return c;
}

}  // namespace

TEST(Augment, SeededAndBounded) {
  AugmentConfig c;
  c.noise_db = 10;
  c.mixup_alpha = 0.4;
  torch::Tensor base = torch::rand({4, 1, 32, 40}) * -80.0;
  torch::Tensor a = base.clone(), b = base.clone();
  std::mt19937_64 r1(5), r2(5), r3(6);
  augment_batch(a, c, r1);
  augment_batch(b, c, r2);
  EXPECT_TRUE(torch::equal(a, b));  // same seed, same result
  torch::Tensor d = base.clone();
  augment_batch(d, c, r3);
  EXPECT_FALSE(torch::equal(a, d));
  EXPECT_EQ(a.sizes(), base.sizes());
  EXPECT_TRUE(torch::isfinite(a).all().item<bool>());

  const Mixup m = mixup_batch(a, c, r1);
  EXPECT_GE(m.lambda, 0.5);
  EXPECT_LE(m.lambda, 1.0);
  EXPECT_TRUE(torch::equal(std::get<0>(m.permutation.sort()), torch::arange(4)));
}

TEST(Augment, DisabledIsIdentityAndMasksFillWithMean) {
  AugmentConfig off;
  off.enabled = false;
  torch::Tensor x = torch::rand({2, 1, 16, 20});
  torch::Tensor y = x.clone();
  std::mt19937_64 rng(1);
  augment_batch(y, off, rng);
  EXPECT_TRUE(torch::equal(x, y));
  EXPECT_EQ(mixup_batch(y, off, rng).lambda, 1.0);

  AugmentConfig masks_only = all_off();
  masks_only.time_masks = 1;
  masks_only.time_mask_frames = 19;
  torch::Tensor z = torch::zeros({1, 1, 4, 20});
  z[0][0][0][0] = 8.0;  // mean 0.1
  std::mt19937_64 r(3);
  augment_batch(z, masks_only, r);
  // Every value is either an original one or the fill (the example's mean, 0.1).
  const auto vals = z.flatten();
  for (int64_t i = 0; i < vals.size(0); ++i) {
    const float v = vals[i].item<float>();
    EXPECT_TRUE(v == 0.0f || v == 8.0f || std::abs(v - 0.1f) < 1e-6) << v;
  }
}

TEST(Augment, GainLowersTheWholeWindowByAtMostGainDb) {
  AugmentConfig gain_only = all_off();
  gain_only.gain_db = 6.0;
  torch::Tensor x = torch::rand({3, 1, 8, 10}) * -60.0;
  torch::Tensor y = x.clone();
  std::mt19937_64 rng(9);
  augment_batch(y, gain_only, rng);
  for (int64_t b = 0; b < 3; ++b) {
    const torch::Tensor d = y[b] - x[b];
    const float shift = d.mean().item<float>();
    EXPECT_TRUE(torch::allclose(d, torch::full_like(d, shift), 1e-4, 1e-4));  // one offset per example
    EXPECT_LE(shift, 0.0f);
    EXPECT_GE(shift, -6.0f);
  }
}

TEST(Augment, TimeStretchChangesTheTempoOfAPeriodicPattern) {
  AugmentConfig stretch_only = all_off();
  stretch_only.time_stretch = 0.25;
  // A click every 10 frames in every band: after a tempo change by rate r, the clicks are 10 / r frames apart.
  const int64_t frames = 200;
  torch::Tensor x = torch::full({8, 1, 4, frames}, -80.0f);
  for (int64_t t = 0; t < frames; t += 10) x.select(3, t).fill_(0.0f);
  torch::Tensor y = x.clone();
  std::mt19937_64 rng(5);
  augment_batch(y, stretch_only, rng);
  std::set<int64_t> periods;
  for (int64_t b = 0; b < 8; ++b) {
    // The period: mean distance between the starts of the runs above -40 dB (one run per click).
    const auto row = y[b][0][0].contiguous();
    const float* v = row.data_ptr<float>();
    std::vector<int64_t> starts;
    for (int64_t t = 0; t < frames; ++t)
      if (v[t] > -40.0f && (t == 0 || v[t - 1] <= -40.0f)) starts.push_back(t);
    ASSERT_GE(starts.size(), 10u) << b;
    const double period = static_cast<double>(starts.back() - starts.front()) / static_cast<double>(starts.size() - 1);
    EXPECT_GE(period, 7.5) << b;   // 10 / 1.25 = 8
    EXPECT_LE(period, 14.0) << b;  // 10 / 0.75 = 13.3
    periods.insert(std::lround(period * 10));
    EXPECT_TRUE(torch::allclose(y[b][0][0], y[b][0][3]));  // every band moved alike
    EXPECT_GE(y[b].min().item<float>(), -80.0f - 1e-4f);  // interpolation stays within the range
    EXPECT_LE(y[b].max().item<float>(), 1e-4f);
  }
  EXPECT_GE(periods.size(), 3u);  // the rates differ between examples
  // Seeded: the same generator state gives the same result.
  torch::Tensor z = x.clone();
  std::mt19937_64 rng2(5);
  augment_batch(z, stretch_only, rng2);
  EXPECT_TRUE(torch::equal(y, z));
}

TEST(Augment, MixPowerDbIsThePowerSumOfTwoSpectrograms) {
  // Equal levels add 10 log10(2) = 3.0103 dB; a window 20 dB under the other adds 10 log10(1.01) = 0.0432 dB.
  torch::Tensor a = torch::tensor({-10.0f, -30.0f, -80.0f, 0.0f});
  const torch::Tensor b = torch::tensor({-10.0f, -10.0f, -80.0f, -200.0f});
  mix_power_db(a, b, 0.0);
  const float want[] = {-10.0f + 3.0103f, -10.0f + 0.0432f, -80.0f + 3.0103f, 0.0f};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(a[i].item<float>(), want[i], 1e-4) << i;
  // level_db shifts the second one: -10 dB lowered by 6 under -10 dB adds 10 log10(1 + 10^-0.6) = 0.9732 dB.
  torch::Tensor c = torch::tensor({-10.0f});
  mix_power_db(c, torch::tensor({-10.0f}), -6.0);
  EXPECT_NEAR(c[0].item<float>(), -10.0f + 0.9732f, 1e-4);
  // Never below either input, and symmetric.
  const torch::Tensor x = torch::rand({2, 1, 8, 9}) * -80.0, y = torch::rand({2, 1, 8, 9}) * -80.0;
  torch::Tensor xy = x.clone(), yx = y.clone();
  mix_power_db(xy, y, 0.0);
  mix_power_db(yx, x, 0.0);
  EXPECT_TRUE(torch::allclose(xy, yx, 0, 1e-4));
  EXPECT_TRUE((xy >= torch::max(x, y) - 1e-5).all().item<bool>());
  EXPECT_TRUE((xy <= torch::max(x, y) + 3.0104).all().item<bool>());
  EXPECT_THROW(mix_power_db(xy, torch::zeros({3}), 0.0), c10::Error);
}

TEST(Augment, EqAddsOneSmoothCurvePerExampleWithinEqDb) {
  AugmentConfig eq_only = all_off();
  eq_only.eq_db = 12.0;
  const int64_t mels = 64;
  const torch::Tensor x = torch::rand({16, 1, mels, 10}) * -60.0;
  torch::Tensor y = x.clone();
  std::mt19937_64 rng(11);
  augment_batch(y, eq_only, rng);
  double largest = 0.0;
  for (int64_t b = 0; b < 16; ++b) {
    const torch::Tensor d = (y[b][0] - x[b][0]).contiguous();  // [M, T]
    // One gain per band: every frame of a band moved alike.
    EXPECT_TRUE(torch::allclose(d, d.select(1, 0).unsqueeze(1).expand({mels, 10}), 0, 1e-4)) << b;
    const torch::Tensor curve = d.select(1, 0).contiguous();
    const float peak = curve.abs().max().item<float>();
    EXPECT_LE(peak, 12.0f + 1e-4f) << b;
    largest = std::max(largest, static_cast<double>(peak));
    // Smooth: three cosines of at most 1.5 periods over 63 band steps move by at most pi * sum_k k |w_k| / 63 per
    // step, about a quarter of the curve's peak at worst; a curve of independent values would jump by about its peak.
    const torch::Tensor steps = (curve.slice(0, 1, mels) - curve.slice(0, 0, mels - 1)).abs();
    EXPECT_LE(steps.max().item<float>(), std::max(0.3f * peak, 1e-4f)) << b;
  }
  EXPECT_GT(largest, 6.0);  // sixteen draws of U(0, 12): at least one above 6 dB (probability 1 - 2^-16)
  // Seeded.
  torch::Tensor z = x.clone();
  std::mt19937_64 rng2(11);
  augment_batch(z, eq_only, rng2);
  EXPECT_TRUE(torch::equal(y, z));
  // Off by default.
  EXPECT_EQ(AugmentConfig{}.eq_db, 0.0);
}

// The default config changes nothing: every transform is off until switched on (measured to cost accuracy on held-out
// groove files, docs/notebook/2026-11-robustness.md), though augmentation as a whole stays enabled, and the loader's
// mixup is off too.
TEST(Augment, DefaultsLeaveTheBatchAlone) {
  const AugmentConfig c;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.pitch_shift_bins, 0);
  EXPECT_EQ(c.tilt_db, 0.0);
  EXPECT_EQ(c.gain_db, 0.0);
  EXPECT_EQ(c.time_masks, 0);
  EXPECT_EQ(c.freq_masks, 0);
  const torch::Tensor x = torch::rand({3, 1, 24, 30}) * -80.0;
  torch::Tensor y = x.clone();
  std::mt19937_64 rng(3);
  augment_batch(y, c, rng);
  EXPECT_TRUE(torch::equal(x, y));
  EXPECT_EQ(mixup_batch(y, c, rng).lambda, 1.0);
  // Switching one on changes the batch: the defaults are off, not broken.
  AugmentConfig tilt = c;
  tilt.tilt_db = 6.0;
  augment_batch(y, tilt, rng);
  EXPECT_FALSE(torch::equal(x, y));
}
