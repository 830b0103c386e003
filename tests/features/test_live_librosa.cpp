// Live reference checks: our STFT, mel filter bank, log-mel and MFCC against librosa 0.10.1 itself, on a few hundred
// seeded random signals and parameter sets that tests/features/make_live_librosa.py draws and has librosa compute
// (the CTest fixture make_live_librosa runs it once, in the project venv). Complements the committed fixtures
// (test_mel.cpp), which pin four signals at the default parameters.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mgc/core/npy.h"
#include "mgc/features/mel.h"
#include "mgc/features/stft.h"

using namespace mgc::features;

namespace {

struct Case {
  int id = 0, sr = 0, n_fft = 0, hop = 0, n_mels = 0;
  double fmin = 0, fmax = 0;
  int htk = 0;
  std::string norm;
  int center = 0;
  double power = 0;
  int ref_max = 0;
  double top_db = 0;
  int n_mfcc = 0, lifter = 0;
  long n_samples = 0;
  std::string kind;

  std::string describe() const {
    std::ostringstream s;
    s << "case " << id << " (" << kind << ", n=" << n_samples << ", sr=" << sr << ", n_fft=" << n_fft
      << ", hop=" << hop << ", n_mels=" << n_mels << ", fmin=" << fmin << ", fmax=" << fmax << ", htk=" << htk
      << ", norm=" << norm << ", center=" << center << ", power=" << power << ", ref_max=" << ref_max
      << ", top_db=" << top_db << ", n_mfcc=" << n_mfcc << ", lifter=" << lifter << ")";
    return s.str();
  }
  MelConfig mel_config() const {
    MelConfig c;
    c.sample_rate = sr;
    c.stft.n_fft = n_fft;
    c.stft.hop_length = hop;
    c.stft.center = center != 0;
    c.power = power;
    c.n_mels = n_mels;
    c.fmin = fmin;
    c.fmax = fmax;
    c.htk = htk != 0;
    c.norm = norm == "slaney" ? MelNorm::Slaney : MelNorm::None;
    return c;
  }
  DbConfig db_config() const { return DbConfig{ref_max != 0, 1.0, 1e-10, top_db}; }
};

std::string dir() {
  const char* d = std::getenv("MGC_LIVE_LIBROSA");
  return d ? d : "";
}

std::vector<Case> load_cases() {
  std::vector<Case> cases;
  std::ifstream in(dir() + "/cases.txt");
  std::string line;
  if (!std::getline(in, line)) return cases;  // the header
  while (std::getline(in, line)) {
    std::istringstream s(line);
    Case c;
    s >> c.id >> c.sr >> c.n_fft >> c.hop >> c.n_mels >> c.fmin >> c.fmax >> c.htk >> c.norm >> c.center >>
        c.power >> c.ref_max >> c.top_db >> c.n_mfcc >> c.lifter >> c.n_samples >> c.kind;
    if (s) cases.push_back(c);
  }
  return cases;
}

mgc::NpyArray ref(const Case& c, const char* what) {
  return mgc::read_npy(dir() + "/" + std::to_string(c.id) + "." + what + ".npy");
}

// Largest |ours - ref| over the array, and over max |ref| (0 when ref is all zeros and so is ours).
struct Diff {
  double abs = 0, rel = 0;
};
Diff compare(const Spectrogram& ours, const mgc::NpyArray& r, const std::string& what, const Case& c) {
  Diff d;
  EXPECT_EQ(r.shape.size(), 2u) << what << " " << c.describe();
  if (r.shape.size() != 2 || ours.rows != r.shape[0] || ours.cols != r.shape[1]) {
    ADD_FAILURE() << what << ": shape [" << ours.rows << ", " << ours.cols << "] vs librosa's ["
                  << (r.shape.empty() ? -1 : r.shape[0]) << ", " << (r.shape.size() < 2 ? -1 : r.shape[1]) << "], "
                  << c.describe();
    d.abs = d.rel = INFINITY;
    return d;
  }
  double peak = 0;
  for (size_t i = 0; i < r.data.size(); ++i) {
    d.abs = std::max(d.abs, std::abs(double(ours.values[i]) - double(r.data[i])));
    peak = std::max(peak, std::abs(double(r.data[i])));
  }
  d.rel = peak > 0 ? d.abs / peak : d.abs;
  return d;
}

const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = load_cases();
  return cases;
}

class LiveLibrosa : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir().empty()) << "MGC_LIVE_LIBROSA is not set (CTest's make_live_librosa fixture sets it)";
    ASSERT_GE(all_cases().size(), 100u) << "no cases in " << dir() << "/cases.txt";
  }
};

std::vector<float> signal(const Case& c) {
  const mgc::NpyArray y = ref(c, "y");
  EXPECT_EQ(y.numel(), c.n_samples) << c.describe();
  return y.data;
}

// Tolerances: librosa computes in float64, we in float32 (FFTW single precision, float32 filter weights).
constexpr double kRelTol = 1e-4;   // STFT, filter bank, MFCC: max |error| / max |librosa|
constexpr double kDbTol = 1e-3;    // log-mel, dB

}  // namespace

TEST_F(LiveLibrosa, StftMagnitudeAndPower) {
  double worst = 0;
  for (const Case& c : all_cases()) {
    const std::vector<float> y = signal(c);
    const PowerStft stft(c.mel_config().stft, c.power);
    const Diff d = compare(stft.compute(y.data(), static_cast<int64_t>(y.size())), ref(c, "stft"), "stft", c);
    EXPECT_LE(d.rel, kRelTol) << c.describe();
    worst = std::max(worst, d.rel);
  }
  std::printf("live librosa: %zu cases, STFT max relative error %.3g\n", all_cases().size(), worst);
}

TEST_F(LiveLibrosa, MelFilterBank) {
  double worst = 0;
  for (const Case& c : all_cases()) {
    const Diff d = compare(mel_filterbank(c.mel_config()), ref(c, "fb"), "filter bank", c);
    EXPECT_LE(d.rel, kRelTol) << c.describe();
    worst = std::max(worst, d.rel);
  }
  std::printf("live librosa: %zu cases, mel filter bank max relative error %.3g\n", all_cases().size(), worst);
}

TEST_F(LiveLibrosa, MelPower) {
  double worst = 0;
  for (const Case& c : all_cases()) {
    const std::vector<float> y = signal(c);
    const Diff d = compare(MelSpectrogram(c.mel_config()).power(y), ref(c, "mel"), "mel power", c);
    EXPECT_LE(d.rel, kRelTol) << c.describe();
    worst = std::max(worst, d.rel);
  }
  std::printf("live librosa: %zu cases, mel power max relative error %.3g\n", all_cases().size(), worst);
}

namespace {

// dB magnify relative errors without bound as a value falls towards zero, and a float32 FFT's rounding noise sits
// about 1e-7 below the signal's largest |X|: 140 dB below the peak for power 2, 70 dB for magnitudes (power 1),
// where librosa's float64 still resolves window leakage. For a 1e-3 dB (2.3e-4 relative) bound a value must lie
// within about 60 dB (power 2) or 30 dB (power 1) of the largest value a band can take (max |X|^power times the
// widest band's weight sum); the log-mel is held to kDbTol there, and below that the linear check (MelPower) covers
// it. The MFCC, a sum over all bands, is compared on the cases that lie wholly inside that window, and its DCT and
// lifter on librosa's own dB input in every case.
double db_window(double power) { return power == 1.0 ? 30.0 : 60.0; }

// 10 log10 of the largest mel value the case's STFT and filter bank can give, in the units of its spectrogram.
double ceiling_db(const Case& c) {
  const mgc::NpyArray stft = ref(c, "stft");
  const mgc::NpyArray fb = ref(c, "fb");
  double peak = 0, widest = 0;
  for (float v : stft.data) peak = std::max(peak, double(v));
  for (int64_t m = 0; m < fb.shape[0]; ++m) {
    double sum = 0;
    for (int64_t k = 0; k < fb.shape[1]; ++k) sum += fb.data[m * fb.shape[1] + k];
    widest = std::max(widest, sum);
  }
  return 10.0 * std::log10(std::max(peak * widest, 1e-30));
}

}  // namespace

TEST_F(LiveLibrosa, LogMelAndMfcc) {
  double worst_in = 0, worst_all = 0, worst_dct = 0, worst_mfcc = 0;
  size_t checked = 0, total = 0, mfcc_cases = 0;
  for (const Case& c : all_cases()) {
    const std::vector<float> y = signal(c);
    const MelSpectrogram mel(c.mel_config());
    const Spectrogram db = mel.log_mel(y, c.db_config());
    const mgc::NpyArray r = ref(c, "db");
    const mgc::NpyArray power = ref(c, "mel");
    const Diff d = compare(db, r, "log-mel", c);
    if (d.abs == INFINITY) continue;
    worst_all = std::max(worst_all, d.abs);
    const double floor_db = ceiling_db(c) - db_window(c.power);
    bool all_in = true;
    double worst_case = 0;
    for (size_t i = 0; i < r.data.size(); ++i) {
      ++total;
      if (10.0 * std::log10(std::max(double(power.data[i]), 1e-30)) < floor_db) {
        all_in = false;
        continue;
      }
      ++checked;
      worst_case = std::max(worst_case, std::abs(double(db.values[i]) - double(r.data[i])));
    }
    EXPECT_LE(worst_case, kDbTol) << c.describe();
    worst_in = std::max(worst_in, worst_case);

    Spectrogram ref_db(r.shape[0], r.shape[1]);
    ref_db.values = r.data;
    const mgc::NpyArray mfcc = ref(c, "mfcc");
    const Diff dct = compare(mfcc_from_db(ref_db, c.n_mfcc, c.lifter), mfcc, "mfcc of librosa's dB", c);
    EXPECT_LE(dct.rel, kRelTol) << c.describe();
    worst_dct = std::max(worst_dct, dct.rel);
    if (all_in) {
      ++mfcc_cases;
      const Diff m = compare(mfcc_from_db(db, c.n_mfcc, c.lifter), mfcc, "mfcc", c);
      EXPECT_LE(m.rel, kRelTol) << c.describe();
      worst_mfcc = std::max(worst_mfcc, m.rel);
    }
  }
  // The window must leave a good share of the values and of whole cases under test.
  EXPECT_GE(checked * 10, total * 4);
  EXPECT_GE(mfcc_cases, all_cases().size() / 5);
  std::printf("live librosa: %zu cases, log-mel max error %.3g dB on the %zu of %zu values within the window "
              "(%.3g dB on all); MFCC max relative error %.3g on %zu whole cases, %.3g from librosa's dB\n",
              all_cases().size(), worst_in, checked, total, worst_all, worst_mfcc, mfcc_cases, worst_dct);
}
