#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>

#include "mgc/core/error.h"
#include "mgc/features/stft.h"

using namespace mgc::features;

namespace {

// |DFT|^2 of each frame computed directly in double: the definition the FFT path must reproduce.
Spectrogram reference_power(const std::vector<float>& y, const StftConfig& c) {
  const int n_fft = c.n_fft;
  const auto win = hann_window(c.effective_win_length(), n_fft);
  const int64_t n = static_cast<int64_t>(y.size());
  const int64_t frames = num_frames(n, c);
  const int64_t pad = c.center ? n_fft / 2 : 0;
  Spectrogram s(n_fft / 2 + 1, frames);
  for (int64_t t = 0; t < frames; ++t) {
    std::vector<double> frame(n_fft);
    for (int j = 0; j < n_fft; ++j) {
      int64_t idx = t * c.hop_length - pad + j;
      double v = 0.0;
      if (c.pad_mode == PadMode::Reflect) {
        if (idx < 0) idx = -idx;
        if (idx >= n) idx = 2 * (n - 1) - idx;
        v = y[idx];
      } else if (idx >= 0 && idx < n) {
        v = y[idx];
      }
      frame[j] = v * win[j];
    }
    for (int k = 0; k <= n_fft / 2; ++k) {
      std::complex<double> acc = 0;
      for (int j = 0; j < n_fft; ++j) acc += frame[j] * std::polar(1.0, -2.0 * M_PI * k * j / n_fft);
      s.at(k, t) = static_cast<float>(std::norm(acc));
    }
  }
  return s;
}

std::vector<float> noise(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> y(n);
  for (float& v : y) v = u(rng);
  return y;
}

void expect_close(const Spectrogram& a, const Spectrogram& b, double rel) {
  ASSERT_EQ(a.rows, b.rows);
  ASSERT_EQ(a.cols, b.cols);
  float peak = 0.0f;
  for (float v : b.values) peak = std::max(peak, v);
  for (size_t i = 0; i < a.values.size(); ++i)
    ASSERT_NEAR(a.values[i], b.values[i], rel * peak) << "at " << i / a.cols << "," << i % a.cols;
}

}  // namespace

TEST(Stft, FrameCountsFollowLibrosa) {
  StftConfig c;  // 2048 / 512 centred
  EXPECT_EQ(num_frames(661500, c), 1 + 661500 / 512);
  EXPECT_EQ(num_frames(699, c), 2);
  EXPECT_EQ(num_frames(1, c), 1);
  c.center = false;
  EXPECT_EQ(num_frames(2048, c), 1);
  EXPECT_EQ(num_frames(2048 + 511, c), 1);
  EXPECT_EQ(num_frames(2048 + 512, c), 2);
  EXPECT_THROW(num_frames(2047, c), mgc::Error);
  EXPECT_THROW(num_frames(0, StftConfig{}), mgc::Error);
}

TEST(Stft, HannWindowIsPeriodicAndCentred) {
  const auto w = hann_window(8, 8);
  EXPECT_DOUBLE_EQ(w[0], 0.0);
  EXPECT_DOUBLE_EQ(w[4], 1.0);  // periodic: the peak is at N/2 and w[N-1] != 0
  EXPECT_NEAR(w[7], 0.5 - 0.5 * std::cos(2 * M_PI * 7 / 8), 1e-15);
  const auto padded = hann_window(4, 8);  // centred: two zeros each side
  EXPECT_EQ(padded[0], 0.0);
  EXPECT_EQ(padded[1], 0.0);
  EXPECT_DOUBLE_EQ(padded[4], 1.0);
  EXPECT_EQ(padded[6], 0.0);
  EXPECT_EQ(padded[7], 0.0);
}

TEST(Stft, MatchesDirectDftWithZeroPadding) {
  StftConfig c;
  c.n_fft = 64;
  c.hop_length = 16;
  const auto y = noise(300, 1);
  expect_close(PowerStft(c).compute(y.data(), 300), reference_power(y, c), 1e-5);
}

TEST(Stft, MatchesDirectDftWithReflectPaddingShortWindowAndNoCentre) {
  StftConfig c;
  c.n_fft = 32;
  c.hop_length = 8;
  c.win_length = 20;
  c.pad_mode = PadMode::Reflect;
  const auto y = noise(101, 2);
  expect_close(PowerStft(c).compute(y.data(), 101), reference_power(y, c), 1e-5);
  c.center = false;
  expect_close(PowerStft(c).compute(y.data(), 101), reference_power(y, c), 1e-5);
}

TEST(Stft, SineLandsInItsBin) {
  StftConfig c;
  c.n_fft = 1024;
  c.hop_length = 256;
  const int sr = 16000;
  const int k = 64;  // exactly on bin 64: 1000 Hz
  std::vector<float> y(sr);
  for (int i = 0; i < sr; ++i) y[i] = std::sin(2 * M_PI * k * sr / 1024.0 * i / sr);
  const auto s = PowerStft(c).compute(y.data(), sr);
  const int64_t mid = s.cols / 2;
  int best = 0;
  for (int b = 1; b < s.rows; ++b)
    if (s.at(b, mid) > s.at(best, mid)) best = b;
  EXPECT_EQ(best, k);
  // Hann main lobe: the neighbouring bins hold half the amplitude, so a quarter of the power.
  EXPECT_NEAR(s.at(k + 1, mid) / s.at(k, mid), 0.25, 1e-3);
  // Amplitude: sum(hann) / 2 = n_fft / 4 for a unit sine, so power (n_fft/4)^2.
  EXPECT_NEAR(s.at(k, mid), std::pow(1024 / 4.0, 2), 1e-2 * std::pow(1024 / 4.0, 2));
}

TEST(Stft, MagnitudeIsSquareRootOfPower) {
  StftConfig c;
  c.n_fft = 128;
  c.hop_length = 32;
  const auto y = noise(1000, 3);
  const auto p = PowerStft(c, 2.0).compute(y.data(), 1000);
  const auto m = PowerStft(c, 1.0).compute(y.data(), 1000);
  for (size_t i = 0; i < p.values.size(); ++i) ASSERT_NEAR(m.values[i] * m.values[i], p.values[i], 1e-4 * (1 + p.values[i]));
}

TEST(Stft, RejectsBadConfig) {
  StftConfig c;
  c.n_fft = 1023;
  EXPECT_THROW(c.validate(), mgc::Error);
  c = StftConfig{};
  c.hop_length = 0;
  EXPECT_THROW(PowerStft{c}, mgc::Error);
  c = StftConfig{};
  c.win_length = 4096;
  EXPECT_THROW(c.validate(), mgc::Error);
  EXPECT_THROW(PowerStft(StftConfig{}, -1.0), mgc::Error);
}
