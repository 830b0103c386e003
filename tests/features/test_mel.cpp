#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/core/npy.h"
#include "mgc/features/mel.h"
#include "test_util.h"

using namespace mgc::features;

TEST(MelScale, KnownValuesAndRoundTrip) {
  EXPECT_DOUBLE_EQ(hz_to_mel(440.0), 6.6);  // linear below 1 kHz: f / (200/3)
  EXPECT_DOUBLE_EQ(hz_to_mel(1000.0), 15.0);
  EXPECT_NEAR(hz_to_mel(2000.0), 15.0 + std::log(2.0) / (std::log(6.4) / 27.0), 1e-12);
  EXPECT_NEAR(hz_to_mel(440.0, true), 549.6386754, 1e-6);
  for (double hz : {0.0, 20.0, 999.0, 1000.0, 4000.0, 11025.0})
    for (bool htk : {false, true}) EXPECT_NEAR(mel_to_hz(hz_to_mel(hz, htk), htk), hz, 1e-9 * (1 + hz));
}

TEST(MelFilterbank, SlaneyBandsHaveUnitArea) {
  MelConfig c;
  c.n_mels = 40;
  const Spectrogram fb = mel_filterbank(c);
  ASSERT_EQ(fb.rows, 40);
  ASSERT_EQ(fb.cols, 1025);
  const double bin_hz = 22050.0 / 2048;
  // Bands many bins wide integrate to 1 (triangle of base f[i+2]-f[i], height 2/(f[i+2]-f[i])).
  for (int m = 10; m < 40; ++m) {
    double area = 0.0;
    for (int k = 0; k < fb.cols; ++k) area += fb.at(m, k) * bin_hz;
    EXPECT_NEAR(area, 1.0, 0.02) << m;
  }
  for (float v : fb.values) EXPECT_GE(v, 0.0f);
}

TEST(MelFilterbank, NoNormPeaksAtOneAndHtkDiffers) {
  MelConfig c;
  c.n_mels = 20;
  c.norm = MelNorm::None;
  const Spectrogram fb = mel_filterbank(c);
  for (int m = 0; m < 20; ++m) {
    float peak = 0.0f;
    for (int k = 0; k < fb.cols; ++k) peak = std::max(peak, fb.at(m, k));
    EXPECT_GT(peak, 0.5f);
    EXPECT_LE(peak, 1.0f);
  }
  MelConfig h = c;
  h.htk = true;
  EXPECT_NE(mel_filterbank(h).values, fb.values);
}

TEST(PowerToDb, RefAminAndTopDb) {
  Spectrogram s(1, 4);
  s.values = {1.0f, 0.1f, 1e-12f, 100.0f};
  Spectrogram a = s;
  power_to_db(a, DbConfig{false, 1.0, 1e-10, 0.0});
  EXPECT_FLOAT_EQ(a.values[0], 0.0f);
  EXPECT_FLOAT_EQ(a.values[1], -10.0f);
  EXPECT_FLOAT_EQ(a.values[2], -100.0f);  // amin floor
  EXPECT_FLOAT_EQ(a.values[3], 20.0f);
  Spectrogram b = s;
  power_to_db(b, DbConfig{true, 1.0, 1e-10, 80.0});  // ref = max = 100, clip at -80
  EXPECT_FLOAT_EQ(b.values[3], 0.0f);
  EXPECT_FLOAT_EQ(b.values[0], -20.0f);
  EXPECT_FLOAT_EQ(b.values[2], -80.0f);
  EXPECT_THROW(power_to_db(b, DbConfig{false, 0.0, 1e-10, 80.0}), mgc::Error);
}

TEST(PowerToDb, BlocksConvertedWithTheWholePeakEqualTheWholeValueForValue) {
  // Streamed prediction converts block by block with the file's peak: it must give the in-memory path's bits.
  std::mt19937 rng(3);
  std::lognormal_distribution<float> power(0.0f, 6.0f);
  Spectrogram s(8, 37);
  for (float& v : s.values) v = power(rng);
  for (const DbConfig& db : {DbConfig{true, 1.0, 1e-10, 80.0}, DbConfig{false, 1.0, 1e-10, 60.0},
                             DbConfig{true, 1.0, 1e-40, 80.0}}) {  // the last: the exact-logarithm path
    Spectrogram whole = s;
    power_to_db(whole, db);
    Spectrogram left(8, 20), right(8, 17);
    for (int64_t r = 0; r < 8; ++r)
      for (int64_t c = 0; c < 37; ++c) (c < 20 ? left.at(r, c) : right.at(r, c - 20)) = s.at(r, c);
    const float peak = std::max(power_peak(left, db), power_peak(right, db));
    EXPECT_EQ(peak, power_peak(s, db));
    power_to_db_with_peak(left, db, peak);
    power_to_db_with_peak(right, db, peak);
    for (int64_t r = 0; r < 8; ++r)
      for (int64_t c = 0; c < 37; ++c)
        EXPECT_EQ(whole.at(r, c), c < 20 ? left.at(r, c) : right.at(r, c - 20)) << r << "," << c;
  }
}

TEST(PowerToDb, FastLogMatchesLog10AcrossTheRange) {
  // power_to_db uses its own vectorised logarithm: compare it with std::log10 over 1e-10 .. 1e10, and check the
  // values it must not approximate (0 dB at the reference, +inf, NaN and values below amin).
  Spectrogram s(1, 2001);
  for (int i = 0; i < 2001; ++i) s.values[static_cast<size_t>(i)] = static_cast<float>(std::pow(10.0, -10.0 + i * 0.01));
  Spectrogram d = s;
  power_to_db(d, DbConfig{false, 1.0, 1e-10, 0.0});
  double worst = 0.0;
  for (int i = 0; i < 2001; ++i) {
    const double exact = 10.0 * std::log10(static_cast<double>(s.values[static_cast<size_t>(i)]));
    worst = std::max(worst, std::abs(d.values[static_cast<size_t>(i)] - exact));
  }
  EXPECT_LT(worst, 2e-5) << "dB";
  Spectrogram e(1, 6);
  e.values = {4.0f, std::numeric_limits<float>::infinity(), std::nanf(""), -3.0f, 0.0f, 1e-30f};
  power_to_db(e, DbConfig{false, 4.0, 1e-10, 0.0});
  EXPECT_EQ(e.values[0], 0.0f);
  EXPECT_EQ(e.values[1], std::numeric_limits<float>::infinity());
  for (int i = 2; i < 6; ++i) EXPECT_NEAR(e.values[static_cast<size_t>(i)], -100.0 - 10.0 * std::log10(4.0), 1e-4) << i;
  // A subnormal amin takes the exact path: 1e-40 -> -400 dB.
  Spectrogram z(1, 5);
  z.values = {0.0f, 1.0f, 0.5f, 2.0f, 8.0f};
  power_to_db(z, DbConfig{false, 1.0, 1e-40, 0.0});
  EXPECT_NEAR(z.values[0], -400.0f, 1e-3);
  EXPECT_NEAR(z.values[2], -3.0103f, 1e-4);
  EXPECT_NEAR(z.values[4], 9.0309f, 1e-4);
}

TEST(MelSpectrogram, BlockedProjectionEqualsDenseFilterBankTimesPower) {
  // Frame counts around the block of 16 frames (partial last blocks), magnitude and power spectrograms.
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.0f, 0.3f);
  for (int64_t n : {int64_t{700}, int64_t{512 * 15}, int64_t{512 * 16}, int64_t{512 * 33 + 100}}) {
    for (double power : {1.0, 2.0}) {
      std::vector<float> y(static_cast<size_t>(n));
      for (float& v : y) v = g(rng);
      MelConfig c;
      c.n_mels = 40;
      c.power = power;
      const Spectrogram mel = MelSpectrogram(c).power(y);
      const Spectrogram lin = PowerStft(c.stft, power).compute(y.data(), n);
      const Spectrogram fb = mel_filterbank(c);
      ASSERT_EQ(mel.cols, lin.cols);
      ASSERT_EQ(mel.cols, num_frames(n, c.stft));
      for (int64_t m = 0; m < mel.rows; ++m) {
        for (int64_t t = 0; t < mel.cols; ++t) {
          double ref = 0.0;
          for (int64_t k = 0; k < lin.rows; ++k) ref += static_cast<double>(fb.at(m, k)) * lin.at(k, t);
          ASSERT_NEAR(mel.at(m, t), ref, 1e-5 * (1.0 + std::abs(ref))) << "n " << n << " m " << m << " t " << t;
        }
      }
      // for_each_frame visits every frame once, in order, with the same spectra as compute().
      int64_t next = 0;
      PowerStft(c.stft, power).for_each_frame(y.data(), n, [&](int64_t t, const float* spectrum) {
        ASSERT_EQ(t, next++);
        for (int64_t k = 0; k < lin.rows; ++k) ASSERT_EQ(spectrum[k], lin.at(k, t));
      });
      EXPECT_EQ(next, lin.cols);
    }
  }
}

TEST(Mfcc, OrthonormalDctKeepsEnergyAndConstantGoesToC0) {
  Spectrogram db(16, 3);
  std::mt19937 rng(5);
  std::normal_distribution<float> g;
  for (float& v : db.values) v = g(rng);
  const Spectrogram c = mfcc_from_db(db, 16);
  for (int t = 0; t < 3; ++t) {
    double e_in = 0, e_out = 0;
    for (int i = 0; i < 16; ++i) {
      e_in += db.at(i, t) * db.at(i, t);
      e_out += c.at(i, t) * c.at(i, t);
    }
    EXPECT_NEAR(e_in, e_out, 1e-4 * e_in);
  }
  Spectrogram flat(16, 1);
  for (float& v : flat.values) v = 2.0f;
  const Spectrogram f = mfcc_from_db(flat, 4);
  EXPECT_NEAR(f.at(0, 0), 2.0 * std::sqrt(16.0), 1e-5);
  for (int k = 1; k < 4; ++k) EXPECT_NEAR(f.at(k, 0), 0.0, 1e-5);
  EXPECT_THROW(mfcc_from_db(flat, 17), mgc::Error);
}

TEST(MelConfig, ValidationNamesTheField) {
  MelConfig c;
  c.fmax = 20000;  // above sr/2
  try {
    c.validate();
    FAIL();
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("MelConfig.fmax"), std::string::npos);
  }
  c = MelConfig{};
  c.n_mels = 0;
  EXPECT_THROW(MelSpectrogram{c}, mgc::Error);
  c = MelConfig{};
  c.fmin = 12000;
  EXPECT_THROW(c.validate(), mgc::Error);
}

// The contract with librosa 0.10.1 (tests/data/LIBROSA_FIXTURES.md): max |dB error| <= 1e-3 and relative power
// error <= 1e-4 on bins above 1e-6 of the maximum.
class LibrosaFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(LibrosaFixture, MatchesLogMelAndPower) {
  const std::string name = GetParam();
  const auto audio = mgc::audio::load_audio(mgc::test::data_path(name + ".wav"));
  const mgc::NpyArray ref_power = mgc::read_npy(mgc::test::data_path(name + ".mel_power.npy"));
  const mgc::NpyArray ref_db = mgc::read_npy(mgc::test::data_path(name + ".mel_db.npy"));

  const MelSpectrogram engine(MelConfig{});
  const Spectrogram power = engine.power(audio.samples);
  ASSERT_EQ(ref_power.shape, (std::vector<int64_t>{power.rows, power.cols}));
  float peak = 0.0f;
  for (float v : ref_power.data) peak = std::max(peak, v);
  double max_rel = 0.0;
  for (size_t i = 0; i < power.values.size(); ++i) {
    if (ref_power.data[i] <= 1e-6f * peak) continue;
    max_rel = std::max(max_rel, std::abs(double(power.values[i]) - ref_power.data[i]) / ref_power.data[i]);
  }
  EXPECT_LE(max_rel, 1e-4) << name;

  const Spectrogram db = engine.log_mel(audio.samples, DbConfig{true, 1.0, 1e-10, 80.0});
  double max_db = 0.0;
  for (size_t i = 0; i < db.values.size(); ++i)
    max_db = std::max(max_db, std::abs(double(db.values[i]) - ref_db.data[i]));
  EXPECT_LE(max_db, 1e-3) << name;
  std::printf("[ fixture  ] %s: %lldx%lld, max relative power error %.2e, max dB error %.2e\n", name.c_str(),
              static_cast<long long>(db.rows), static_cast<long long>(db.cols), max_rel, max_db);
}

INSTANTIATE_TEST_SUITE_P(Librosa, LibrosaFixture,
                         ::testing::Values("chirp_3s", "groove_blues_5s", "short_700", "silence_1s"));
