#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mgc/train/augment.h"

using namespace mgc::train;

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

  AugmentConfig masks_only;
  masks_only.pitch_shift_bins = 0;
  masks_only.tilt_db = 0;
  masks_only.gain_db = 0;
  masks_only.time_masks = 1;
  masks_only.time_mask_frames = 19;
  masks_only.freq_masks = 0;
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
  AugmentConfig gain_only;
  gain_only.pitch_shift_bins = 0;
  gain_only.tilt_db = 0;
  gain_only.time_masks = 0;
  gain_only.freq_masks = 0;
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
