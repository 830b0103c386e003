// mgc compare / mgc report: seven models on a toy dataset, the report's files and numbers, resuming, and the
// measurement helpers (MAC counting against torchvision's published figures, pretrained-file lookup).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/eval/metrics.h"
#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"
#include "mgc/tools/compare.h"
#include "test_util.h"
#include "train/toy_dataset.h"

namespace fs = std::filesystem;
using mgc::test::run_cli;
using mgc::test::TempDir;

namespace {

// Rows of a simple CSV (no quoted commas in the cells read here) as header -> value maps.
std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
  std::istringstream in(mgc::read_file(path));
  std::string line;
  std::vector<std::string> head;
  std::vector<std::map<std::string, std::string>> rows;
  auto cells = [](const std::string& l) {
    std::vector<std::string> out;
    std::string cell;
    bool quoted = false;
    for (char ch : l) {
      if (ch == '"') quoted = !quoted;
      else if (ch == ',' && !quoted) out.push_back(cell), cell.clear();
      else cell += ch;
    }
    out.push_back(cell);
    return out;
  };
  std::getline(in, line);
  head = cells(line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto c = cells(line);
    EXPECT_EQ(c.size(), head.size()) << line;
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < head.size() && i < c.size(); ++i) row[head[i]] = c[i];
    rows.push_back(row);
  }
  return rows;
}

// PNG width and height from its IHDR chunk.
std::pair<int, int> png_size(const std::string& path) {
  const std::string b = mgc::read_file(path);
  EXPECT_GE(b.size(), 24u);
  EXPECT_EQ(b.compare(0, 8, "\x89PNG\r\n\x1a\n", 8), 0) << path;
  auto be32 = [&](size_t o) {
    return (uint8_t(b[o]) << 24) | (uint8_t(b[o + 1]) << 16) | (uint8_t(b[o + 2]) << 8) | uint8_t(b[o + 3]);
  };
  return {static_cast<int>(be32(16)), static_cast<int>(be32(20))};
}

int64_t mtime_ns(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(mgc::read_file(path)); }

// A two-epoch audio_cnn run on `manifest` (mgc::train in this process, quiet), in dir/run; returns its folder.
std::string train_quietly(const TempDir& dir, const std::string& manifest) {
  const std::string run = dir.file("run");
  mgc::test::train_quietly(mgc::test::toy_train_config(manifest, dir.file("cache"), 2), run);
  return run;
}

}  // namespace

// MACs of the 1000-class ImageNet models at their default input, as torchvision's model tables give them
// ("GFLOPS", which torchvision counts as multiply-adds of convolutions and linear layers).
TEST(CountMacs, MatchesTorchvisionFigures) {
  const std::map<std::string, double> published = {{"resnet50", 4.09e9}, {"mobilenet_v2", 0.30e9},
                                                   {"efficientnet_b0", 0.39e9}, {"densenet121", 2.83e9}};
  for (const auto& [name, gmacs] : published) {
    mgc::models::ModelConfig mc;
    mc.name = name;
    auto model = mgc::models::create_model(mc);
    const int64_t macs = mgc::tools::count_macs(*model, 3, 224, 224);
    EXPECT_NEAR(macs / gmacs, 1.0, 0.02) << name << ": " << macs;
  }
}

TEST(FindPretrained, FirstFileNamedAfterTheModel) {
  TempDir dir;
  for (const char* f : {"resnet50-0676ba61.pth", "resnet50-11ad3fa6.pth", "vgg16_bn-6c64b313.pth", "resnet5.txt"})
    mgc::write_file_atomic(dir.file(f), "x");
  EXPECT_EQ(fs::path(mgc::tools::find_pretrained(dir.path(), "resnet50")).filename(), "resnet50-0676ba61.pth");
  EXPECT_EQ(mgc::tools::find_pretrained(dir.path(), "vgg16"), "");  // vgg16_bn is another model
  EXPECT_EQ(mgc::tools::find_pretrained(dir.path(), "densenet121"), "");
  EXPECT_THROW(mgc::tools::find_pretrained(dir.file("none"), "resnet50"), mgc::Error);
  // lukemelas-style names use hyphens; "imagenet" means the weights installed with mgc (Lite0's only).
  EXPECT_EQ(mgc::tools::find_pretrained("imagenet", "resnet50"), "");
  EXPECT_EQ(mgc::tools::find_pretrained(dir.path(), "efficientnet_lite0"), "");
  mgc::write_file_atomic(dir.file("efficientnet-lite0-57934424.pth"), "x");
  mgc::write_file_atomic(dir.file("efficientnet-lite1-bde8b488.pth"), "x");
  EXPECT_EQ(fs::path(mgc::tools::find_pretrained(dir.path(), "efficientnet_lite0")).filename(),
            "efficientnet-lite0-57934424.pth");
  EXPECT_EQ(mgc::tools::find_pretrained(dir.path(), "efficientnet_b0"), "");
}

TEST(TrainArguments, HandTheWholeRecipeToTrainAsAConfigFile) {
  TempDir dir;
  const std::string run_dir = dir.file("run");
  std::filesystem::create_directories(run_dir);
  mgc::run::TrainConfig c;
  c.data = "x.csv";
  c = mgc::tools::model_config(c, "vgg16", "w/vgg16-397923af.pth");
  c.input_norm = "band";
  c.augment.eq_db = 9;
  c.augment.time_masks = 3;
  c.augment.noise_db = 12;
  c.augment.mix_same_class = 0.5;
  c.dropout = 0.3;  // no option of compare's, and still passed on
  c.features.mel.n_mels = 96;
  const auto args = mgc::tools::train_arguments(c, run_dir);
  const std::string request = run_dir + "/train-request.json";
  EXPECT_EQ(args, (std::vector<std::string>{"train", "--config", request, "--out", run_dir, "--quiet"}));
  const auto written = nlohmann::json::parse(mgc::read_file(request));
  EXPECT_EQ(written, mgc::run::to_json(c));
  const mgc::run::TrainConfig back = mgc::run::train_config_from_json(written);
  EXPECT_EQ(mgc::run::to_json(back), mgc::run::to_json(c));
  EXPECT_EQ(back.pretrained, "w/vgg16-397923af.pth");
  EXPECT_EQ(back.input_mode, "imagenet");
  EXPECT_EQ(back.dropout, 0.3);
  EXPECT_EQ(back.augment.mix_same_class, 0.5);
  EXPECT_EQ(back.features.mel.n_mels, 96);
}

TEST(CompareCli, SevenModelsReportResumeAndReuse) {
  TempDir dir;
  const std::string data = mgc::test::make_toy_dataset(dir.path(), 1, 2.0);
  const std::string out = dir.file("cmp");
  const std::string args = "compare --data " + data +
                           " --epochs 2 --input 75x75 --seed 3 --batch-size 4 --segment 1 "
                           "--split-by groove --threads 2 --pitch-shift 1 --time-masks 1 --cache " +
                           dir.file("cache") + " -q --out " + out;
  const std::vector<std::string> models = {"resnet50",     "vgg16",           "densenet121", "inception_v3",
                                           "mobilenet_v2", "efficientnet_b0", "audio_cnn"};
  auto t0 = std::chrono::steady_clock::now();
  const auto first = run_cli(args);
  const double first_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(count(first.output, ": training (scratch"), 7u) << first.output;
  EXPECT_EQ(count(first.output, ": trained in "), 7u) << first.output;
  EXPECT_NE(first.output.find("7 trained, 0 resumed, 0 reused, 0 failed"), std::string::npos) << first.output;
  std::printf("first compare: %.1f s\n", first_s);

  // results.csv: one row per model, in order, with the numbers of each run.
  const auto rows = read_csv(out + "/results.csv");
  ASSERT_EQ(rows.size(), 7u);
  std::map<std::string, double> peak;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const std::string& m = models[i];
    SCOPED_TRACE(m);
    EXPECT_EQ(row.at("model"), m);
    EXPECT_EQ(row.at("pretrained"), "no");
    EXPECT_EQ(row.at("recipe"), "scratch");
    EXPECT_EQ(row.at("input"), "75x75x1 mono");
    mgc::models::ModelConfig mc;
    mc.name = m;
    mc.num_classes = 3;
    mc.in_channels = 1;
    mc.aux_logits = false;  // Inception-v3 at 75 px trains without its auxiliary head (it needs 299 px)
    const auto stats = mgc::models::model_stats(*mgc::models::create_model(mc));
    EXPECT_EQ(std::stoll(row.at("parameters")), stats.parameters);
    EXPECT_EQ(std::stoll(row.at("depth")), stats.depth);
    if (m == "resnet50") EXPECT_EQ(stats.depth, 54);
    if (m == "vgg16") EXPECT_EQ(stats.depth, 16);
    EXPECT_GT(std::stoll(row.at("macs")), 1000000);
    const auto metrics = read_json(out + "/runs/" + m + "/eval-test/metrics.json");
    for (const char* col : {"test_segment_acc", "test_clip_acc", "test_macro_f1"}) {
      const double v = std::stod(row.at(col));
      EXPECT_GE(v, 0.0);
      EXPECT_LE(v, 1.0);
    }
    EXPECT_DOUBLE_EQ(std::stod(row.at("test_segment_acc")), metrics.at("segment").at("accuracy").get<double>());
    EXPECT_DOUBLE_EQ(std::stod(row.at("test_clip_acc")), metrics.at("clip_mean").at("accuracy").get<double>());
    EXPECT_DOUBLE_EQ(std::stod(row.at("test_macro_f1")), metrics.at("clip_mean").at("macro_f1").get<double>());
    EXPECT_EQ(row.at("split_by"), "groove");
    EXPECT_EQ(std::stoi(row.at("epochs")), 2);
    EXPECT_GT(std::stod(row.at("train_seconds")), 0.0);
    EXPECT_GT(std::stod(row.at("infer_ms")), 0.0);
    peak[m] = std::stod(row.at("peak_rss_mb"));
    EXPECT_GT(peak[m], 50.0);
    EXPECT_TRUE(fs::exists(out + "/runs/" + m + "/eval-test/confusion.png"));
  }
  // VGG16 (134M parameters, with AdamW's two moments and the gradients over 2 GB) must use far more than audio_cnn.
  EXPECT_GT(peak["vgg16"], peak["audio_cnn"] + 1000.0);
  EXPECT_GT(std::stod(rows[0].at("macs")), std::stod(rows[4].at("macs")));  // resnet50 > mobilenet_v2

  const auto results = read_json(out + "/results.json");
  EXPECT_EQ(results.at("split_by"), "groove");
  EXPECT_EQ(results.at("results").size(), 7u);
  EXPECT_NE(results.at("split").get<std::string>().find("groove"), std::string::npos);

  // The page opens offline: charts and confusion matrices embedded, nothing fetched.
  const std::string html = mgc::read_file(out + "/report.html");
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(count(html, "src=\"data:image/png;base64,"), mgc::tools::report_chart_files().size() + 7);
  EXPECT_EQ(count(html, "<img"), mgc::tools::report_chart_files().size() + 7);
  EXPECT_NE(html.find("by <b>groove</b>"), std::string::npos);
  EXPECT_NE(html.find("&quot;segment_seconds&quot;: 1.0"), std::string::npos);  // the config
  // Augmentation options reach every run and the report's record of the command.
  EXPECT_NE(html.find("--pitch-shift 1 --time-masks 1"), std::string::npos);
  for (const auto& m : models) {
    const auto config = read_json(out + "/runs/" + m + "/config.json");
    EXPECT_EQ(config.at("augment").at("pitch_shift_bins"), 1) << m;
    EXPECT_EQ(config.at("augment").at("time_masks"), 1) << m;
    EXPECT_EQ(config.at("augment").at("tilt_db"), 0.0) << m;
  }
  for (const auto& chart : mgc::tools::report_chart_files()) {
    const auto [w, h] = png_size(out + "/" + chart);
    EXPECT_GE(w, 600) << chart;
    EXPECT_GE(h, 400) << chart;
    EXPECT_GT(fs::file_size(out + "/" + chart), 8000u) << chart;
  }

  // Again: nothing is retrained or re-evaluated.
  std::map<std::string, int64_t> mtimes;
  for (const auto& m : models) mtimes[m] = mtime_ns(out + "/runs/" + m + "/best.safetensors");
  t0 = std::chrono::steady_clock::now();
  const auto second = run_cli(args);
  const double second_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(count(second.output, "skipped training, reusing"), 7u) << second.output;
  EXPECT_EQ(count(second.output, "reused evaluation"), 7u) << second.output;
  EXPECT_EQ(count(second.output, "trained in"), 0u) << second.output;
  EXPECT_NE(second.output.find("0 trained, 0 resumed, 7 reused"), std::string::npos) << second.output;
  EXPECT_LT(second_s, 30.0);
  std::printf("second compare: %.1f s\n", second_s);
  for (const auto& m : models) EXPECT_EQ(mtime_ns(out + "/runs/" + m + "/best.safetensors"), mtimes[m]) << m;
  EXPECT_EQ(read_csv(out + "/results.csv").size(), 7u);

  // A run with a checkpoint but no result is resumed, not restarted.
  fs::remove(out + "/runs/audio_cnn/result.json");
  const auto third = run_cli(args.substr(0, args.find(" --out")) + " --models audio_cnn --out " + out);
  ASSERT_EQ(third.exit_code, 0) << third.output;
  EXPECT_NE(third.output.find("audio_cnn: resuming"), std::string::npos) << third.output;
  EXPECT_NE(third.output.find("0 trained, 1 resumed, 0 reused"), std::string::npos) << third.output;
  EXPECT_TRUE(fs::exists(out + "/runs/audio_cnn/result.json"));

  // A changed recipe is refused rather than mixed into the old runs.
  std::string three = args.substr(0, args.find(" --out"));
  three.replace(three.find("--epochs 2"), 10, "--epochs 3");
  const auto changed = run_cli(three + " --models audio_cnn --out " + out);
  EXPECT_NE(changed.exit_code, 0);
  EXPECT_NE(changed.output.find("epochs (2 vs 3)"), std::string::npos) << changed.output;

  // mgc report on two runs (one not yet evaluated).
  fs::remove_all(out + "/runs/mobilenet_v2/eval-test");
  const std::string rep = dir.file("rep");
  const auto report = run_cli("report " + out + "/runs/mobilenet_v2 " + out + "/runs/audio_cnn -q --out " + rep);
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_TRUE(fs::exists(out + "/runs/mobilenet_v2/eval-test/metrics.json"));
  const auto rep_rows = read_csv(rep + "/results.csv");
  ASSERT_EQ(rep_rows.size(), 2u);
  EXPECT_EQ(rep_rows[0].at("model"), "mobilenet_v2");
  EXPECT_EQ(rep_rows[1].at("model"), "audio_cnn");
  EXPECT_EQ(rep_rows[1].at("split_by"), "groove");
  const std::string rep_html = mgc::read_file(rep + "/report.html");
  EXPECT_EQ(count(rep_html, "src=\"data:image/png;base64,"), mgc::tools::report_chart_files().size() + 2);

  // To look at the report and charts: MGC_TEST_KEEP=/some/folder keeps a copy of everything.
  if (const char* keep = std::getenv("MGC_TEST_KEEP"))
    fs::copy(dir.path(), keep, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

TEST(ReportCli, ScoresTheTestClipsOfAReRenderedCorpus) {
  TempDir dir;
  fs::create_directories(dir.file("a"));
  fs::create_directories(dir.file("b"));
  fs::create_directories(dir.file("c"));
  const std::string a = mgc::test::make_toy_dataset(dir.file("a"));
  // b: the same manifest and the same sounds (an identical re-rendering): its score must equal the run's own.
  const std::string b = mgc::test::make_toy_dataset(dir.file("b"));
  // c: another corpus (other clips): not a re-rendering of a, refused.
  mgc::test::make_toy_dataset(dir.file("c"), 1);
  const std::string run = train_quietly(dir, a);

  const auto ok = run_cli("report " + run + " -q --threads 1 --timbre-data " + dir.file("b") + " --out " +
                          dir.file("rep"));
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  const auto rows = read_csv(dir.file("rep") + "/results.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("split_by"), "groove");
  EXPECT_EQ(rows[0].at("timbre_data"), fs::absolute(dir.file("b")).lexically_normal().string());
  EXPECT_DOUBLE_EQ(std::stod(rows[0].at("timbre_clip_acc")), std::stod(rows[0].at("test_clip_acc")));
  const auto timbre = read_json(run + "/eval-test-timbre/metrics.json");
  EXPECT_TRUE(timbre.at("same_clips_as_run").get<bool>());
  EXPECT_EQ(timbre.at("clips"), read_json(run + "/eval-test/metrics.json").at("clips"));
  const std::string html = mgc::read_file(dir.file("rep") + "/report.html");
  EXPECT_NE(html.find("test clip acc, other timbre"), std::string::npos);

  const auto bad = run_cli("report " + run + " -q --threads 1 --timbre-data " + dir.file("c") + " --out " +
                           dir.file("rep2"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("is not a re-rendering of the corpus"), std::string::npos) << bad.output;
}

TEST(LabelResults, NamesRunsOfOneModelByFolderThenByRecipe) {
  auto result = [](const std::string& model, const std::string& run_dir, const std::string& recipe) {
    mgc::tools::ModelResult r;
    r.model = model;
    r.run_dir = run_dir;
    r.recipe = recipe;
    return r;
  };
  std::vector<mgc::tools::ModelResult> rs = {
      result("audio_cnn", "a/runs/audio_cnn", "scratch"),
      result("efficientnet_lite0", "pre/runs/efficientnet_lite0", "frozen 3 epochs, then fine-tuned"),
      result("efficientnet_lite0", "scratch/runs/efficientnet_lite0", "scratch"),
      result("resnet50", "x/r1", "scratch"),
      result("resnet50", "x/r2", "scratch"),
      result("vgg16", "p/vgg16", "scratch"),
      result("vgg16", "q/vgg16", "scratch")};
  mgc::tools::label_results(rs);
  EXPECT_EQ(rs[0].label, "audio_cnn");
  EXPECT_EQ(rs[1].label, "efficientnet_lite0 (frozen 3 epochs, then fine-tuned)");
  EXPECT_EQ(rs[2].label, "efficientnet_lite0 (scratch)");
  EXPECT_EQ(rs[3].label, "r1");
  EXPECT_EQ(rs[4].label, "r2");
  EXPECT_EQ(rs[5].label, "vgg16 (scratch)");
  EXPECT_EQ(rs[6].label, "vgg16 (scratch) (2)");
}

// musicnn takes its own input whatever the shared recipe's features: the same clips and split, 16 kHz 96-band
// windows of 2.992 s, raw input; "installed" finds its MSD checkpoint (and Lite0's ImageNet weights), none for others.
TEST(ModelConfig, MusicnnGetsItsOwnInputAndInstalledWeights) {
  mgc::run::TrainConfig recipe;
  recipe.data = "x.csv";
  recipe.augment.eq_db = 6;
  recipe.input_norm = "band";
  recipe.freeze_epochs = 2;
  const std::string msd = mgc::tools::find_pretrained("installed", "musicnn");
  EXPECT_EQ(fs::path(msd).filename(), "MSD_musicnn");
  EXPECT_EQ(fs::path(mgc::tools::find_pretrained("installed", "musicnn_vgg")).filename(), "MSD_vgg");
  EXPECT_EQ(mgc::tools::find_pretrained("installed", "resnet50"), "");
  EXPECT_EQ(mgc::tools::find_pretrained("imagenet", "musicnn"), "");

  const mgc::run::TrainConfig c = mgc::tools::model_config(recipe, "musicnn", msd);
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.features.key(), mgc::run::musicnn_features().key());
  EXPECT_EQ(c.segment_frames(), 187);
  EXPECT_EQ(c.resolved_input_mode(), "raw");
  EXPECT_EQ(c.pretrained, msd);
  EXPECT_EQ(c.freeze_epochs, 2);
  EXPECT_EQ(c.augment.eq_db, 0.0);
  EXPECT_EQ(c.data, "x.csv");
  const mgc::run::TrainConfig scratch = mgc::tools::model_config(recipe, "musicnn_vgg", "");
  EXPECT_NO_THROW(scratch.validate());
  EXPECT_EQ(scratch.freeze_epochs, 0);
  // The other models keep the recipe's own features.
  EXPECT_EQ(mgc::tools::model_config(recipe, "audio_cnn", "").features.key(), recipe.features.key());
}

// The paired comparison against the best row: pairs by clip path, 0 for the best itself, NaN when the clips differ.
TEST(CompareToBest, PairsTheClipsOfEachRowWithTheBestRows) {
  auto result = [](const std::string& label, std::vector<double> right) {
    mgc::tools::ModelResult r;
    r.label = label;
    double sum = 0;
    for (size_t i = 0; i < right.size(); ++i) {
      r.test_correct.emplace_back("clip" + std::to_string(i) + ".wav", right[i]);
      sum += right[i];
    }
    r.test_clip_acc = right.empty() ? 0.0 : sum / static_cast<double>(right.size());
    return r;
  };
  std::vector<mgc::tools::ModelResult> rs = {result("a", {1, 0, 1, 0, 1, 0, 1, 0}), result("b", {1, 1, 1, 0, 1, 1, 1, 0}),
                                             result("c", {1, 1, 1, 0, 1, 1, 1, 0}), result("d", {}),
                                             result("e", {1, 1, 1, 1})};
  // The same clips listed in another order pair up by path.
  std::reverse(rs[2].test_correct.begin(), rs[2].test_correct.end());
  EXPECT_EQ(mgc::tools::accuracy_order(rs), (std::vector<size_t>{4, 1, 2, 0, 3}));
  // e (every one of its 4 clips right) is the best by accuracy but scored other clips: drop it to compare the rest.
  rs.pop_back();
  EXPECT_EQ(mgc::tools::accuracy_order(rs), (std::vector<size_t>{1, 2, 0, 3}));  // equal b and c keep their order
  mgc::tools::compare_to_best(rs);
  EXPECT_EQ(rs[1].delta_to_best, 0.0);
  EXPECT_EQ(rs[1].delta_to_best_lo, 0.0);
  EXPECT_EQ(rs[1].delta_to_best_hi, 0.0);
  EXPECT_EQ(rs[2].delta_to_best, 0.0);  // c is b, clip by clip
  EXPECT_EQ(rs[2].delta_to_best_hi, 0.0);
  EXPECT_DOUBLE_EQ(rs[0].delta_to_best, 0.5 - 0.75);
  EXPECT_LE(rs[0].delta_to_best_lo, rs[0].delta_to_best);
  EXPECT_LE(rs[0].delta_to_best_hi, 0.0);  // a is never right where b is wrong
  EXPECT_TRUE(std::isnan(rs[3].delta_to_best));  // no per-clip results
}

// --plan says what would happen, model by model, and trains nothing; --pretrained-only leaves out the models
// without weights; a changed recipe is refused at plan time.
TEST(CompareCli, PlanAndPretrainedOnly) {
  TempDir dir;
  const std::string data = mgc::test::make_toy_dataset(dir.path(), 1, 2.0);
  fs::create_directories(dir.file("weights"));
  mgc::write_file_atomic(dir.file("weights/resnet50-0676ba61.pth"), "not read by --plan");
  const std::string out = dir.file("cmp");
  const std::string common = "compare --data " + data + " --epochs 1 --input 75x75 --seed 3 --batch-size 4 --segment 1 "
                             "--threads 1 --cache " + dir.file("cache") + " -q --out " + out;
  const auto plan = run_cli(common + " --models resnet50,audio_cnn --pretrained " + dir.file("weights") +
                            " --pretrained-only --freeze-epochs 2 --plan");
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_NE(plan.output.find("plan of " + out), std::string::npos) << plan.output;
  EXPECT_NE(plan.output.find("resnet50           train"), std::string::npos) << plan.output;
  EXPECT_NE(plan.output.find("frozen 2 epochs, then fine-tuned"), std::string::npos) << plan.output;
  EXPECT_NE(plan.output.find("resnet50-0676ba61.pth"), std::string::npos) << plan.output;
  EXPECT_NE(plan.output.find("audio_cnn          leave out (no weights)"), std::string::npos) << plan.output;
  EXPECT_FALSE(fs::exists(out + "/runs"));

  // Only audio_cnn has weights here (none): pretrained-only with nothing to compare is refused.
  const auto none = run_cli(common + " --models audio_cnn --pretrained " + dir.file("weights") + " --pretrained-only");
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.output.find("no model has weights in"), std::string::npos) << none.output;
  const auto alone = run_cli(common + " --models audio_cnn --pretrained-only");
  EXPECT_NE(alone.exit_code, 0);
  EXPECT_NE(alone.output.find("but no weights (--pretrained)"), std::string::npos) << alone.output;

  // A finished run is planned as reused; another recipe over it is refused before anything trains.
  const auto trained = run_cli(common + " --models audio_cnn");
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const auto again = run_cli(common + " --models audio_cnn --plan");
  EXPECT_NE(again.output.find("audio_cnn          reuse the finished run"), std::string::npos) << again.output;
  std::string other = common;
  other.replace(other.find("--epochs 1"), 10, "--epochs 2");
  const auto changed = run_cli(other + " --models audio_cnn --plan");
  EXPECT_NE(changed.exit_code, 0);
  EXPECT_NE(changed.output.find("epochs (1 vs 2)"), std::string::npos) << changed.output;
}

// The real-music check in a report: every clip of a labelled set scored (eval side "all"), with its interval; the
// test clips' interval from predictions.csv; `mgc eval --split all` needs --data.
// Issue #34: one mark for what was not measured (a dash, explained), one unit per column, confusion matrices at full
// size beside the page, and the recipe as the runs used it: relative paths resolved against the folder each run
// was trained in, what the rows share apart from what each has of its own.
TEST(ReportCli, OneMissingMarkUnitsFullSizeMatricesAndTheRecipeAsUsed) {
  TempDir dir;
  fs::create_directories(dir.file("work/data"));
  mgc::test::make_toy_dataset(dir.file("work/data"), 1, 2.0);
  for (const char* seed : {"1", "2"}) {
    const auto trained = mgc::test::run_command(
        "cd " + dir.file("work") + " && " + MGC_CLI + " train --data data --out run" + seed + " --cache cache --seed " +
        seed + " --epochs 1 --batch-size 4 --segment 1 --val 0.25 --test 0.25 --patience 0 --threads 1 -q");
    ASSERT_EQ(trained.exit_code, 0) << trained.output;
  }
  // From another folder, with the runs' own relative paths pointing nowhere from here.
  const auto r = mgc::test::run_command("cd " + dir.path() + " && " + MGC_CLI +
                                        " report work/run1 work/run2 --threads 1 -q --out rep");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto results = read_json(dir.file("rep/results.json"));
  const auto& config = results.at("results").at(0).at("config");
  EXPECT_EQ(config.at("cache_dir"), dir.file("work/cache"));
  EXPECT_EQ(config.at("data"), dir.file("work/data"));
  EXPECT_EQ(results.at("results").at(1).at("config").at("seed"), 2);
  EXPECT_EQ(results.at("recipe").at("epochs"), 1);
  EXPECT_FALSE(results.at("recipe").contains("seed"));  // each row's own
  EXPECT_TRUE(results.at("results").at(0).at("peak_rss_mb").is_null());  // not trained by compare: not measured
  EXPECT_EQ(read_csv(dir.file("rep/results.csv")).at(0).at("peak_rss_mb"), "");

  const std::string html = mgc::read_file(dir.file("rep/report.html"));
  EXPECT_EQ(html.find("<td>?</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>\u2014</td>"), std::string::npos);  // the peak RSS cells
  EXPECT_NE(html.find("<b>\u2014</b>: not measured for this row"), std::string::npos);
  EXPECT_NE(html.find("<th>parameters (M)</th>"), std::string::npos);
  EXPECT_NE(html.find("<th>GMACs / input window</th>"), std::string::npos);
  EXPECT_NE(html.find("<th class=\"l\">seed</th>"), std::string::npos);  // what each row has of its own
  EXPECT_NE(html.find(dir.file("work/cache")), std::string::npos);
  for (const char* row : {"run1", "run2"}) {
    const std::string file = std::string("confusion/") + row + ".png";
    EXPECT_NE(html.find("<a href=\"" + file + "\" target=\"_blank\"><img"), std::string::npos) << row;
    EXPECT_EQ(png_size(dir.file("rep/" + file)), png_size(dir.file(std::string("work/") + row + "/eval-test/confusion.png")));
  }
  // The terminal's summary marks the same way.
  EXPECT_NE(r.output.find("\u2014"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(" -1"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(" -0.000"), std::string::npos) << r.output;
}

TEST(ReportCli, ScoresEveryClipOfACheckSetWithIntervals) {
  TempDir dir;
  fs::create_directories(dir.file("a"));
  fs::create_directories(dir.file("check"));
  const std::string a = mgc::test::make_toy_dataset(dir.file("a"));
  const std::string check = mgc::test::make_toy_dataset(dir.file("check"), 1);  // other clips, the same classes
  const std::string run = train_quietly(dir, a);

  const auto ok = run_cli("report " + run + " -q --threads 1 --real-data " + check + " --title 'A title' --note 'n1' "
                          "--out " + dir.file("rep"));
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  const auto rows = read_csv(dir.file("rep") + "/results.csv");
  ASSERT_EQ(rows.size(), 1u);
  const auto& row = rows[0];
  const auto real = read_json(run + "/eval-real/metrics.json");
  EXPECT_EQ(real.at("side"), "all");
  EXPECT_EQ(real.at("clips"), read_csv(check).size());  // every clip of the check set
  EXPECT_DOUBLE_EQ(std::stod(row.at("real_clip_acc")), real.at("clip_mean").at("accuracy").get<double>());
  EXPECT_EQ(std::stoll(row.at("real_clips")), real.at("clips").get<int64_t>());
  EXPECT_EQ(row.at("real_data"), fs::absolute(check).lexically_normal().string());
  // The intervals are the bootstrap of the per-clip results each eval folder wrote.
  for (const auto& [side, column] : std::vector<std::pair<std::string, std::string>>{{"test", "test_clip_acc"},
                                                                                     {"real", "real_clip_acc"}}) {
    std::vector<double> right;
    for (const auto& p : read_csv(run + "/eval-" + side + "/predictions.csv")) right.push_back(std::stod(p.at("correct")));
    const mgc::eval::Interval ci = mgc::eval::bootstrap_mean(right, mgc::tools::kBootstrapResamples, 0);
    EXPECT_DOUBLE_EQ(std::stod(row.at(column)), ci.estimate) << side;
    EXPECT_DOUBLE_EQ(std::stod(row.at(column + "_lo")), ci.lo) << side;
    EXPECT_DOUBLE_EQ(std::stod(row.at(column + "_hi")), ci.hi) << side;
    EXPECT_LE(ci.lo, ci.estimate);
    EXPECT_GE(ci.hi, ci.estimate);
  }
  EXPECT_EQ(row.at("delta_to_best"), "0");  // the only row is the best
  EXPECT_EQ(row.at("generator_clip_acc"), "");  // a split by groove has no in-generator side
  const std::string html = mgc::read_file(dir.file("rep") + "/report.html");
  EXPECT_NE(html.find("<title>A title</title>"), std::string::npos);
  EXPECT_NE(html.find("<li>n1</li>"), std::string::npos);
  EXPECT_NE(html.find("real-music clip acc [95% interval]"), std::string::npos);
  EXPECT_NE(html.find("minus the best [95% paired interval]"), std::string::npos);
  // A second report reuses the evaluation of the same check set.
  const int64_t before = mtime_ns(run + "/eval-real/metrics.json");
  ASSERT_EQ(run_cli("report " + run + " -q --threads 1 --real-data " + check + " --out " + dir.file("rep2")).exit_code, 0);
  EXPECT_EQ(mtime_ns(run + "/eval-real/metrics.json"), before);

  const auto bad = run_cli("eval " + run + " --split all -q");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("side 'all' scores every clip of another dataset (give it with --data)"),
            std::string::npos) << bad.output;
  const auto direct = run_cli("eval " + run + " --split all --data " + check + " -q --no-png --threads 1 --out " +
                              dir.file("direct"));
  ASSERT_EQ(direct.exit_code, 0) << direct.output;
  EXPECT_EQ(read_json(dir.file("direct") + "/metrics.json").at("clip_mean"), real.at("clip_mean"));
}
