#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/run/harmony.h"
#include "mgc/train/harmony_fit.h"
#include "test_util.h"

using namespace mgc::run;
using namespace mgc::train;

namespace {

// 12 clips, 3 features, 3 classes, one clip (row 4) labelled against its cluster, so the fit is not separable.
const std::vector<std::vector<float>> kX = {
    {0.8f, 0.3f, 0.6f}, {0.7f, 1.8f, 0.2f}, {0.3f, 0.6f, 1.7f}, {1.8f, 0.2f, 0.5f}, {0.6f, 1.7f, 0.1f}, {0.2f, 0.5f, 1.6f},
    {1.7f, 0.1f, 0.4f}, {0.5f, 1.6f, 0.0f}, {0.1f, 0.4f, 1.5f}, {1.6f, 0.0f, 0.3f}, {0.4f, 1.5f, 1.0f}, {0.0f, 0.3f, 1.4f}};
const std::vector<int64_t> kY = {0, 1, 2, 0, 2, 2, 0, 1, 2, 0, 1, 2};
const std::vector<std::string> kClasses = {"a", "b", "c"};

// With no lags a model takes 24 features (lag 0 and the profile): the toy rows are padded with constant zeros,
// which standardisation leaves at 0 and the L2 term gives zero weight, so the fit is the 3-feature one.
HarmonyOptions options_c(double c) {
  HarmonyOptions o;
  o.c = c;
  o.features.lags_seconds = {};
  o.features.bass_octaves = 0;  // 24 features: lag 0 and the profile
  o.features.lags_beats = {};
  return o;
}

std::vector<std::vector<float>> padded(std::vector<std::vector<float>> x) {
  for (auto& row : x) row.resize(24, 0.0f);
  return x;
}

}  // namespace

// scikit-learn 1.2.1: LogisticRegression(C=0.5, max_iter=10000, tol=1e-10).fit(StandardScaler().fit_transform(X), y)
TEST(HarmonyModel, FitMatchesScikitLearn) {
  const HarmonyModel m = fit_harmony(padded(kX), kY, kClasses, options_c(0.5));
  ASSERT_EQ(m.num_features(), 24);
  const double coef[3][3] = {{0.6167138864, -0.6002224351, -0.2590796757},
                             {-0.1237541024, 0.6487039732, -0.1580129617},
                             {-0.492959784, -0.0484815381, 0.4170926374}};
  const double intercept[3] = {-0.0239173389, -0.3034228426, 0.3273401816};
  for (int c = 0; c < 3; ++c) {
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(m.weight[static_cast<size_t>(c * 24 + j)], coef[c][j], 1e-5) << c << j;
    for (int j = 3; j < 24; ++j) EXPECT_EQ(m.weight[static_cast<size_t>(c * 24 + j)], 0.0) << c << j;
    EXPECT_NEAR(m.bias[static_cast<size_t>(c)], intercept[c], 1e-5) << c;
  }
  // predict_proba of the first two clips.
  const double want[2][3] = {{0.5042754778, 0.1437702728, 0.3519542493}, {0.1237130741, 0.6432969589, 0.232989967}};
  for (int i = 0; i < 2; ++i) {
    const std::vector<float> p = m.predict(padded(kX)[static_cast<size_t>(i)]);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(p[static_cast<size_t>(c)], want[i][c], 1e-5) << i << c;
  }
  EXPECT_EQ(m.train_clips, 12);
  EXPECT_NEAR(m.train_accuracy, 10.0 / 12.0, 1e-12);  // scikit-learn: score() 0.8333 (rows 4 and 10 wrong)
  // Standardisation: population mean and standard deviation of the training rows.
  EXPECT_NEAR(m.mean[0], (0.8 + 0.7 + 0.3 + 1.8 + 0.6 + 0.2 + 1.7 + 0.5 + 0.1 + 1.6 + 0.4 + 0.0) / 12, 1e-7);
  // Deterministic: the same fit twice gives the same model.
  EXPECT_EQ(fit_harmony(padded(kX), kY, kClasses, options_c(0.5)).weight, m.weight);
  // Rows must have the width the lags make.
  try {
    fit_harmony(kX, kY, kClasses, options_c(0.5));
    FAIL() << "3-feature rows were accepted for a 24-feature model";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("rows have 3 features, the options make 24"), std::string::npos) << e.what();
  }
}

TEST(HarmonyModel, JsonRoundTripAndBadFiles) {
  mgc::test::TempDir dir;
  const std::vector<std::vector<float>> x = padded(kX);
  const HarmonyModel m = fit_harmony(x, kY, kClasses, options_c(0.5));
  save_harmony(dir.file("h.json"), m);
  const HarmonyModel back = load_harmony(dir.file("h.json"));
  EXPECT_EQ(back.weight, m.weight);
  EXPECT_EQ(back.bias, m.bias);
  EXPECT_EQ(back.classes, kClasses);
  EXPECT_EQ(back.options.c, 0.5);
  EXPECT_EQ(back.predict(x[5]), m.predict(x[5]));
  EXPECT_EQ(back.options.features.bass_octaves, 0);

  // The bass line's octaves travel with the model; a file written before they existed has none.
  nlohmann::json bass = to_json(m);
  bass["bass_octaves"] = 2;
  bass["lags_seconds"] = nlohmann::json::array();
  EXPECT_THROW(harmony_from_json(bass), mgc::Error);  // 24 features, but the bass line would make 36
  nlohmann::json old = to_json(m);
  ASSERT_TRUE(old.contains("bass_octaves"));
  old.erase("bass_octaves");
  old.erase("lags_beats");
  old.erase("tempo");
  EXPECT_EQ(harmony_from_json(old).options.features.bass_octaves, 0);
  EXPECT_TRUE(harmony_from_json(old).options.features.lags_beats.empty());
  EXPECT_EQ(harmony_from_json(old).weight, m.weight);
  // Lags in beats and the tempo settings travel too.
  nlohmann::json beats = to_json(m);
  beats["lags_seconds"] = nlohmann::json::array();
  beats["lags_beats"] = {2.0, 3.0};  // with lag 0 and the profile: 12 x 4 features, not the file's 24
  beats["tempo"]["start_bpm"] = 90.0;
  EXPECT_THROW(harmony_from_json(beats), mgc::Error);
  beats["lags_beats"] = nlohmann::json::array();
  EXPECT_EQ(harmony_from_json(beats).options.tempo.start_bpm, 90.0);
  beats["tempo"]["std_bpm"] = 0.0;
  EXPECT_THROW(harmony_from_json(beats), mgc::Error);
  // What mgc harmony fits by default: the bass line from two octaves, lags of 1, 2, 4 and 8 beats.
  EXPECT_EQ(HarmonyOptions().features.bass_octaves, 2);
  EXPECT_EQ(HarmonyOptions().features.lags_beats, (std::vector<double>{1, 2, 4, 8}));
  EXPECT_EQ(HarmonyOptions().features.size(), 120 + 108);

  // A file whose feature count does not match its lags (24 features; the default lags make 72) is refused.
  nlohmann::json other_lags = to_json(m);
  other_lags["lags_seconds"] = {0.5, 1.0, 2.0, 4.0};
  try {
    harmony_from_json(other_lags);
    FAIL() << "a model inconsistent with its lags was accepted";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected 72 features"), std::string::npos) << e.what();
  }
  nlohmann::json j = to_json(m);
  j["weight"].erase(0);
  try {
    harmony_from_json(j);
    FAIL() << "a short weight vector was accepted";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("harmony: bad model"), std::string::npos) << e.what();
  }
  mgc::write_file_atomic(dir.file("bad.json"), "{\"format\": \"mgc-harmony-1\"}");
  try {
    load_harmony(dir.file("bad.json"));
    FAIL() << "an incomplete model was accepted";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("bad.json")), std::string::npos) << e.what();
  }
  EXPECT_THROW(m.predict({1.0f, 2.0f}), mgc::Error);
}

TEST(HarmonyModel, RefusesBadTrainingData) {
  EXPECT_THROW(fit_harmony({}, {}, kClasses, {}), mgc::Error);
  const auto x = padded(kX);
  const HarmonyOptions o = options_c(0.1);
  EXPECT_THROW(fit_harmony(x, {0, 1}, kClasses, o), mgc::Error);
  std::vector<std::vector<float>> ragged = x;
  ragged[3].pop_back();
  EXPECT_THROW(fit_harmony(ragged, kY, kClasses, o), mgc::Error);
  std::vector<int64_t> out_of_range = kY;
  out_of_range[0] = 3;
  EXPECT_THROW(fit_harmony(x, out_of_range, kClasses, o), mgc::Error);
  try {
    fit_harmony(x, kY, {"a", "b", "c", "d"}, o);
    FAIL() << "a class without clips was accepted";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("class 'd' has no training clip"), std::string::npos) << e.what();
  }
  EXPECT_THROW(fit_harmony(x, kY, kClasses, options_c(0.0)), mgc::Error);
}

TEST(HarmonyModel, FuseIsTheNormalisedGeometricMean) {
  const std::vector<float> f = fuse_probabilities({0.5f, 0.5f, 0.0f}, {0.2f, 0.8f, 0.0f});
  ASSERT_EQ(f.size(), 3u);
  EXPECT_NEAR(f[0], 1.0 / 3.0, 1e-6);  // sqrt(0.1) : sqrt(0.4) = 1 : 2
  EXPECT_NEAR(f[1], 2.0 / 3.0, 1e-6);
  EXPECT_EQ(f[2], 0.0f);
  // Disagreeing experts: sqrt(.07) = 0.2646 for class 0 against sqrt(.06) = 0.2449 for classes 1 and 2.
  const std::vector<float> g = fuse_probabilities({0.7f, 0.2f, 0.1f}, {0.1f, 0.3f, 0.6f});
  const double sum = std::sqrt(0.07) + 2 * std::sqrt(0.06);
  EXPECT_NEAR(g[0], std::sqrt(0.07) / sum, 1e-6);
  EXPECT_NEAR(g[1], std::sqrt(0.06) / sum, 1e-6);
  EXPECT_NEAR(g[2], std::sqrt(0.06) / sum, 1e-6);
  EXPECT_THROW(fuse_probabilities({0.5f, 0.5f}, {1.0f}), mgc::Error);
  EXPECT_THROW(fuse_probabilities({}, {}), mgc::Error);
}
