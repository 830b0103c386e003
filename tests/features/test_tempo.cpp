// Onset strength, tempogram and tempo: hand-computed cases, and librosa 0.10.1 itself on seeded synthetic log-mels
// (tests/features/make_live_tempo.py, run by the CTest fixture make_live_tempo in the project venv).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/core/npy.h"
#include "mgc/features/tempo.h"

using namespace mgc::features;

TEST(OnsetStrength, PositiveRiseMeanOverBandsDelayedByTheCentring) {
  // Two bands, 8 frames. n_fft 2048, hop 512: p = 1 + 2 = 3 leading zeros; value t is frames t-2 minus t-3.
  Spectrogram db(2, 8);
  const float a[8] = {-80, -80, -20, -30, -10, -10, -80, 0};
  const float b[8] = {-80, -60, -60, -20, -40, -40, -80, -80};
  for (int t = 0; t < 8; ++t) db.at(0, t) = a[t], db.at(1, t) = b[t];
  const std::vector<float> e = onset_strength(db, 2048, 512);
  ASSERT_EQ(e.size(), 8u);
  const float want[8] = {0, 0, 0, (0 + 20) / 2.0f, (60 + 0) / 2.0f, (0 + 40) / 2.0f, (20 + 0) / 2.0f, 0};
  for (int t = 0; t < 8; ++t) EXPECT_FLOAT_EQ(e[t], want[t]) << t;
  // No centring offset beyond the lag when n_fft < 2 * hop.
  EXPECT_FLOAT_EQ(onset_strength(db, 512, 512)[1], (0 + 20) / 2.0f);
  EXPECT_THROW(onset_strength(Spectrogram(), 2048, 512), mgc::Error);
  EXPECT_THROW(onset_strength(db, 2048, 0), mgc::Error);
}

TEST(Tempo, PulseTrainAndPrior) {
  const double fps = 22050.0 / 512;  // 43.07 frames per second
  std::vector<float> env(1000, 0.0f);
  for (size_t t = 5; t < env.size(); t += 20) env[t] = 1.0f;  // a beat every 20 frames: 129.2 bpm
  EXPECT_DOUBLE_EQ(estimate_tempo(env, fps), 60.0 * fps / 20);
  // Lag 0 of every tempogram column is 1 (the autocorrelation's peak); lag 20 is the next largest inside.
  const Spectrogram tg = tempogram(env, 344);
  ASSERT_EQ(tg.rows, 344);
  ASSERT_EQ(tg.cols, 1000);
  EXPECT_FLOAT_EQ(tg.at(0, 500), 1.0f);
  EXPECT_GT(tg.at(20, 500), tg.at(10, 500));
  EXPECT_GT(tg.at(20, 500), tg.at(30, 500));
  // A prior centred far lower picks the slower multiple: 40 frames, 64.6 bpm.
  TempoConfig slow;
  slow.start_bpm = 60.0;
  slow.std_bpm = 0.2;
  EXPECT_DOUBLE_EQ(estimate_tempo(env, fps, slow), 60.0 * fps / 40);
  // Silence: the prior alone, the candidate nearest 120 bpm on a log scale (22 frames: 117.5 bpm).
  EXPECT_DOUBLE_EQ(estimate_tempo(std::vector<float>(500, 0.0f), fps), 60.0 * fps / 22);

  EXPECT_THROW(estimate_tempo({}, fps), mgc::Error);
  EXPECT_THROW(estimate_tempo(env, 0.0), mgc::Error);
  TempoConfig bad;
  bad.std_bpm = 0.0;
  EXPECT_THROW(estimate_tempo(env, fps, bad), mgc::Error);
  bad = TempoConfig{};
  bad.ac_size = 0.01;  // under two frames
  EXPECT_THROW(estimate_tempo(env, fps, bad), mgc::Error);
  EXPECT_THROW(tempogram(env, 1), mgc::Error);
}

namespace {

struct Case {
  int id = 0, sr = 0, n_fft = 0, hop = 0, win_length = 0;
  double start_bpm = 0, std_bpm = 0, ac_size = 0, max_tempo = 0;
  std::string kind;
  double tempo = 0;
};

std::string dir() {
  const char* d = std::getenv("MGC_LIVE_TEMPO");
  return d ? d : "";
}

std::vector<Case> load_cases() {
  std::vector<Case> cases;
  std::ifstream in(dir() + "/cases.txt");
  std::string line;
  if (!std::getline(in, line)) return cases;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    Case c;
    s >> c.id >> c.sr >> c.n_fft >> c.hop >> c.win_length >> c.start_bpm >> c.std_bpm >> c.ac_size >> c.max_tempo >>
        c.kind >> c.tempo;
    if (s) cases.push_back(c);
  }
  return cases;
}

mgc::NpyArray ref(const Case& c, const char* what) {
  return mgc::read_npy(dir() + "/" + std::to_string(c.id) + "." + what + ".npy");
}

std::string describe(const Case& c) {
  std::ostringstream s;
  s << "case " << c.id << " (" << c.kind << ", sr " << c.sr << ", n_fft " << c.n_fft << ", hop " << c.hop
    << ", win " << c.win_length << ", prior " << c.start_bpm << " bpm / " << c.std_bpm << ", max " << c.max_tempo
    << ")";
  return s.str();
}

}  // namespace

TEST(LiveTempo, OnsetStrengthTempogramAndTempoMatchLibrosa) {
  ASSERT_FALSE(dir().empty()) << "MGC_LIVE_TEMPO is not set (CTest's make_live_tempo fixture sets it)";
  const std::vector<Case> cases = load_cases();
  ASSERT_GE(cases.size(), 30u) << "no cases in " << dir() << "/cases.txt";
  int kinds[3] = {0, 0, 0};
  for (const Case& c : cases) {
    kinds[c.kind == "pulse" ? 0 : c.kind == "silent" ? 1 : 2]++;
    const mgc::NpyArray d = ref(c, "db");
    ASSERT_EQ(d.shape.size(), 2u) << describe(c);
    Spectrogram db(d.shape[0], d.shape[1]);
    db.values = d.data;
    // Onset strength from the log-mel: float32 against librosa's float64, rounded to float32.
    const std::vector<float> oe = onset_strength(db, c.n_fft, c.hop);
    const mgc::NpyArray r = ref(c, "oe");
    ASSERT_EQ(static_cast<int64_t>(oe.size()), r.numel()) << describe(c);
    for (size_t i = 0; i < oe.size(); ++i) EXPECT_NEAR(oe[i], r.data[i], 1e-4) << describe(c) << " frame " << i;
    // Tempogram and tempo from librosa's own envelope (the file's float32 values).
    const Spectrogram tg = tempogram(r.data, c.win_length);
    const mgc::NpyArray rt = ref(c, "tg");
    ASSERT_EQ(rt.shape.size(), 2u);
    ASSERT_EQ(tg.rows, rt.shape[0]) << describe(c);
    ASSERT_EQ(tg.cols, rt.shape[1]) << describe(c);
    double worst = 0;
    for (size_t i = 0; i < tg.values.size(); ++i)
      worst = std::max(worst, std::abs(double(tg.values[i]) - double(rt.data[i])));
    EXPECT_LE(worst, 1e-6) << describe(c);
    TempoConfig tc;
    tc.start_bpm = c.start_bpm;
    tc.std_bpm = c.std_bpm;
    tc.ac_size = c.ac_size;
    tc.max_tempo = c.max_tempo;
    EXPECT_NEAR(estimate_tempo(r.data, static_cast<double>(c.sr) / c.hop, tc), c.tempo, 1e-9 * c.tempo)
        << describe(c);
  }
  EXPECT_GT(kinds[0], 0);
  EXPECT_GT(kinds[1], 0);
  EXPECT_GT(kinds[2], 0);
}

TEST(LiveTempo, TempoOfAudioMatchesLibrosa) {
  ASSERT_FALSE(dir().empty()) << "MGC_LIVE_TEMPO is not set (CTest's make_live_tempo fixture sets it)";
  std::ifstream in(dir() + "/audio.txt");
  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << "no " << dir() << "/audio.txt";
  int cases = 0;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    int k = 0;
    double made = 0, tempo = 0;
    ASSERT_TRUE(s >> k >> made >> tempo) << line;
    const mgc::NpyArray y = mgc::read_npy(dir() + "/audio-" + std::to_string(k) + ".y.npy");
    // The log-mel is float32 here and float64 in librosa (within 1e-3 dB); the tempo is a choice among lags, so
    // equal values mean the same lag won.
    EXPECT_NEAR(estimate_tempo(y.data.data(), y.numel(), 22050), tempo, 1e-9 * tempo)
        << "audio " << k << " made at " << made << " bpm";
    ++cases;
  }
  EXPECT_GE(cases, 6);
  EXPECT_THROW(estimate_tempo(static_cast<const float*>(nullptr), 0, 22050), mgc::Error);
}
