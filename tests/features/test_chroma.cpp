#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/features/chroma.h"

using namespace mgc::features;

namespace {

constexpr int kSr = 22050;
constexpr double kPi = 3.14159265358979323846;

double note_hz(int midi) { return 440.0 * std::pow(2.0, (midi - 69) / 12.0); }

// Sum of sinusoids (MIDI notes), amplitude amp each, seconds long.
std::vector<float> tones(const std::vector<int>& notes, double seconds, double amp = 0.3) {
  std::vector<float> x(static_cast<size_t>(seconds * kSr), 0.0f);
  for (int m : notes) {
    const double f = note_hz(m);
    for (size_t i = 0; i < x.size(); ++i) x[i] += static_cast<float>(amp * std::sin(2 * kPi * f * i / kSr));
  }
  return x;
}

const ChromaCqt& engine() {
  static const ChromaCqt e;  // the default kernel takes a fraction of a second to build
  return e;
}

}  // namespace

TEST(CqtConfig, DefaultsAndValidation) {
  CqtConfig c;
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.n_bins(), 252);
  EXPECT_NEAR(c.frequency(0), 32.7032, 1e-4);       // C1
  EXPECT_NEAR(c.frequency(36 * 3 + 27), 440.0, 1e-9);  // A4: 3 octaves and 9 semitones above C1
  EXPECT_NEAR(c.q(), 51.44, 0.01);
  EXPECT_NEAR(c.frame_rate(), 10.7666, 1e-4);

  auto bad = [](auto edit) {
    CqtConfig c;
    edit(c);
    EXPECT_THROW(c.validate(), mgc::Error);
  };
  bad([](CqtConfig& c) { c.bins_per_octave = 30; });
  bad([](CqtConfig& c) { c.hop_length = 0; });
  bad([](CqtConfig& c) { c.fmin = 0; });
  bad([](CqtConfig& c) { c.n_octaves = 9; });  // C1 + 9 octaves passes 11 kHz
  bad([](CqtConfig& c) { c.sparsity = 1.0; });
  try {
    CqtConfig c;
    c.n_octaves = 9;
    c.validate();
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Nyquist"), std::string::npos) << e.what();
  }
}

TEST(ChromaCqt, SinusoidAtABinCentreReadsHalfItsAmplitude) {
  const CqtConfig& c = engine().config();
  const int a4 = 36 * 3 + 27;  // bin of 440 Hz: C1 + 3 octaves is C4, then 9 semitones = 27 bins
  ASSERT_NEAR(c.frequency(a4), 440.0, 1e-9);
  const std::vector<float> x = tones({69}, 3.0, 0.5);
  const Spectrogram s = engine().cqt(x.data(), static_cast<int64_t>(x.size()));
  ASSERT_EQ(s.rows, 252);
  ASSERT_EQ(s.cols, 1 + static_cast<int64_t>(x.size()) / 2048);
  const int64_t mid = s.cols / 2;  // far from both ends: the filter of 440 Hz is ~2,600 samples long
  EXPECT_NEAR(s.at(a4, mid), 0.25, 0.25 * 0.01);
  // The neighbouring third-of-a-semitone bins hear less, an octave away next to nothing.
  EXPECT_LT(s.at(a4 - 1, mid), 0.9 * s.at(a4, mid));
  EXPECT_LT(s.at(a4 + 1, mid), 0.9 * s.at(a4, mid));
  EXPECT_LT(s.at(a4 - 36, mid), 0.01 * s.at(a4, mid));
  EXPECT_LT(s.at(a4 + 36, mid), 0.01 * s.at(a4, mid));
}

TEST(ChromaCqt, PitchClassesOfToneAndTriad) {
  // A4 alone: A is 1, every other class small.
  std::vector<float> x = tones({69}, 2.0);
  Spectrogram ch = engine().chroma(x.data(), static_cast<int64_t>(x.size()));
  ASSERT_EQ(ch.rows, 12);
  const int64_t mid = ch.cols / 2;
  EXPECT_FLOAT_EQ(ch.at(9, mid), 1.0f);
  for (int p = 0; p < 12; ++p)
    if (p != 9) EXPECT_LT(ch.at(p, mid), 0.1f) << p;

  // C major triad over three octaves (C3 E4 G5): C, E and G are the three top classes.
  x = tones({48, 64, 79}, 2.0);
  ch = engine().chroma(x.data(), static_cast<int64_t>(x.size()));
  std::vector<std::pair<float, int>> v;
  for (int p = 0; p < 12; ++p) v.push_back({ch.at(p, mid), p});
  std::sort(v.rbegin(), v.rend());
  std::vector<int> top = {v[0].second, v[1].second, v[2].second};
  std::sort(top.begin(), top.end());
  EXPECT_EQ(top, (std::vector<int>{0, 4, 7}));
  EXPECT_LT(v[3].first, 0.5f * v[2].first);

  // Silence stays 0 (no division by zero).
  const std::vector<float> quiet(kSr, 0.0f);
  ch = engine().chroma(quiet.data(), static_cast<int64_t>(quiet.size()));
  for (float f : ch.values) EXPECT_EQ(f, 0.0f);
  EXPECT_THROW(engine().cqt(quiet.data(), 0), mgc::Error);
}

TEST(FoldChroma, ThreeBinsPerSemitoneCentredOnIt) {
  Spectrogram cqt(72, 1);
  for (int b = 0; b < 72; ++b) cqt.at(b, 0) = static_cast<float>(b + 1);
  const Spectrogram ch = fold_chroma(cqt, 36);
  // C takes bins 0, 1 (octave 0: bin -1 does not exist), 35, 36, 37 and 71 (bin 71 is a third below C3).
  EXPECT_FLOAT_EQ(ch.at(0, 0), 1 + 2 + 36 + 37 + 38 + 72);
  // C# takes bins 2, 3, 4 and 38, 39, 40.
  EXPECT_FLOAT_EQ(ch.at(1, 0), 3 + 4 + 5 + 39 + 40 + 41);
  float total = 0;
  for (float f : ch.values) total += f;
  EXPECT_FLOAT_EQ(total, 72 * 73 / 2);
  EXPECT_THROW(fold_chroma(cqt, 20), mgc::Error);
}

TEST(HarmonyFeatures, KnownValuesAndTranspositionInvariance) {
  // Two frames per second; the music alternates C and G major triads every second (two frames each).
  const double rate = 2.0;
  Spectrogram ch(12, 42);  // 21 chords: 11 C, 10 G
  for (int64_t t = 0; t < ch.cols; ++t) {
    const bool c_chord = (t / 2) % 2 == 0;
    for (int p : c_chord ? std::vector<int>{0, 4, 7} : std::vector<int>{7, 11, 2}) ch.at(p, t) = 1.0f;
  }
  HarmonyConfig cfg;
  cfg.lags_seconds = {1.0, 2.0};
  const std::vector<float> f = harmony_features(ch, rate, cfg);
  ASSERT_EQ(static_cast<int64_t>(f.size()), cfg.size());
  ASSERT_EQ(f.size(), 48u);
  const double w = 1.0 / (3 + 1e-6);  // each class of a triad after scaling frames to sum 1
  // Lag 0, a major triad with itself: unison 3 pairs, major third (4) 1, minor third (3) 1, fifth (7) 1,
  // fourth (5) 1, minor sixth (8) 1, major sixth (9) 1.
  const double want0[12] = {3, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0};
  for (int k = 0; k < 12; ++k) EXPECT_NEAR(f[k], want0[k] * w * w, 1e-6) << k;
  // Lag 2 frames = one chord later: 40 pairs, 20 C->G and 20 G->C. C->G: the root moves up a fifth (7); pairs
  // (i from C E G) x (j from G B D), interval j - i mod 12.
  double want1[12] = {};
  const int cm[3] = {0, 4, 7}, gm[3] = {7, 11, 2};
  for (int i : cm)
    for (int j : gm) want1[(j - i + 12) % 12] += 0.5;
  for (int i : gm)
    for (int j : cm) want1[(j - i + 12) % 12] += 0.5;
  for (int k = 0; k < 12; ++k) EXPECT_NEAR(f[12 + k], want1[k] * w * w, 1e-6) << k;
  // Lag 4 frames = two chords later: the same chord again, as at lag 0.
  for (int k = 0; k < 12; ++k) EXPECT_NEAR(f[24 + k], want0[k] * w * w, 1e-6) << k;
  // Profile: G sounds in every frame, C and E in 22 of 42, B and D in 20; sorted high to low.
  EXPECT_NEAR(f[36], w, 1e-6);
  for (int k = 37; k < 39; ++k) EXPECT_NEAR(f[k], w * 22 / 42, 1e-6) << k;
  for (int k = 39; k < 41; ++k) EXPECT_NEAR(f[k], w * 20 / 42, 1e-6) << k;
  for (int k = 41; k < 48; ++k) EXPECT_NEAR(f[k], 0.0, 1e-9) << k;

  // The same music a tritone higher gives the same numbers.
  Spectrogram up(12, ch.cols);
  for (int p = 0; p < 12; ++p)
    for (int64_t t = 0; t < ch.cols; ++t) up.at((p + 6) % 12, t) = ch.at(p, t);
  const std::vector<float> g = harmony_features(up, rate, cfg);
  for (size_t i = 0; i < f.size(); ++i) EXPECT_FLOAT_EQ(f[i], g[i]) << i;
}

TEST(HarmonyFeatures, FromTheCqtTheSameAsFromItsChroma) {
  // Without the bass line, the CQT overload folds and scales exactly as ChromaCqt::chroma does.
  const std::vector<float> x = tones({36, 60, 64, 67}, 6.0);  // C2 under a C4 major triad
  const auto n = static_cast<int64_t>(x.size());
  const Spectrogram cqt = engine().cqt(x.data(), n);
  HarmonyConfig cfg;
  cfg.lags_seconds = {0.5, 1.0};
  EXPECT_EQ(harmony_features(cqt, engine().config(), cfg),
            harmony_features(engine().chroma(x.data(), n), engine().config().frame_rate(), cfg));
  // With it, those values come first and the bass line's follow: a C under a C major triad sits a unison, a
  // major third and a fifth below the upper classes.
  cfg.bass_octaves = 2;
  const std::vector<float> f = harmony_features(cqt, engine().config(), cfg);
  ASSERT_EQ(static_cast<int64_t>(f.size()), cfg.size());
  ASSERT_EQ(f.size(), 48u + 36u);
  const std::vector<float> s(f.begin() + 48, f.begin() + 60);
  for (int k : {0, 4, 7}) EXPECT_GT(s[static_cast<size_t>(k)], 0.15f) << k;
  for (int k : {1, 2, 6, 10, 11}) EXPECT_LT(s[static_cast<size_t>(k)], 0.05f) << k;
  EXPECT_THROW(harmony_features(engine().chroma(x.data(), n), engine().config().frame_rate(), cfg), mgc::Error);
}

TEST(HarmonyFeatures, BassLineKnownValuesAndTranspositionInvariance) {
  // A small CQT: one bin per semitone, 4 octaves from C1, 2 frames per second; the lowest octave is the bass.
  CqtConfig q;
  q.sample_rate = 8000;
  q.hop_length = 4000;
  q.bins_per_octave = 12;
  q.n_octaves = 4;
  HarmonyConfig cfg;
  cfg.lags_seconds = {1.0, 2.0};
  cfg.bass_octaves = 1;
  // C major over a C in the bass, then G major over a G, a second (two frames) each.
  auto music = [&](int shift) {
    Spectrogram cqt(q.n_bins(), 42);
    for (int64_t t = 0; t < cqt.cols; ++t) {
      const bool c_chord = (t / 2) % 2 == 0;
      const int root = c_chord ? 0 : 7;
      cqt.at(root + shift, t) = 2.0f;                                          // bass, octave 1
      for (int i : {0, 4, 7}) cqt.at(24 + (root + i) % 12 + shift, t) = 1.0f;  // triad, octave 3
    }
    return cqt;
  };
  const std::vector<float> f = harmony_features(music(0), q, cfg);
  ASSERT_EQ(f.size(), 48u + 36u);
  const double wb = 1.0 / (1 + 1e-6), wu = 1.0 / (3 + 1e-6);  // a frame's classes after scaling to sum 1
  // Above the bass: unison, major third and fifth in every frame.
  for (int k = 0; k < 12; ++k)
    EXPECT_NEAR(f[48 + k], (k == 0 || k == 4 || k == 7) ? wb * wu : 0.0, 1e-6) << k;
  // The bass one second (two frames) later: 20 pairs C -> G (up a fifth, 7) and 20 G -> C (up a fourth, 5).
  for (int k = 0; k < 12; ++k) EXPECT_NEAR(f[60 + k], (k == 5 || k == 7) ? 0.5 * wb * wb : 0.0, 1e-6) << k;
  // Two seconds later: the same note.
  for (int k = 0; k < 12; ++k) EXPECT_NEAR(f[72 + k], k == 0 ? wb * wb : 0.0, 1e-6) << k;
  // The same music three semitones higher gives the same numbers.
  const std::vector<float> g = harmony_features(music(3), q, cfg);
  for (size_t i = 0; i < f.size(); ++i) EXPECT_FLOAT_EQ(f[i], g[i]) << i;

  // Lags in beats: at 60 bpm a beat is 1 s, two frames, so lags of 1 and 2 beats give the values of the lags of
  // 1 and 2 s, for the chroma and for the bass line; at 120 bpm, lags of 2 and 4 beats do.
  HarmonyConfig beats = cfg;
  beats.lags_beats = {1.0, 2.0};
  ASSERT_EQ(beats.size(), 12 * 6 + 12 * 5);
  for (const auto& [bpm, lags] : {std::pair<double, std::vector<double>>{60.0, {1.0, 2.0}}, {120.0, {2.0, 4.0}}}) {
    beats.lags_beats = lags;
    const std::vector<float> h = harmony_features(music(0), q, beats, bpm);
    ASSERT_EQ(h.size(), 132u);
    for (size_t i = 0; i < f.size(); ++i) EXPECT_EQ(h[i], f[i]) << i;                // the same values first
    for (int k = 0; k < 24; ++k) EXPECT_EQ(h[84 + k], f[12 + k]) << bpm << " " << k;  // chroma at 1 and 2 s
    for (int k = 0; k < 24; ++k) EXPECT_EQ(h[108 + k], f[60 + k]) << bpm << " " << k; // bass at 1 and 2 s
  }
  // A lag longer than the clip is cut to its last frame; no tempo, no lags in beats.
  beats.lags_beats = {64.0};
  EXPECT_NO_THROW(harmony_features(music(0), q, beats, 60.0));
  EXPECT_THROW(harmony_features(music(0), q, beats), mgc::Error);
  EXPECT_THROW(harmony_features(music(0), q, beats, -1.0), mgc::Error);
  beats.bass_octaves = 0;
  EXPECT_THROW(harmony_features(Spectrogram(12, 42), 2.0, beats), mgc::Error);  // the chroma overload
  beats.lags_beats = {0.0};
  EXPECT_THROW(beats.validate(), mgc::Error);
  beats.lags_beats = {65.0};
  EXPECT_THROW(beats.validate(), mgc::Error);

  // Refused: a CQT of other bins, a bass as wide as the CQT, an out-of-range setting.
  EXPECT_THROW(harmony_features(Spectrogram(47, 42), q, cfg), mgc::Error);
  cfg.bass_octaves = 4;
  EXPECT_THROW(harmony_features(music(0), q, cfg), mgc::Error);
  cfg.bass_octaves = -1;
  EXPECT_THROW(cfg.validate(), mgc::Error);
  cfg.bass_octaves = 10;
  EXPECT_THROW(cfg.validate(), mgc::Error);
}

TEST(HarmonyFeatures, RefusesBadInput) {
  Spectrogram ch(12, 8);
  HarmonyConfig cfg;  // longest lag 4 s
  EXPECT_THROW(harmony_features(ch, 2.0, cfg), mgc::Error);  // 8 frames at 2 per second: 4 s, no pair at 4 s lag
  EXPECT_NO_THROW(harmony_features(Spectrogram(12, 9), 2.0, cfg));
  EXPECT_THROW(harmony_features(Spectrogram(11, 100), 2.0, cfg), mgc::Error);
  EXPECT_THROW(harmony_features(ch, 0.0, cfg), mgc::Error);
  cfg.lags_seconds = {1.0, -1.0};
  EXPECT_THROW(harmony_features(Spectrogram(12, 100), 2.0, cfg), mgc::Error);
}

// Issue #35: the kernel is built once and kept in the cache folder; a later engine reads it back and gives the same
// chroma bit for bit; a damaged file is ignored, rebuilt and rewritten; another configuration has its own file.
TEST(ChromaCqt, KernelCacheGivesTheBuiltKernelBitForBit) {
  char pattern[] = "/tmp/mgc-cqt-cache-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  ::setenv("MGC_CACHE_DIR", dir.c_str(), 1);
  const std::vector<float> x = tones({0, 4, 7}, 2.0);
  const Spectrogram built = ChromaCqt().chroma(x.data(), static_cast<int64_t>(x.size()));
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/cqt")) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  const auto size = std::filesystem::file_size(files[0]);
  EXPECT_GT(size, 100000u);  // 252 bins of a few hundred complex values each
  EXPECT_EQ(ChromaCqt().chroma(x.data(), static_cast<int64_t>(x.size())).values, built.values);  // read back

  std::string bytes = mgc::read_file(files[0].string());
  bytes[bytes.size() / 2] ^= 0x40;  // one value damaged: the checksum refuses the file
  mgc::write_file_atomic(files[0].string(), bytes);
  EXPECT_EQ(ChromaCqt().chroma(x.data(), static_cast<int64_t>(x.size())).values, built.values);
  EXPECT_NE(mgc::read_file(files[0].string()), bytes);  // rewritten
  mgc::write_file_atomic(files[0].string(), bytes.substr(0, 100));  // cut short
  EXPECT_EQ(ChromaCqt().chroma(x.data(), static_cast<int64_t>(x.size())).values, built.values);
  EXPECT_EQ(std::filesystem::file_size(files[0]), size);

  CqtConfig other;
  other.sparsity = 0.02;
  ChromaCqt o(other);
  size_t count = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir + "/cqt")) ++count;
  EXPECT_EQ(count, 2u);
  ::unsetenv("MGC_CACHE_DIR");
  std::filesystem::remove_all(dir);
}
