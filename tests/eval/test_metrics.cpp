// Metrics against hand-computed values (scikit-learn's definitions), clip voting, JSON / CSV / PNG / text reports.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/eval/metrics.h"
#include "mgc/eval/plot.h"
#include "test_util.h"

namespace {

using mgc::eval::aggregate_clips;
using mgc::eval::ClipResult;
using mgc::eval::compute_metrics;
using mgc::eval::Metrics;
using mgc::eval::Prediction;
using mgc::eval::Vote;

// The example of scikit-learn's f1_score documentation: y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1].
const std::vector<int> kTrue = {0, 1, 2, 0, 1, 2};
const std::vector<int> kPred = {0, 2, 1, 0, 0, 1};

// Expects `f` to throw mgc::Error whose message starts with "eval: " and contains `part`.
template <typename F>
void expect_eval_error(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one mentioning '" << part << "'";
  } catch (const mgc::Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("eval: ", 0), 0u) << what;
    EXPECT_NE(what.find(part), std::string::npos) << what;
  }
}

// Width and height of a PNG: the IHDR chunk's first two big-endian 32-bit fields, bytes 16..23.
std::pair<uint32_t, uint32_t> png_size(const std::string& bytes) {
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(bytes[at])) << 24) | (uint32_t(uint8_t(bytes[at + 1])) << 16) |
           (uint32_t(uint8_t(bytes[at + 2])) << 8) | uint32_t(uint8_t(bytes[at + 3]));
  };
  return {be32(16), be32(20)};
}

// Sets an environment variable for the life of the object, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_)
      setenv(name_, old_.c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

TEST(Metrics, ScikitLearnDocExample) {
  const Metrics m = compute_metrics(kTrue, kPred, {}, 3, 1);
  // Confusion [true][pred]: true 0 -> {0, 0}; true 1 -> {2, 0}; true 2 -> {1, 1}.
  const std::vector<std::vector<int64_t>> confusion = {{2, 0, 0}, {1, 0, 1}, {0, 2, 0}};
  EXPECT_EQ(m.confusion, confusion);
  EXPECT_EQ(m.n, 6);
  EXPECT_EQ(m.num_classes, 3);
  // 2 of 6 right.
  EXPECT_DOUBLE_EQ(m.accuracy, 1.0 / 3.0);
  // Class 0: TP 2, FP 1 (a true 1), FN 0 -> P 2/3, R 1, F1 2*2/(2*2+1+0) = 0.8.
  // Class 1: TP 0, FP 2, FN 2 -> 0, 0, 0.   Class 2: TP 0, FP 1, FN 2 -> 0, 0, 0.
  EXPECT_DOUBLE_EQ(m.precision[0], 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.recall[0], 1.0);
  EXPECT_DOUBLE_EQ(m.f1[0], 0.8);
  for (int c : {1, 2}) {
    EXPECT_EQ(m.precision[c], 0.0);
    EXPECT_EQ(m.recall[c], 0.0);
    EXPECT_EQ(m.f1[c], 0.0);
  }
  EXPECT_EQ(m.support, (std::vector<int64_t>{2, 2, 2}));
  // Macro: F1 (0.8 + 0 + 0) / 3 = 0.26666... (scikit-learn's documented value); P (2/3) / 3 = 2/9; R 1/3.
  EXPECT_DOUBLE_EQ(m.macro_f1, 0.8 / 3.0);
  EXPECT_NEAR(m.macro_f1, 0.26666666666666666, 1e-15);
  EXPECT_DOUBLE_EQ(m.macro_precision, 2.0 / 9.0);
  EXPECT_DOUBLE_EQ(m.macro_recall, 1.0 / 3.0);
  // No probabilities: no top-k; loss unknown.
  EXPECT_EQ(m.top_k, 0);
  EXPECT_TRUE(std::isnan(m.top_k_accuracy));
  EXPECT_TRUE(std::isnan(m.loss));
}

TEST(Metrics, ZeroDivisionClassesCountAsZeroInTheMacroMean) {
  // 4 classes; class 2 is predicted once but never true, class 3 is neither true nor predicted.
  const Metrics m = compute_metrics({0, 0, 1, 1}, {0, 2, 1, 1}, {}, 4, 1);
  const std::vector<std::vector<int64_t>> confusion = {{1, 0, 1, 0}, {0, 2, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  EXPECT_EQ(m.confusion, confusion);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.75);
  // Class 0: TP 1, FP 0, FN 1 -> P 1, R 1/2, F1 2/(2+0+1) = 2/3.
  EXPECT_DOUBLE_EQ(m.precision[0], 1.0);
  EXPECT_DOUBLE_EQ(m.recall[0], 0.5);
  EXPECT_DOUBLE_EQ(m.f1[0], 2.0 / 3.0);
  // Class 1: TP 2, FP 0, FN 0 -> 1, 1, 1.
  EXPECT_DOUBLE_EQ(m.precision[1], 1.0);
  EXPECT_DOUBLE_EQ(m.recall[1], 1.0);
  EXPECT_DOUBLE_EQ(m.f1[1], 1.0);
  // Class 2: TP 0, FP 1, FN 0 -> P 0/1 = 0, R 0/0 -> 0 (zero_division), F1 0/(0+1+0) = 0.
  // Class 3: TP = FP = FN = 0 -> all 0/0 -> 0, and it still counts in the macro mean (labels=range(4)).
  for (int c : {2, 3}) {
    EXPECT_EQ(m.precision[c], 0.0);
    EXPECT_EQ(m.recall[c], 0.0);
    EXPECT_EQ(m.f1[c], 0.0);
    EXPECT_EQ(m.support[c], 0);
  }
  // f1_score(y_true, y_pred, labels=[0,1,2,3], average='macro', zero_division=0) = (2/3 + 1 + 0 + 0) / 4 = 5/12.
  EXPECT_DOUBLE_EQ(m.macro_f1, 5.0 / 12.0);
  EXPECT_DOUBLE_EQ(m.macro_precision, 0.5);  // (1 + 1 + 0 + 0) / 4
  EXPECT_DOUBLE_EQ(m.macro_recall, 0.375);   // (1/2 + 1 + 0 + 0) / 4
}

TEST(Metrics, PerfectAndAllWrong) {
  const Metrics right = compute_metrics({0, 1, 2}, {0, 1, 2}, {}, 3, 1);
  EXPECT_EQ(right.accuracy, 1.0);
  EXPECT_EQ(right.macro_f1, 1.0);
  const Metrics wrong = compute_metrics({0, 1, 2}, {1, 2, 0}, {}, 3, 1);
  EXPECT_EQ(wrong.accuracy, 0.0);
  EXPECT_EQ(wrong.macro_f1, 0.0);
}

// Probabilities for 4 classes; the true class's rank (0 = most probable) is noted per row.
const std::vector<int> kTopLabels = {0, 1, 2, 3, 1};
const std::vector<std::vector<float>> kTopProbs = {
    {0.1f, 0.2f, 0.3f, 0.4f},      // class 0 is last: rank 3
    {0.1f, 0.6f, 0.2f, 0.1f},      // rank 0
    {0.5f, 0.1f, 0.3f, 0.1f},      // rank 1
    {0.25f, 0.25f, 0.25f, 0.25f},  // all tied: classes 0..2 have lower indices, rank 3
    {0.4f, 0.4f, 0.1f, 0.1f},      // tied with class 0, which has the lower index: rank 1
};

TEST(Metrics, TopK) {
  const std::vector<int> any_pred(5, 0);
  auto top = [&](int k) { return compute_metrics(kTopLabels, any_pred, kTopProbs, 4, k); };
  EXPECT_DOUBLE_EQ(top(1).top_k_accuracy, 1.0 / 5.0);  // rank < 1: row 1
  EXPECT_DOUBLE_EQ(top(2).top_k_accuracy, 3.0 / 5.0);  // rank < 2: rows 1, 2, 4
  EXPECT_DOUBLE_EQ(top(3).top_k_accuracy, 3.0 / 5.0);  // no row has rank 2
  EXPECT_DOUBLE_EQ(top(4).top_k_accuracy, 1.0);
  EXPECT_EQ(top(2).top_k, 2);
  // k over the class count is clamped to it.
  const Metrics big = top(10);
  EXPECT_EQ(big.top_k, 4);
  EXPECT_EQ(big.top_k_accuracy, 1.0);
  // Top-k reads only the probabilities; accuracy reads only the predictions (all 0 here: row 0 is right).
  EXPECT_DOUBLE_EQ(top(1).accuracy, 1.0 / 5.0);
  expect_eval_error([&] { top(0); }, "top_k");
}

TEST(Metrics, SegmentOverloadPredictsArgmaxWithLowestIndexOnTies) {
  std::vector<Prediction> segments;
  for (size_t i = 0; i < kTopLabels.size(); ++i) segments.push_back({int64_t(i), kTopLabels[i], kTopProbs[i]});
  const Metrics m = compute_metrics(segments, 4, 1);
  // Argmax per row: 3, 1, 0, 0 (all tied -> 0), 0 (0 and 1 tied -> 0). Only row 1 is right.
  const std::vector<std::vector<int64_t>> confusion = {{0, 0, 0, 1}, {1, 1, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}};
  EXPECT_EQ(m.confusion, confusion);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.2);
  EXPECT_DOUBLE_EQ(m.top_k_accuracy, m.accuracy);  // top-1 and argmax break ties the same way
}

TEST(Metrics, RejectsBadInput) {
  expect_eval_error([] { compute_metrics(std::vector<int>{}, std::vector<int>{}, {}, 3, 1); }, "no predictions");
  expect_eval_error([] { compute_metrics({0, 1}, {0}, {}, 3, 1); }, "1 predictions for 2 labels");
  expect_eval_error([] { compute_metrics({0, 3}, {0, 1}, {}, 3, 1); }, "label 3 at index 1 is outside [0, 3)");
  expect_eval_error([] { compute_metrics({0, 1}, {0, -1}, {}, 3, 1); }, "prediction -1 at index 1");
  expect_eval_error([] { compute_metrics({0}, {0}, {}, 0, 1); }, "num_classes");
  expect_eval_error([] { compute_metrics({0}, {0}, {{0.5f, 0.5f}}, 3, 1); }, "has 2 probabilities, expected 3");
  expect_eval_error([] { compute_metrics({0}, {0}, {{0.5f, NAN, 0.5f}}, 3, 1); }, "non-finite");
  expect_eval_error([] { compute_metrics({0, 1}, {0, 1}, {{1.f, 0.f, 0.f}}, 3, 1); }, "1 probability rows");
}

// Segments of four clips, given interleaved. Values are sums of powers of two so that sums and means are exact.
std::vector<Prediction> voting_segments() {
  return {
      // clip 7, label 0: segment argmaxes 0, 1, 1; sums {1.375, 1.125, 0.5}: the mean says 0, the majority 1.
      {7, 0, {0.875f, 0.125f, 0.0f}},
      // clip 3, label 2: argmaxes 0, 2 (one vote each); sums {0.75, 0.25, 1.0}: the tie goes to 2 (higher sum).
      {3, 2, {0.625f, 0.125f, 0.25f}},
      {7, 0, {0.25f, 0.5f, 0.25f}},
      // clip 5, label 1: argmaxes 0, 1; sums {1.0, 1.0, 0}: votes and sums tie, the lowest index (0) wins.
      {5, 1, {0.75f, 0.25f, 0.0f}},
      {3, 2, {0.125f, 0.125f, 0.75f}},
      {7, 0, {0.25f, 0.5f, 0.25f}},
      {5, 1, {0.25f, 0.75f, 0.0f}},
      // clip -1, label 1: one segment, tied between 1 and 2: argmax 1.
      {-1, 1, {0.25f, 0.375f, 0.375f}},
  };
}

TEST(Voting, MeanProbability) {
  const std::vector<ClipResult> clips = aggregate_clips(voting_segments(), 3, Vote::MeanProbability);
  ASSERT_EQ(clips.size(), 4u);
  // Ascending clip id.
  EXPECT_EQ(clips[0].clip, -1);
  EXPECT_EQ(clips[1].clip, 3);
  EXPECT_EQ(clips[2].clip, 5);
  EXPECT_EQ(clips[3].clip, 7);
  EXPECT_EQ(clips[0].segments, 1);
  EXPECT_EQ(clips[1].segments, 2);
  EXPECT_EQ(clips[2].segments, 2);
  EXPECT_EQ(clips[3].segments, 3);
  EXPECT_EQ(clips[0].label, 1);
  EXPECT_EQ(clips[1].label, 2);
  EXPECT_EQ(clips[2].label, 1);
  EXPECT_EQ(clips[3].label, 0);
  // Means: clip -1 {0.25, 0.375, 0.375} -> 1 (lowest of the tie); clip 3 {0.375, 0.125, 0.5} -> 2;
  // clip 5 {0.5, 0.5, 0} -> 0 (lowest of the tie); clip 7 {1.375, 1.125, 0.5} / 3 -> 0.
  EXPECT_EQ(clips[0].predicted, 1);
  EXPECT_EQ(clips[1].predicted, 2);
  EXPECT_EQ(clips[2].predicted, 0);
  EXPECT_EQ(clips[3].predicted, 0);
  EXPECT_EQ(clips[1].probs, (std::vector<float>{0.375f, 0.125f, 0.5f}));
  EXPECT_EQ(clips[2].probs, (std::vector<float>{0.5f, 0.5f, 0.0f}));
  EXPECT_FLOAT_EQ(clips[3].probs[0], 1.375f / 3);
  EXPECT_FLOAT_EQ(clips[3].probs[1], 1.125f / 3);
  EXPECT_FLOAT_EQ(clips[3].probs[2], 0.5f / 3);

  // Clip level: labels {1, 2, 1, 0}, predicted {1, 2, 0, 0}: 3 of 4.
  const Metrics m = compute_metrics(clips, 3, 1);
  EXPECT_EQ(m.n, 4);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.75);
  EXPECT_DOUBLE_EQ(m.top_k_accuracy, 0.75);  // top-1 of the mean = the mean vote
}

TEST(Voting, MajorityWithTieRules) {
  const std::vector<ClipResult> clips = aggregate_clips(voting_segments(), 3, Vote::Majority);
  ASSERT_EQ(clips.size(), 4u);
  EXPECT_EQ(clips[0].predicted, 1);  // clip -1: its one segment's argmax
  EXPECT_EQ(clips[1].predicted, 2);  // clip 3: 1 vote each for 0 and 2; summed probability 1.0 > 0.75 -> 2
  EXPECT_EQ(clips[2].predicted, 0);  // clip 5: votes tie 1-1, sums tie 1.0-1.0 -> lowest index 0
  EXPECT_EQ(clips[3].predicted, 1);  // clip 7: 2 votes for 1 beat 1 for 0, although the mean favours 0
  // probs are the mean whatever the vote.
  EXPECT_EQ(clips[1].probs, (std::vector<float>{0.375f, 0.125f, 0.5f}));
  // Clip level: labels {1, 2, 1, 0}, predicted {1, 2, 0, 1}: 2 of 4. Top-1 comes from the mean: 3 of 4.
  const Metrics m = compute_metrics(clips, 3, 1);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(m.top_k_accuracy, 0.75);
}

TEST(Voting, RejectsBadSegments) {
  expect_eval_error(
      [] {
        aggregate_clips({{1, 0, {1.f, 0.f}}, {1, 1, {0.f, 1.f}}}, 2, Vote::Majority);
      },
      "clip 1 has segments labelled 0 and 1");
  expect_eval_error(
      [] {
        aggregate_clips({{1, 0, {1.f, 0.f, 0.f}}}, 2, Vote::Majority);
      },
      "has 3 probabilities, expected 2");
  expect_eval_error([] { aggregate_clips({{1, 2, {1.f, 0.f}}}, 2, Vote::MeanProbability); }, "label 2");
  EXPECT_TRUE(aggregate_clips({}, 2, Vote::Majority).empty());
}

TEST(Voting, ParseAndName) {
  EXPECT_EQ(mgc::eval::parse_vote("mean"), Vote::MeanProbability);
  EXPECT_EQ(mgc::eval::parse_vote("majority"), Vote::Majority);
  EXPECT_EQ(mgc::eval::vote_name(Vote::MeanProbability), "mean");
  EXPECT_EQ(mgc::eval::vote_name(Vote::Majority), "majority");
  expect_eval_error([] { mgc::eval::parse_vote("max"); }, "unknown vote 'max'");
}

TEST(Report, Json) {
  Metrics m = compute_metrics(kTrue, kPred, {}, 3, 1);
  m.loss = 0.5;
  const nlohmann::json j = mgc::eval::to_json(m, {"blues", "classical", "country"});
  EXPECT_EQ(j.at("n").get<int64_t>(), 6);
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(j.at("macro_f1").get<double>(), 0.8 / 3.0);
  EXPECT_DOUBLE_EQ(j.at("macro_precision").get<double>(), 2.0 / 9.0);
  EXPECT_DOUBLE_EQ(j.at("macro_recall").get<double>(), 1.0 / 3.0);
  EXPECT_EQ(j.at("top_k").get<int>(), 0);
  EXPECT_TRUE(j.at("top_k_accuracy").is_null());
  EXPECT_DOUBLE_EQ(j.at("loss").get<double>(), 0.5);
  EXPECT_EQ(j.at("classes"), nlohmann::json({"blues", "classical", "country"}));
  const nlohmann::json& blues = j.at("per_class").at("blues");
  EXPECT_DOUBLE_EQ(blues.at("precision").get<double>(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(blues.at("recall").get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(blues.at("f1").get<double>(), 0.8);
  EXPECT_EQ(blues.at("support").get<int64_t>(), 2);
  EXPECT_EQ(j.at("per_class").at("country").at("f1").get<double>(), 0.0);
  EXPECT_EQ(j.at("per_class").size(), 3u);
  EXPECT_EQ(j.at("confusion"), nlohmann::json::parse("[[2,0,0],[1,0,1],[0,2,0]]"));
  // It survives text: NaN would not (it is written as null).
  EXPECT_EQ(nlohmann::json::parse(j.dump()), j);

  // With probabilities: top-k present, loss still unknown.
  const nlohmann::json jk =
      mgc::eval::to_json(compute_metrics(kTopLabels, std::vector<int>(5, 0), kTopProbs, 4, 2), {});
  EXPECT_EQ(jk.at("top_k").get<int>(), 2);
  EXPECT_DOUBLE_EQ(jk.at("top_k_accuracy").get<double>(), 0.6);
  EXPECT_TRUE(jk.at("loss").is_null());
  // No names: the class indices.
  EXPECT_EQ(jk.at("classes"), nlohmann::json({"0", "1", "2", "3"}));
  EXPECT_TRUE(jk.at("per_class").contains("3"));
}

TEST(Report, RejectsBadClassNames) {
  const Metrics m = compute_metrics(kTrue, kPred, {}, 3, 1);
  expect_eval_error([&] { mgc::eval::to_json(m, {"a", "b"}); }, "2 class names given for 3 classes");
  expect_eval_error([&] { mgc::eval::to_json(m, {"a", "b", "a"}); }, "class name 'a' appears twice");
  expect_eval_error([&] { mgc::eval::format_report(m, {"a"}); }, "1 class names");
  expect_eval_error([&] { mgc::eval::to_json(Metrics{}, {}); }, "confusion matrix");
  Metrics ragged = m;
  ragged.confusion[1].pop_back();
  expect_eval_error([&] { mgc::eval::write_confusion_csv("unused.csv", ragged, {}); }, "3 x 3 confusion matrix");
  Metrics short_f1 = m;
  short_f1.f1.pop_back();
  expect_eval_error([&] { mgc::eval::format_report(short_f1, {}); }, "per-class values");
}

TEST(Report, ConfusionCsvExact) {
  mgc::test::TempDir dir;
  const std::string path = dir.file("confusion.csv");
  const Metrics m = compute_metrics(kTrue, kPred, {}, 3, 1);
  mgc::eval::write_confusion_csv(path, m, {"blues", "hip,hop", "say \"hi\""});
  EXPECT_EQ(mgc::read_file(path),
            "true\\predicted,blues,\"hip,hop\",\"say \"\"hi\"\"\"\n"
            "blues,2,0,0\n"
            "\"hip,hop\",1,0,1\n"
            "\"say \"\"hi\"\"\",0,2,0\n");
  // Nothing else left in the folder (the temporary file was renamed).
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1);
  expect_eval_error([&] { mgc::eval::write_confusion_csv(dir.file("x.csv"), m, {"a"}); }, "class names");
  EXPECT_THROW(mgc::eval::write_confusion_csv(dir.file("no/such/folder/x.csv"), m, {}), mgc::Error);
}

TEST(Report, TextTableExact) {
  Metrics m = compute_metrics(kTrue, kPred,
                              {{0.5f, 0.25f, 0.25f},
                               {0.5f, 0.25f, 0.25f},
                               {0.5f, 0.25f, 0.25f},
                               {0.5f, 0.25f, 0.25f},
                               {0.5f, 0.25f, 0.25f},
                               {0.5f, 0.25f, 0.25f}},
                              3, 2);
  m.loss = 1.25;
  // top-2: ranks of the true class are 0 (class 0), 1 (class 1: tied with 2, lower index), 2 (class 2) -> 4 of 6.
  EXPECT_EQ(mgc::eval::format_report(m, {"blues", "classical", "country"}),
            "                precision     recall   f1-score    support\n"
            "         blues     0.6667     1.0000     0.8000          2\n"
            "     classical     0.0000     0.0000     0.0000          2\n"
            "       country     0.0000     0.0000     0.0000          2\n"
            "\n"
            "      accuracy                           0.3333          6\n"
            "     macro avg     0.2222     0.3333     0.2667          6\n"
            "top-2 accuracy                           0.6667          6\n"
            "          loss                           1.2500\n");
}

TEST(ConfusionPng, SizeFormula) {
  // cell = clamp(600 / n, 24, 200); width = 340 + n * cell; height = 210 + n * cell.
  EXPECT_EQ(mgc::eval::confusion_png_size(1).width, 540);
  EXPECT_EQ(mgc::eval::confusion_png_size(1).height, 410);
  EXPECT_EQ(mgc::eval::confusion_png_size(10).width, 940);
  EXPECT_EQ(mgc::eval::confusion_png_size(10).height, 810);
  EXPECT_EQ(mgc::eval::confusion_png_size(40).width, 1300);  // 24-pixel cells
  EXPECT_EQ(mgc::eval::confusion_png_size(40).height, 1170);
  expect_eval_error([] { mgc::eval::confusion_png_size(0); }, "num_classes");
}

TEST(ConfusionPng, TenGenres) {
  const std::vector<std::string> genres = {"blues", "classical", "country", "disco",  "hiphop",
                                           "jazz",  "metal",     "pop",     "reggae", "rock"};
  std::vector<int> labels, predicted;
  for (int t = 0; t < 10; ++t)
    for (int i = 0; i < 10; ++i) {
      labels.push_back(t);
      predicted.push_back(i < 7 ? t : (t + i) % 10);
    }
  const Metrics m = compute_metrics(labels, predicted, {}, 10, 1);
  mgc::test::TempDir dir;
  const std::string path = dir.file("confusion.png");
  mgc::write_file_atomic(path, "old");  // replaced whole
  mgc::eval::write_confusion_png(path, m, genres, "GTZAN test clips, accuracy 0.700");
  const std::string png = mgc::read_file(path);
  ASSERT_GT(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  const auto [w, h] = png_size(png);
  EXPECT_EQ(w, 940u);
  EXPECT_EQ(h, 810u);
  EXPECT_GT(png.size(), 10000u);  // a drawing, not an empty canvas
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1);
}

TEST(ConfusionPng, NamesCannotRunCommands) {
  mgc::test::TempDir dir;
  const std::string marker = dir.file("pwned");
  // Quotes, a backquoted shell command, gnuplot macro and markup characters, a newline: all drawn as text.
  const std::vector<std::string> names = {"it's `touch " + marker + "`", "@x_{1}^2 \"q\"", "new\nline\\"};
  const Metrics m = compute_metrics(kTrue, kPred, {}, 3, 1);
  const std::string path = dir.file("c.png");
  mgc::eval::write_confusion_png(path, m, names, "title `touch " + marker + "` 'q'");
  EXPECT_FALSE(std::filesystem::exists(marker));
  const auto [w, h] = png_size(mgc::read_file(path));
  EXPECT_EQ(w, 940u);
  EXPECT_EQ(h, 810u);
}

TEST(ConfusionPng, MissingGnuplotSaysWhatToInstall) {
  mgc::test::TempDir dir;
  const Metrics m = compute_metrics(kTrue, kPred, {}, 3, 1);
  const std::string path = dir.file("c.png");
  {
    ScopedEnv path_env("PATH", dir.path());  // a folder with no gnuplot in it
    expect_eval_error([&] { mgc::eval::write_confusion_png(path, m, {}, "t"); }, "install gnuplot-nox");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

// Groups: (group, class) rows with their clip counts, the class voted most, worst first; CSV and summary.
std::vector<ClipResult> clip_results(const std::vector<std::pair<int, int>>& label_predicted) {
  std::vector<ClipResult> clips;
  for (size_t i = 0; i < label_predicted.size(); ++i) {
    ClipResult c;
    c.clip = static_cast<int64_t>(i);
    c.label = label_predicted[i].first;
    c.predicted = label_predicted[i].second;
    clips.push_back(c);
  }
  return clips;
}

TEST(Groups, RowsPerGroupAndClassWorstFirst) {
  // Clips 0-2: file "b" of class 0, two right; 3-4: file "a" of class 1, both wrong (heard as 2 and 2);
  // 5: file "c" of class 2, right; 6: file "b" again but class 2 (an artist in two genres), wrong (heard as 0).
  const auto clips = clip_results({{0, 0}, {0, 1}, {0, 0}, {1, 2}, {1, 2}, {2, 2}, {2, 0}});
  const std::vector<std::string> group_of = {"b", "b", "b", "a", "a", "c", "b"};
  const auto g = mgc::eval::group_results(clips, group_of, 3);
  ASSERT_EQ(g.size(), 4u);
  // Accuracy 0 ("a", "b"/2: ties by name, then label), then 2/3 ("b"/0), then 1 ("c").
  EXPECT_EQ(g[0].group, "a");
  EXPECT_EQ(g[0].label, 1);
  EXPECT_EQ(g[0].clips, 2);
  EXPECT_EQ(g[0].correct, 0);
  EXPECT_EQ(g[0].top_prediction, 2);
  EXPECT_EQ(g[0].top_count, 2);
  EXPECT_EQ(g[1].group, "b");
  EXPECT_EQ(g[1].label, 2);
  EXPECT_EQ(g[1].top_prediction, 0);
  EXPECT_EQ(g[2].group, "b");
  EXPECT_EQ(g[2].label, 0);
  EXPECT_EQ(g[2].clips, 3);
  EXPECT_EQ(g[2].correct, 2);
  EXPECT_DOUBLE_EQ(g[2].accuracy(), 2.0 / 3.0);
  EXPECT_EQ(g[3].group, "c");
  EXPECT_EQ(g[3].correct, 1);

  const auto summary = mgc::eval::groups_summary(g);
  EXPECT_EQ(summary.at("rows"), 4);
  EXPECT_DOUBLE_EQ(summary.at("mean_accuracy").get<double>(), (0.0 + 0.0 + 2.0 / 3.0 + 1.0) / 4.0);
  EXPECT_EQ(summary.at("missed"), 2);
  EXPECT_EQ(summary.at("all_right"), 1);
  EXPECT_TRUE(mgc::eval::groups_summary({}).at("mean_accuracy").is_null());

  mgc::test::TempDir dir;
  mgc::eval::write_groups_csv(dir.file("g.csv"), g, {"blues", "jazz", "rock, etc"}, "groove_file");
  EXPECT_EQ(mgc::read_file(dir.file("g.csv")),
            "groove_file,label,clips,correct,accuracy,top_prediction,top_count\n"
            "a,jazz,2,0,0.0000,\"rock, etc\",2\n"
            "b,\"rock, etc\",1,0,0.0000,blues,1\n"
            "b,blues,3,2,0.6667,blues,2\n"
            "c,\"rock, etc\",1,1,1.0000,\"rock, etc\",1\n");
}

TEST(Groups, TiesOfTheTopPredictionGoToTheLowestClass) {
  const auto g = mgc::eval::group_results(clip_results({{0, 2}, {0, 1}}), {"x", "x"}, 3);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].top_prediction, 1);
  EXPECT_EQ(g[0].top_count, 1);
}

TEST(Groups, BadInputIsNamed) {
  expect_eval_error([] { mgc::eval::group_results(clip_results({{0, 0}, {1, 1}}), {"x"}, 2); }, "has no group");
  expect_eval_error([] { mgc::eval::group_results(clip_results({{0, 3}}), {"x"}, 3); }, "predicted class 3");
  expect_eval_error([] { mgc::eval::group_results(clip_results({{0, 0}}), {"x"}, 0); }, "num_classes");
  mgc::test::TempDir dir;
  const auto g = mgc::eval::group_results(clip_results({{1, 1}}), {"x"}, 2);
  expect_eval_error([&] { mgc::eval::write_groups_csv(dir.file("g.csv"), g, {"only one"}, "artist"); },
                    "class 1 has no name");
  EXPECT_FALSE(std::filesystem::exists(dir.file("g.csv")));
}

}  // namespace

TEST(Bootstrap, AccuracyIntervalIsTheSpreadOfTheClipSample) {
  // 280 of 400 clips right: the normal approximation gives 0.7 +- 1.96 sqrt(0.21 / 400) = 0.7 +- 0.0449.
  std::vector<double> right(400, 0.0);
  for (size_t i = 0; i < 280; ++i) right[i * 400 / 280] = 1.0;
  const mgc::eval::Interval ci = mgc::eval::bootstrap_mean(right);
  EXPECT_DOUBLE_EQ(ci.estimate, 0.7);
  EXPECT_EQ(ci.resamples, 10000);
  EXPECT_DOUBLE_EQ(ci.level, 0.95);
  EXPECT_NEAR(ci.lo, 0.7 - 0.0449, 0.006);
  EXPECT_NEAR(ci.hi, 0.7 + 0.0449, 0.006);
  // Deterministic for a seed, and the seed matters.
  const mgc::eval::Interval again = mgc::eval::bootstrap_mean(right);
  EXPECT_EQ(again.lo, ci.lo);
  EXPECT_EQ(again.hi, ci.hi);
  // (Accuracies of 400 clips move in steps of 1/400, so two seeds may share quantiles: seed a continuous score.)
  std::vector<double> score(400);
  for (size_t i = 0; i < score.size(); ++i) score[i] = static_cast<double>(i * 37 % 401) / 401.0;
  const mgc::eval::Interval seed0 = mgc::eval::bootstrap_mean(score, 1000, 0);
  const mgc::eval::Interval seed7 = mgc::eval::bootstrap_mean(score, 1000, 7);
  EXPECT_EQ(seed0.estimate, seed7.estimate);
  EXPECT_NE(seed0.lo, seed7.lo);
  EXPECT_NE(seed0.hi, seed7.hi);
  // A narrower level gives a narrower interval inside it.
  const mgc::eval::Interval narrow = mgc::eval::bootstrap_mean(right, 10000, 0, 0.5);
  EXPECT_GT(narrow.lo, ci.lo);
  EXPECT_LT(narrow.hi, ci.hi);
  // Every clip right (or wrong): no spread at all.
  const mgc::eval::Interval all = mgc::eval::bootstrap_mean(std::vector<double>(25, 1.0));
  EXPECT_EQ(all.estimate, 1.0);
  EXPECT_EQ(all.lo, 1.0);
  EXPECT_EQ(all.hi, 1.0);
}

TEST(Bootstrap, PairedDifferenceResamplesClipsJointly) {
  // Two models that agree on 190 of 200 clips; a is right on 8 of the 10 others, b on 2: a - b = 0.03.
  std::vector<double> a(200, 0.0), b(200, 0.0);
  for (size_t i = 0; i < 100; ++i) a[i] = b[i] = 1.0;
  for (size_t i = 100; i < 108; ++i) a[i] = 1.0;
  for (size_t i = 108; i < 110; ++i) b[i] = 1.0;
  const mgc::eval::Interval d = mgc::eval::bootstrap_mean_difference(a, b);
  EXPECT_NEAR(d.estimate, 0.03, 1e-12);
  EXPECT_LE(d.lo, d.estimate);
  EXPECT_GE(d.hi, d.estimate);
  // Paired, the spread is that of the 10 clips they disagree on (about +-0.03): narrower than either accuracy's
  // own interval (about +-0.07 at 0.5 on 200 clips), and the two accuracies' intervals overlap.
  const auto ia = mgc::eval::bootstrap_mean(a), ib = mgc::eval::bootstrap_mean(b);
  EXPECT_LT(d.hi - d.lo, 0.75 * (ia.hi - ia.lo));
  EXPECT_LT(d.hi - d.lo, 0.75 * (ib.hi - ib.lo));
  EXPECT_GT(ib.hi, ia.lo);  // the unpaired intervals overlap
  // The same model on both sides differs by exactly 0.
  const mgc::eval::Interval same = mgc::eval::bootstrap_mean_difference(a, a);
  EXPECT_EQ(same.lo, 0.0);
  EXPECT_EQ(same.hi, 0.0);
  // It is the bootstrap of the per-clip differences.
  std::vector<double> diff(200);
  for (size_t i = 0; i < 200; ++i) diff[i] = a[i] - b[i];
  const mgc::eval::Interval direct = mgc::eval::bootstrap_mean(diff);
  EXPECT_EQ(direct.lo, d.lo);
  EXPECT_EQ(direct.hi, d.hi);
}

TEST(Bootstrap, BadInputIsNamed) {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const mgc::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([] { mgc::eval::bootstrap_mean({}); }).find("empty sample"), std::string::npos);
  EXPECT_NE(message([] { mgc::eval::bootstrap_mean({1.0}, 0); }).find("at least one resample"), std::string::npos);
  EXPECT_NE(message([] { mgc::eval::bootstrap_mean({1.0}, 10, 0, 1.0); }).find("not in (0, 1)"), std::string::npos);
  EXPECT_NE(message([] { mgc::eval::bootstrap_mean_difference({1.0}, {1.0, 0.0}); }).find("same items"),
            std::string::npos);
}
