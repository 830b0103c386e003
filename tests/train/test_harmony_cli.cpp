// mgc harmony RUN and mgc eval with a harmony model: the eval's mean vote is the CNN's and the harmony model's
// probabilities combined, clip by clip, exactly as the library computes them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "mgc/core/fs.h"
#include "mgc/run/harmony.h"
#include "mgc/run/predictor.h"
#include "mgc/tools/export.h"
#include "test_util.h"
#include "toy_dataset.h"

using mgc::test::run_cli;
using mgc::test::TempDir;

TEST(HarmonyCli, FitThenEvalCombinesBothExperts) {
  TempDir dir;
  const auto trained = mgc::test::train_toy_run_cli(dir);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const std::string run = dir.file("run");

  // The toy clips last 2 s: the default lags (up to 4 s) cannot be measured, and nothing is written.
  const auto too_short = run_cli("harmony " + run + " --jobs 1 -q");
  EXPECT_EQ(too_short.exit_code, 1);
  EXPECT_NE(too_short.output.find("too short for a lag of 43 frames"), std::string::npos) << too_short.output;
  EXPECT_NE(too_short.output.find("gave harmony features"), std::string::npos) << too_short.output;
  EXPECT_FALSE(std::filesystem::exists(run + "/harmony.json"));

  // Without the bass line and lags in beats: 12 x (2 lags + 2) features. By default (two octaves of bass, lags of
  // 1, 2, 4 and 8 beats): 12 x (6 lags + 2) for the chroma and 12 x (6 lags + 1) for the bass line.
  const auto chroma_only =
      run_cli("harmony " + run + " --lags 0.25,0.5 --bass-octaves 0 --no-beat-lags --jobs 1 -q");
  ASSERT_EQ(chroma_only.exit_code, 0) << chroma_only.output;
  EXPECT_NE(chroma_only.output.find("training clips, 48 features"), std::string::npos) << chroma_only.output;
  EXPECT_EQ(mgc::run::load_harmony(run + "/harmony.json").options.features.bass_octaves, 0);
  const auto fit = run_cli("harmony " + run + " --lags 0.25,0.5 --jobs 1 -q");
  ASSERT_EQ(fit.exit_code, 0) << fit.output;
  EXPECT_NE(fit.output.find("training clips, 180 features"), std::string::npos) << fit.output;
  const mgc::run::HarmonyModel hm = mgc::run::load_harmony(run + "/harmony.json");
  EXPECT_EQ(hm.options.features.lags_seconds, (std::vector<double>{0.25, 0.5}));
  EXPECT_EQ(hm.options.features.bass_octaves, 2);
  EXPECT_EQ(hm.options.features.lags_beats, (std::vector<double>{1, 2, 4, 8}));
  const auto run_json = nlohmann::json::parse(mgc::read_file(run + "/run.json"));
  EXPECT_EQ(hm.train_clips, static_cast<int64_t>(run_json.at("split").at("train").size()));
  EXPECT_EQ(hm.classes, run_json.at("classes").get<std::vector<std::string>>());

  const auto cnn_only = run_cli("eval " + run + " --no-harmony --out " + dir.file("cnn") + " --no-png -q");
  ASSERT_EQ(cnn_only.exit_code, 0) << cnn_only.output;
  EXPECT_EQ(cnn_only.output.find("harmony model"), std::string::npos) << cnn_only.output;
  const auto both = run_cli("eval " + run + " --out " + dir.file("both") + " --no-png -q");
  ASSERT_EQ(both.exit_code, 0) << both.output;
  EXPECT_NE(both.output.find("harmony model: clip accuracy"), std::string::npos) << both.output;

  const auto m_cnn = nlohmann::json::parse(mgc::read_file(dir.file("cnn") + "/metrics.json"));
  const auto m_both = nlohmann::json::parse(mgc::read_file(dir.file("both") + "/metrics.json"));
  EXPECT_FALSE(m_cnn.at("harmony").get<bool>());
  EXPECT_FALSE(m_cnn.contains("clip_cnn"));
  ASSERT_TRUE(m_both.at("harmony").get<bool>());
  // The CNN alone is what --no-harmony reports; segments and the majority vote are the CNN's in both.
  EXPECT_EQ(m_both.at("clip_cnn"), m_cnn.at("clip_mean"));
  EXPECT_EQ(m_both.at("segment"), m_cnn.at("segment"));
  EXPECT_EQ(m_both.at("clip_majority"), m_cnn.at("clip_majority"));
  EXPECT_TRUE(m_both.contains("clip_harmony"));

  // Each clip's mean vote is fuse_probabilities(CNN, harmony), as the library computes them from the audio.
  const mgc::run::Predictor predictor(run, 1);
  const mgc::features::ChromaCqt engine(hm.options.cqt);
  std::ifstream csv(dir.file("both") + "/predictions.csv");
  std::string line;
  std::getline(csv, line);
  ASSERT_EQ(line.rfind("path,label,predicted,correct,probability,label_probability", 0), 0u) << line;
  std::map<std::string, int> index;
  for (size_t i = 0; i < hm.classes.size(); ++i) index[hm.classes[i]] = static_cast<int>(i);
  int rows = 0;
  while (std::getline(csv, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    ASSERT_GE(cells.size(), 6u) << line;
    const std::string path = dir.path() + "/" + cells[0];
    const mgc::run::FilePrediction fp = predictor.predict_file(path);
    ASSERT_TRUE(fp.harmony);
    const std::vector<float>& cnn = fp.cnn_probs;
    const std::vector<float> harmony = hm.predict(mgc::run::clip_harmony_features(path, engine, hm.options));
    const std::vector<float> fused = mgc::run::fuse_probabilities(cnn, harmony);
    for (size_t c = 0; c < fused.size(); ++c) EXPECT_EQ(fp.probs[c], fused[c]);
    const int top = static_cast<int>(std::max_element(fused.begin(), fused.end()) - fused.begin());
    EXPECT_EQ(cells[2], hm.classes[static_cast<size_t>(top)]) << line;
    EXPECT_NEAR(std::stod(cells[4]), fused[static_cast<size_t>(top)], 2e-6) << line;
    EXPECT_NEAR(std::stod(cells[5]), fused[static_cast<size_t>(index.at(cells[1]))], 2e-6) << line;
    ++rows;
  }
  EXPECT_EQ(rows, static_cast<int>(run_json.at("split").at("test").size()));
  EXPECT_GT(rows, 0);

  // mgc predict gives the same combined vote, and the CNN's alone with --no-harmony.
  const std::string clip = run_json.at("split").at("test").at(0).get<std::string>();
  const auto pred = run_cli("predict " + run + " " + clip + " --format json --threads 1");
  ASSERT_EQ(pred.exit_code, 0) << pred.output;
  const auto pj = nlohmann::json::parse(pred.output.substr(pred.output.find('[')));
  ASSERT_TRUE(pj.at(0).at("harmony").get<bool>()) << pred.output;
  const std::vector<float> cnn = predictor.predict_file(clip).cnn_probs;
  const std::vector<float> harmony = hm.predict(mgc::run::clip_harmony_features(clip, engine, hm.options));
  const std::vector<float> fused = mgc::run::fuse_probabilities(cnn, harmony);
  for (size_t c = 0; c < hm.classes.size(); ++c) {
    EXPECT_NEAR(pj.at(0).at("probs").at(hm.classes[c]).get<double>(), fused[c], 1e-6) << c;
    EXPECT_NEAR(pj.at(0).at("cnn_probs").at(hm.classes[c]).get<double>(), cnn[c], 1e-6) << c;
    EXPECT_NEAR(pj.at(0).at("harmony_probs").at(hm.classes[c]).get<double>(), harmony[c], 1e-6) << c;
  }
  const auto table = run_cli("predict " + run + " " + clip + " --threads 1");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find(clip + "  (CNN + harmony)"), std::string::npos) << table.output;

  // mgc export holds the CNN alone: it says so on the terminal and in the file's mgc.json (issue #34).
  const auto exported = run_cli("export " + run + " --torchscript " + dir.file("h.pt"));
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_NE(exported.output.find("mgc: warning: export: the run's harmony model is not in"), std::string::npos)
      << exported.output;
  const mgc::tools::ExportInfo info = mgc::tools::export_run_torchscript(run, dir.file("h2.pt"));
  EXPECT_TRUE(info.harmony_left_out);
  const auto meta = nlohmann::json::parse(info.metadata).at("predict");
  EXPECT_TRUE(meta.at("harmony_model").get<bool>());
  EXPECT_EQ(meta.at("reproduces").get<std::string>().rfind("mgc predict --no-harmony", 0), 0u) << meta;
  EXPECT_EQ(meta.at("not_included").size(), 5u) << meta;
  const auto alone = run_cli("predict " + run + " " + clip + " --format json --threads 1 --no-harmony");
  ASSERT_EQ(alone.exit_code, 0) << alone.output;
  const auto aj = nlohmann::json::parse(alone.output.substr(alone.output.find('[')));
  EXPECT_FALSE(aj.at(0).at("harmony").get<bool>());
  for (size_t c = 0; c < hm.classes.size(); ++c)
    EXPECT_NEAR(aj.at(0).at("probs").at(hm.classes[c]).get<double>(), cnn[c], 1e-6) << c;
}

TEST(HarmonyCli, HelpAndBadRun) {
  const auto help = run_cli("harmony --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* opt : {"--c", "--lags", "--chroma-hop", "--jobs"})
    EXPECT_NE(help.output.find(opt), std::string::npos) << opt;
  TempDir dir;
  const auto bad = run_cli("harmony " + dir.file("missing"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("mgc: error:"), std::string::npos) << bad.output;
}
