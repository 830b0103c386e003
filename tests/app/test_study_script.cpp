// scripts/study.sh (issue #32) on its tiny profile: a three-genre corpus of 4 s clips, two cheap models,
// EfficientNet-Lite0 from scratch and from its ImageNet weights, and MobileNetV2 also from a torchvision file (as a
// user's --weights folder holds them), one epoch each; the report's files, and its numbers
// against each run's own metrics.json and predictions.csv, to the digit. Also the plan of the full profile (what it
// would train, the weights it found) and the script's usage errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mgc/core/csv.h"
#include "mgc/core/fs.h"
#include "mgc/eval/metrics.h"
#include "mgc/tools/report.h"
#include "test_util.h"

namespace fs = std::filesystem;
using mgc::test::run_command;
using mgc::test::TempDir;

namespace {

const std::string kScript = std::string(MGC_SOURCE_DIR) + "/scripts/study.sh";

mgc::test::CommandResult study(const std::string& args) {
  return run_command("MGC=" + std::string(MGC_CLI) + " bash " + kScript + " " + args);
}

// A CSV file as header -> cell maps (mgc's own parser).
std::vector<std::map<std::string, std::string>> read_rows(const std::string& path) {
  const mgc::csv::Table t = mgc::csv::parse(mgc::read_file(path), path);
  std::vector<std::map<std::string, std::string>> rows;
  for (size_t i = 1; i < t.rows.size(); ++i) {
    std::map<std::string, std::string> row;
    for (size_t c = 0; c < t.rows[0].size() && c < t.rows[i].size(); ++c) row[t.rows[0][c]] = t.rows[i][c];
    rows.push_back(row);
  }
  return rows;
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(mgc::read_file(path)); }

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// The bootstrap interval of an eval folder's per-clip results, as the report computes it.
mgc::eval::Interval interval_of(const std::string& eval_dir) {
  std::vector<double> right;
  for (const auto& row : read_rows(eval_dir + "/predictions.csv")) right.push_back(std::stod(row.at("correct")));
  return mgc::eval::bootstrap_mean(right, mgc::tools::kBootstrapResamples, 0);
}

}  // namespace

TEST(StudyScript, TinyProfileReportAgreesWithTheRuns) {
  TempDir dir;
  // The real-music check's stand-in: clips of the same genres through a sound set the tiny corpus never uses.
  const auto check = run_command(std::string(MGC_CLI) + " synth --out " + dir.file("check") +
                                 " --genres blues,classical,metal --clips-per-genre 2 --seconds 4 --seed 9 "
                                 "--no-production --synth-paths fluidsynth/FluidR3_GM -q --jobs 1");
  ASSERT_EQ(check.exit_code, 0) << check.output;
  // A user's torchvision file: torchvision's own mobilenet_v2 state dict (tests/models/make_torchvision_fixtures.py).
  const char* fixtures = std::getenv("MGC_TV_FIXTURES");
  ASSERT_NE(fixtures, nullptr) << "MGC_TV_FIXTURES is not set (CTest's torchvision fixture)";
  fs::create_directories(dir.file("weights"));
  fs::copy_file(std::string(fixtures) + "/mobilenet_v2.pth", dir.file("weights/mobilenet_v2.pth"));
  const std::string out = dir.file("study");
  const std::string args = "--profile tiny --threads 1 --real " + dir.file("check") + " --weights " +
                           dir.file("weights") + " --out " + out;
  const auto first = study(args);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("study: profile tiny;"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("plan of " + out + "/scratch"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("tiny profile done in"), std::string::npos) << first.output;

  const std::string report = out + "/report";
  for (const auto& chart : mgc::tools::report_chart_files()) EXPECT_TRUE(fs::exists(report + "/" + chart)) << chart;
  const std::string html = mgc::read_file(report + "/report.html");
  EXPECT_EQ(count(html, "src=\"data:image/png;base64,"), mgc::tools::report_chart_files().size() + 5);
  EXPECT_NE(html.find("tiny profile"), std::string::npos);
  EXPECT_NE(html.find("scripts/study.sh --profile tiny"), std::string::npos);  // the recipe, in the notes

  // One row per run, in the study's order; every number the run's own.
  const auto rows = read_rows(report + "/results.csv");
  ASSERT_EQ(rows.size(), 5u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"audio_cnn", out + "/scratch/runs/audio_cnn"},
      {"mobilenet_v2 (scratch)", out + "/scratch/runs/mobilenet_v2"},
      {"efficientnet_lite0 (scratch)", out + "/scratch/runs/efficientnet_lite0"},
      {"efficientnet_lite0 (fine-tuned)", out + "/imagenet/runs/efficientnet_lite0"},
      {"mobilenet_v2 (fine-tuned)", out + "/pretrained/runs/mobilenet_v2"}};
  double best = -1;
  for (const auto& row : rows) best = std::max(best, std::stod(row.at("test_clip_acc")));
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const std::string& run = expected[i].second;
    SCOPED_TRACE(run);
    EXPECT_EQ(row.at("model"), expected[i].first);
    EXPECT_EQ(row.at("run"), run);
    EXPECT_EQ(row.at("pretrained"), i >= 3 ? "yes" : "no");
    EXPECT_EQ(row.at("input"), i >= 3 ? "64x64x3 imagenet" : "64x64x1 mono");
    EXPECT_EQ(row.at("split_by"), "groove_file+synth");
    EXPECT_EQ(std::stoi(row.at("epochs")), 1);
    const auto test = read_json(run + "/eval-test/metrics.json");
    EXPECT_DOUBLE_EQ(std::stod(row.at("test_clip_acc")), test.at("clip_mean").at("accuracy").get<double>());
    EXPECT_EQ(std::stoll(row.at("test_clips")), test.at("clips").get<int64_t>());
    const auto ci = interval_of(run + "/eval-test");
    EXPECT_DOUBLE_EQ(std::stod(row.at("test_clip_acc_lo")), ci.lo);
    EXPECT_DOUBLE_EQ(std::stod(row.at("test_clip_acc_hi")), ci.hi);
    // Every run shares the test clips, so each has its paired difference to the best.
    EXPECT_NEAR(std::stod(row.at("delta_to_best")), std::stod(row.at("test_clip_acc")) - best, 1e-12);
    EXPECT_LE(std::stod(row.at("delta_to_best_lo")), std::stod(row.at("delta_to_best")));
    const auto generator = read_json(run + "/eval-test_groove_file/metrics.json");
    EXPECT_DOUBLE_EQ(std::stod(row.at("generator_clip_acc")), generator.at("clip_mean").at("accuracy").get<double>());
    EXPECT_EQ(std::stoll(row.at("generator_clips")), generator.at("clips").get<int64_t>());
    const auto generator_ci = interval_of(run + "/eval-test_groove_file");
    EXPECT_DOUBLE_EQ(std::stod(row.at("generator_clip_acc_lo")), generator_ci.lo);
    EXPECT_DOUBLE_EQ(std::stod(row.at("generator_clip_acc_hi")), generator_ci.hi);
    const auto path = read_json(run + "/eval-test_synth/metrics.json");
    EXPECT_DOUBLE_EQ(std::stod(row.at("path_clip_acc")), path.at("clip_mean").at("accuracy").get<double>());
    EXPECT_EQ(std::stoll(row.at("path_clips")), path.at("clips").get<int64_t>());
    const auto path_ci = interval_of(run + "/eval-test_synth");
    EXPECT_DOUBLE_EQ(std::stod(row.at("path_clip_acc_lo")), path_ci.lo);
    EXPECT_DOUBLE_EQ(std::stod(row.at("path_clip_acc_hi")), path_ci.hi);
    const auto real = read_json(run + "/eval-real/metrics.json");
    EXPECT_EQ(real.at("clips"), 6);
    EXPECT_DOUBLE_EQ(std::stod(row.at("real_clip_acc")), real.at("clip_mean").at("accuracy").get<double>());
    const auto real_ci = interval_of(run + "/eval-real");
    EXPECT_DOUBLE_EQ(std::stod(row.at("real_clip_acc_lo")), real_ci.lo);
    EXPECT_DOUBLE_EQ(std::stod(row.at("real_clip_acc_hi")), real_ci.hi);
    const auto measures = read_json(run + "/compare.json");
    EXPECT_EQ(std::stoll(row.at("macs")), measures.at("macs").get<int64_t>());
    EXPECT_DOUBLE_EQ(std::stod(row.at("clip_acc_per_gmac")),
                     std::stod(row.at("test_clip_acc")) / (measures.at("macs").get<double>() / 1e9));
  }
  EXPECT_EQ(rows[3].at("pretrained_file").rfind("efficientnet-lite0", 0), 0u) << rows[3].at("pretrained_file");
  EXPECT_EQ(rows[4].at("pretrained_file"), "mobilenet_v2.pth");
  // The models without a file were left out of the pretrained comparison, and its report says so.
  EXPECT_NE(mgc::read_file(out + "/pretrained/report.html").find("resnet50: left out: no weights"), std::string::npos);

  // Again: nothing is trained or evaluated twice.
  const auto second = study(args);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(count(second.output, "skipped training, reusing"), 5u) << second.output;
  EXPECT_EQ(count(second.output, "trained in"), 0u) << second.output;
  EXPECT_EQ(read_rows(report + "/results.csv"), rows);
}

// The full profile prints its plan, with the weights it found, and stops there with --dry-run.
TEST(StudyScript, FullProfilePlanNamesTheWeightsItFound) {
  TempDir dir;
  const auto corpus = run_command(std::string(MGC_CLI) + " synth --out " + dir.file("corpus") +
                                  " --genres blues,metal --clips-per-genre 2 --seconds 2 --no-production -q");
  ASSERT_EQ(corpus.exit_code, 0) << corpus.output;
  fs::create_directories(dir.file("weights"));
  mgc::write_file_atomic(dir.file("weights/resnet50-0676ba61.pth"), "not read by a plan");
  mgc::write_file_atomic(dir.file("weights/vgg16_bn-6c64b313.pth"), "not vgg16's");
  const auto r = study("--profile full --dry-run --real none --data " + dir.file("corpus") + " --weights " +
                       dir.file("weights") + " --out " + dir.file("study"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("50 epochs, input 224x224"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("device cuda"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("plan of " + dir.file("study") + "/pretrained"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("frozen 5 epochs, then fine-tuned"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(dir.file("weights") + "/resnet50-0676ba61.pth"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("vgg16              leave out (no weights)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("efficientnet-lite0"), std::string::npos) << r.output;  // Lite0's installed weights
  EXPECT_FALSE(fs::exists(dir.file("study/scratch/runs")));
}

TEST(StudyScript, BadOptionsExit2WithAMessage) {
  auto expect_usage = [](const std::string& args, const std::string& message) {
    const auto r = study(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << "\n" << r.output;
  };
  expect_usage("--profile huge", "unknown profile 'huge'");
  expect_usage("--profil cpu", "unknown option '--profil'");
  expect_usage("--out", "--out needs a value");
  expect_usage("--threads two", "--threads takes a number, got 'two'");
  expect_usage("--weights /no/such/folder", "--weights '/no/such/folder' is not a folder");
  expect_usage("--real /no/such/set", "--real '/no/such/set' does not exist");
  EXPECT_EQ(study("--help").exit_code, 0);
}
