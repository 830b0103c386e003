// The CLI's train / eval / predict on a toy dataset, including a training process killed with SIGKILL in the
// middle of an epoch and resumed: the finished run equals an uninterrupted one.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "mgc/core/csv.h"
#include "mgc/core/fs.h"
#include "mgc/core/lock.h"
#include "train/toy_dataset.h"

using mgc::test::run_cli;
using mgc::test::run_command;
using mgc::test::metrics_without_timing;
using mgc::test::TempDir;

namespace {


int rows(const std::string& csv) {
  if (!std::filesystem::exists(csv)) return 0;
  std::istringstream in(mgc::read_file(csv));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) ++n;
  return n - 1;
}

}  // namespace

TEST(CliTrain, KilledMidEpochResumesToTheSameRun) {
  TempDir dir;
  const std::string manifest = mgc::test::make_toy_dataset(dir.path(), 4, 3.0);
  const std::string args = " --data " + manifest + " --cache " + dir.file("cache") +
                           " --epochs 4 --batch-size 4 --segment 1 --val 0.25 --test 0.25 --patience 0 --threads 1 -q";
  ASSERT_EQ(run_cli("train --out " + dir.file("straight") + args).exit_code, 0);

  // Start the same run in the background and kill it once the first epoch is on disk.
  const auto started = run_command("(" + std::string(MGC_CLI) + " train --out " + dir.file("killed") + args +
                                   " > " + dir.file("log.txt") + " 2>&1 & echo $!)");
  const pid_t pid = static_cast<pid_t>(std::stol(started.output));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (rows(dir.file("killed") + "/metrics.csv") < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // into epoch 2
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  run_command("while kill -0 " + std::to_string(pid) + " 2>/dev/null; do sleep 0.05; done");
  const int done_before = rows(dir.file("killed") + "/metrics.csv");
  EXPECT_GE(done_before, 1);
  EXPECT_LT(done_before, 4) << "the run finished before it could be killed";

  const auto resumed = run_cli("train --resume " + dir.file("killed") + " -q");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(metrics_without_timing(dir.file("straight")), metrics_without_timing(dir.file("killed")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("killed") + "/result.json"));
  for (const auto& e : std::filesystem::directory_iterator(dir.file("killed")))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();

  // Evaluate and predict with the finished run.
  const auto ev = run_cli("eval " + dir.file("killed") + " -q");
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  EXPECT_NE(ev.output.find("split: holdout by groove"), std::string::npos) << ev.output;
  const auto metrics = nlohmann::json::parse(mgc::read_file(dir.file("killed") + "/eval-test/metrics.json"));
  EXPECT_EQ(metrics["split_by"], "groove");
  EXPECT_EQ(metrics["clips"], 12);  // one groove of 4 clips per class
  EXPECT_GE(metrics["clip_mean"]["accuracy"].get<double>(), 0.75);

  const auto pr = run_cli("predict " + dir.file("killed") + " " + dir.file("low_0_0.wav") + " " +
                          dir.file("missing.wav") + " --format json --timeline");
  EXPECT_EQ(pr.exit_code, 1);  // one file failed: reported, the others still predicted
  EXPECT_NE(pr.output.find("missing.wav': no such file"), std::string::npos) << pr.output;
  const size_t json_start = pr.output.find('[');
  ASSERT_NE(json_start, std::string::npos) << pr.output;
  const auto j = nlohmann::json::parse(pr.output.substr(json_start, pr.output.rfind(']') - json_start + 1));
  ASSERT_EQ(j.size(), 2u);  // the failed file keeps its place, with its error
  EXPECT_EQ(j[0]["top"][0]["genre"], "low");
  EXPECT_EQ(j[0]["timeline"].size(), 5u);  // 3 s, 1 s windows every 0.5 s
  EXPECT_EQ(j[0]["model"], "audio_cnn");
  const std::string version = run_cli("--version").output;  // "mgc X.Y.Z\n"
  EXPECT_EQ("mgc " + j[0]["mgc_version"].get<std::string>() + "\n", version);
  EXPECT_EQ(j[1]["path"], dir.file("missing.wav"));
  EXPECT_NE(j[1]["error"].get<std::string>().find("no such file"), std::string::npos) << j[1];
  EXPECT_FALSE(j[1].contains("top"));

  // JSON Lines: one object per file, in order, errors included; CSV: the top genres, then every genre's
  // probability; -o writes the same into a file; the timeline has no CSV form.
  const std::string files = dir.file("low_0_0.wav") + " " + dir.file("missing.wav") + " " + dir.file("high_0_0.wav");
  const auto lines = run_cli("predict " + dir.file("killed") + " " + files + " --format jsonl -o " + dir.file("p.jsonl"));
  EXPECT_EQ(lines.exit_code, 1);
  std::vector<nlohmann::json> objects;
  std::istringstream in(mgc::read_file(dir.file("p.jsonl")));
  for (std::string line; std::getline(in, line);) objects.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(objects.size(), 3u);
  EXPECT_EQ(objects[0]["path"], dir.file("low_0_0.wav"));
  EXPECT_TRUE(objects[1].contains("error"));
  EXPECT_EQ(objects[2]["path"], dir.file("high_0_0.wav"));
  EXPECT_EQ(objects[2]["model"], "audio_cnn");
  const auto csv = run_cli("predict " + dir.file("killed") + " " + dir.file("low_0_0.wav") + " " +
                           dir.file("high_0_0.wav") + " --format csv --top-k 1 -o " + dir.file("p.csv"));
  ASSERT_EQ(csv.exit_code, 0) << csv.output;
  EXPECT_EQ(csv.output, "");  // all of it went into the file
  const mgc::csv::Table t = mgc::csv::parse(mgc::read_file(dir.file("p.csv")), "p.csv");
  ASSERT_EQ(t.rows.size(), 3u);
  const std::vector<std::string> head = {"path", "genre1", "p1", "p_high", "p_low", "p_noisy"};
  EXPECT_EQ(t.rows[0], head);
  for (size_t r = 1; r < 3; ++r) {
    ASSERT_EQ(t.rows[r].size(), head.size());
    double sum = 0;
    for (size_t c = 3; c < head.size(); ++c) sum += std::stod(t.rows[r][c]);
    EXPECT_NEAR(sum, 1.0, 1e-5);
    // The top genre's probability is its column's.
    const size_t col = static_cast<size_t>(std::find(head.begin(), head.end(), "p_" + t.rows[r][1]) - head.begin());
    EXPECT_EQ(t.rows[r][2], t.rows[r][col]);
  }
  const auto no_timeline = run_cli("predict " + dir.file("killed") + " " + dir.file("low_0_0.wav") +
                                   " --format csv --timeline");
  EXPECT_EQ(no_timeline.exit_code, 2);
  EXPECT_NE(no_timeline.output.find("--timeline has no CSV form"), std::string::npos) << no_timeline.output;
  EXPECT_NE(no_timeline.output.find("--timeline-csv FILE"), std::string::npos) << no_timeline.output;

  // Issue #34: the timeline as its own CSV, one row per segment with every genre's probability, equal to the JSON
  // timeline's, which carries them too.
  const auto tl = run_cli("predict " + dir.file("killed") + " " + dir.file("low_0_0.wav") +
                          " --format json --timeline --timeline-csv " + dir.file("t.csv"));
  ASSERT_EQ(tl.exit_code, 0) << tl.output;
  const auto timeline = nlohmann::json::parse(tl.output.substr(tl.output.find('['))).at(0).at("timeline");
  const mgc::csv::Table tt = mgc::csv::parse(mgc::read_file(dir.file("t.csv")), "t.csv");
  ASSERT_EQ(tt.rows.size(), 1 + timeline.size());
  const std::vector<std::string> tl_head = {"path", "start", "end", "genre", "p", "p_high", "p_low", "p_noisy"};
  EXPECT_EQ(tt.rows[0], tl_head);
  for (size_t r = 0; r < timeline.size(); ++r) {
    const auto& row = tt.rows[r + 1];
    EXPECT_EQ(row[0], dir.file("low_0_0.wav"));
    EXPECT_NEAR(std::stod(row[1]), timeline[r]["start"].get<double>(), 1e-6);
    EXPECT_EQ(row[3], timeline[r]["genre"]);
    for (size_t c = 5; c < tl_head.size(); ++c)
      EXPECT_NEAR(std::stod(row[c]), timeline[r]["probs"][tl_head[c].substr(2)].get<double>(), 1e-6) << r << " " << c;
    EXPECT_EQ(row[4], row[static_cast<size_t>(std::find(tl_head.begin(), tl_head.end(), "p_" + row[3]) - tl_head.begin())]);
  }

  // Issue #34: the table is aligned (a header, the genres and probabilities in columns, the path last) and ends
  // with a summary line; a failed file is counted there and named on stderr.
  const auto table = run_cli("predict " + dir.file("killed") + " " + files + " --top-k 2");
  EXPECT_EQ(table.exit_code, 1) << table.output;
  std::vector<std::string> rows;
  std::istringstream tin(table.output);
  for (std::string line; std::getline(tin, line);) rows.push_back(line);
  ASSERT_GE(rows.size(), 5u) << table.output;
  EXPECT_EQ(rows[0].rfind("genre      p  2nd        p     audio      ms  path", 0), 0u) << rows[0];
  for (const std::string name : {"low_0_0.wav", "high_0_0.wav"}) {
    const auto row = std::find_if(rows.begin(), rows.end(), [&](const std::string& l) {
      return l.size() > name.size() && l.compare(l.size() - name.size(), name.size(), name) == 0;
    });
    ASSERT_NE(row, rows.end()) << name << "\n" << table.output;
    EXPECT_EQ(row->find(dir.file(name)), rows[0].find("path")) << *row;  // the path column lines up
    EXPECT_EQ(row->substr(0, name.find('_')), name.substr(0, name.find('_'))) << *row;  // its genre first
  }
  EXPECT_NE(table.output.find("predict: 3 files: 2 classified, 1 failed; "), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("top genre: "), std::string::npos) << table.output;
  const auto quiet = run_cli("predict " + dir.file("killed") + " " + files + " -q");
  EXPECT_EQ(quiet.output.find("predict: 3 files"), std::string::npos) << quiet.output;
}

TEST(CliTrain, RefusesToOverwriteAndExplainsBadOptions) {
  TempDir dir;
  auto r = run_cli("train --out " + dir.file("r"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("give --data"), std::string::npos) << r.output;
  r = run_cli("train --data " + dir.file("none.csv") + " --out " + dir.file("r") + " --optimizer adam");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("TrainConfig.optimizer"), std::string::npos) << r.output;
  r = run_cli("train --resume " + dir.file("nothing"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("nothing to resume"), std::string::npos) << r.output;
}

// The log-mel options reach the run's config, the cache entries that `mgc extract` filled with the same options are
// the ones training reads (no second set is computed), and eval and predict use the run's settings.
TEST(CliTrain, FeatureOptionsReachTheRunTheCacheAndPrediction) {
  TempDir dir;
  const std::string manifest = mgc::test::make_toy_dataset(dir.path(), 1, 2.0);  // 12 clips of 2 s
  const std::string features = " --n-mels 48 --hop 256 --fmax 8000";
  auto count_entries = [&] {
    int n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir.file("cache")))
      n += e.path().extension() == ".mel";
    return n;
  };
  const auto ex = run_cli("extract " + manifest + " --cache " + dir.file("cache") + features + " -q");
  ASSERT_EQ(ex.exit_code, 0) << ex.output;
  EXPECT_NE(ex.output.find("12 computed, 0 reused"), std::string::npos) << ex.output;
  EXPECT_EQ(count_entries(), 12);

  const auto tr = run_cli("train --data " + manifest + " --out " + dir.file("run") + " --cache " + dir.file("cache") +
                          features + " --epochs 1 --batch-size 4 --segment 1 --val 0.25 --test 0.25 --threads 1 -q");
  ASSERT_EQ(tr.exit_code, 0) << tr.output;
  EXPECT_EQ(count_entries(), 12) << "training computed features of its own instead of reading extract's";
  const auto config = nlohmann::json::parse(mgc::read_file(dir.file("run") + "/config.json"));
  EXPECT_EQ(config["features"]["n_mels"], 48);
  EXPECT_EQ(config["features"]["hop_length"], 256);
  EXPECT_EQ(config["features"]["fmax"], 8000.0);

  ASSERT_EQ(run_cli("eval " + dir.file("run") + " --no-png -q").exit_code, 0);
  EXPECT_EQ(count_entries(), 12);
  const auto pr = run_cli("predict " + dir.file("run") + " " + dir.file("low_0_0.wav") + " --format json --timeline");
  ASSERT_EQ(pr.exit_code, 0) << pr.output;
  const auto j = nlohmann::json::parse(pr.output.substr(pr.output.find('[')));
  // 2 s at hop 256: 173 frames; 1 s windows of 86 frames every 43 frames: starts 0, 43, 86 -> 3 windows.
  EXPECT_EQ(j[0]["timeline"].size(), 3u);

  const auto bad = run_cli("train --data " + manifest + " --out " + dir.file("bad") + " --n-mels 0 -q");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("n_mels"), std::string::npos) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad")));
}

// A run trained on two input channels (--input-norm both) is read back with them by every consumer: eval, predict
// and the TorchScript export, which takes one channel of dB and builds the second itself. A bad value is refused
// by name before a run folder exists.
TEST(CliTrain, InputNormBothReachesEvalPredictAndExport) {
  TempDir dir;
  const std::string manifest = mgc::test::make_toy_dataset(dir.path(), 1, 2.0);
  const auto tr = run_cli("train --data " + manifest + " --out " + dir.file("run") + " --cache " + dir.file("cache") +
                          " --input-norm both --eq-db 6 --split-seed 1 --epochs 1 --batch-size 4 --segment 1"
                          " --val 0.25 --test 0.25 --threads 1 -q --pitch-shift 0 --tilt-db 3 --gain-db 0"
                          " --time-masks 1 --time-mask-frames 5 --freq-masks 0 --freq-mask-bins 4");
  ASSERT_EQ(tr.exit_code, 0) << tr.output;
  const auto config = nlohmann::json::parse(mgc::read_file(dir.file("run") + "/config.json"));
  EXPECT_EQ(config["input_norm"], "both");
  EXPECT_EQ(config["augment"]["eq_db"], 6.0);
  // Each default augmentation has its own switch, recorded in config.json.
  EXPECT_EQ(config["augment"]["pitch_shift_bins"], 0);
  EXPECT_EQ(config["augment"]["tilt_db"], 3.0);
  EXPECT_EQ(config["augment"]["gain_db"], 0.0);
  EXPECT_EQ(config["augment"]["time_masks"], 1);
  EXPECT_EQ(config["augment"]["time_mask_frames"], 5);
  EXPECT_EQ(config["augment"]["freq_masks"], 0);
  EXPECT_EQ(config["augment"]["freq_mask_bins"], 4);
  EXPECT_EQ(config["augment"]["enabled"], true);
  EXPECT_EQ(config["split_seed"], 1);
  EXPECT_EQ(config["seed"], 0);
  const auto run = nlohmann::json::parse(mgc::read_file(dir.file("run") + "/run.json"));
  EXPECT_NE(run["split"]["description"].get<std::string>().find("seed 1"), std::string::npos) << run["split"];

  const auto ev = run_cli("eval " + dir.file("run") + " --no-png -q");
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  const auto pr = run_cli("predict " + dir.file("run") + " " + dir.file("low_0_0.wav") + " --format json");
  ASSERT_EQ(pr.exit_code, 0) << pr.output;
  const auto j = nlohmann::json::parse(pr.output.substr(pr.output.find('[')));
  ASSERT_EQ(j.size(), 1u);
  const auto ex = run_cli("export " + dir.file("run") + " --torchscript " + dir.file("run.pt"));
  ASSERT_EQ(ex.exit_code, 0) << ex.output;
  EXPECT_TRUE(std::filesystem::exists(dir.file("run.pt")));

  const auto bad = run_cli("train --data " + manifest + " --out " + dir.file("bad") + " --input-norm bands -q");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("input_norm"), std::string::npos) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad")));
  const auto bad_shift = run_cli("train --data " + manifest + " --out " + dir.file("bad") + " --pitch-shift 25 -q");
  EXPECT_EQ(bad_shift.exit_code, 1);
  EXPECT_NE(bad_shift.output.find("pitch_shift_bins"), std::string::npos) << bad_shift.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad")));
}

TEST(CliTrain, ConfigFileIsTheRecipeAndOptionsOverrideIt) {
  TempDir dir;
  const std::string manifest = mgc::test::make_toy_dataset(dir.path(), 2, 2.0);
  // A recipe with fields `mgc compare` has no option for (dropout, momentum, the step schedule).
  nlohmann::json recipe = {{"data", manifest},           {"cache_dir", dir.file("cache")}, {"epochs", 3},
                           {"batch_size", 4},            {"segment_seconds", 1.0},         {"dropout", 0.3},
                           {"schedule", "step"},         {"step_size", 2},                 {"gamma", 0.5},
                           {"threads", 1},               {"augment", {{"eq_db", 4.0}}}};
  mgc::write_file_atomic(dir.file("recipe.json"), recipe.dump());
  const auto r = run_cli("train --config " + dir.file("recipe.json") + " --out " + dir.file("run") +
                         " --epochs 1 --seed 5 -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto config = nlohmann::json::parse(mgc::read_file(dir.file("run") + "/config.json"));
  EXPECT_EQ(config["epochs"], 1);  // the option given wins over the file
  EXPECT_EQ(config["seed"], 5);
  EXPECT_EQ(config["dropout"], 0.3);  // the file's fields, options or not
  EXPECT_EQ(config["schedule"], "step");
  EXPECT_EQ(config["step_size"], 2);
  EXPECT_EQ(config["gamma"], 0.5);
  EXPECT_EQ(config["augment"]["eq_db"], 4.0);
  EXPECT_EQ(config["batch_size"], 4);

  // Issue #33: one writer per run folder. While another process holds the run (here: this test), a resume and a
  // harmony fit are refused at once instead of interleaving the run's history.
  {
    const mgc::FolderLock held(dir.file("run"), ".lock", "test");
    for (const std::string& cmd : {"train --resume " + dir.file("run") + " -q", "harmony " + dir.file("run") + " -q"}) {
      const auto refused = run_cli(cmd);
      EXPECT_EQ(refused.exit_code, 1) << cmd << "\n" << refused.output;
      EXPECT_NE(refused.output.find("is in use by another mgc process (pid"), std::string::npos) << refused.output;
    }
  }
  const auto resumed = run_cli("train --resume " + dir.file("run") + " -q");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;

  mgc::write_file_atomic(dir.file("bad.json"), R"({"data": "x.csv", "learning_rate": 0.1})");
  const auto bad = run_cli("train --config " + dir.file("bad.json") + " --out " + dir.file("bad") + " -q");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("unknown config key 'learning_rate'"), std::string::npos) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad")));
}

// Issue #33: a misspelled model is named before any work or file, and a run that fails on its split leaves no
// empty --out folder behind.
TEST(CliTrain, BadModelOrSplitLeavesNoFolder) {
  TempDir dir;
  const std::string manifest = mgc::test::make_toy_dataset(dir.path(), 2, 2.0);
  const std::string base = "train --data " + manifest + " --cache " + dir.file("cache") + " --epochs 1 --threads 1 -q";
  auto r = run_cli(base + " --out " + dir.file("a") + " --model resnet5");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("unknown model 'resnet5'"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("a")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("cache"))) << "features were computed before the model was checked";
  r = run_cli(base + " --out " + dir.file("b") + " --split-by no_such_column");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no_such_column"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("b")));
  std::filesystem::create_directories(dir.file("c"));  // a folder the user made is left as it was
  r = run_cli(base + " --out " + dir.file("c") + " --split-by no_such_column");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.file("c")));
}

// Issue #30: a crossed split through the CLI. One run gives the crossed test side and the partial sides beside it
// (held out by the groove alone, by the synthesis path alone), each scored by mgc eval under its own name.
TEST(CliTrain, CrossedSplitGivesTheCrossedAndThePartlyHeldOutSides) {
  TempDir dir;
  const std::string manifest = mgc::test::make_toy_dataset(dir.path(), 4, 1.0);
  // A synthesis path per clip: the k-th clip of every groove is played by path pk (the values span the classes).
  std::istringstream in(mgc::read_file(manifest));
  std::string line, text;
  std::getline(in, line);
  text = line + ",synth\n";
  while (std::getline(in, line)) text += line + ",p" + line.substr(line.find(',') - 5, 1) + "\n";
  mgc::write_file_atomic(manifest, text);
  const std::string run = dir.file("run");
  auto r = run_cli("train --data " + manifest + " --out " + run + " --cache " + dir.file("cache") +
                   " --epochs 1 --batch-size 4 --segment 1 --val 0.25 --test 0.25 --threads 1 -q"
                   " --split-by groove+synth");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto split = nlohmann::json::parse(mgc::read_file(run + "/run.json")).at("split");
  EXPECT_EQ(split.at("by"), "groove+synth");
  // Per class: 4 grooves -> 1 test, 1 val, 2 train; 4 paths -> 1, 1, 2.
  EXPECT_EQ(split.at("test").size(), 3u);
  EXPECT_EQ(split.at("val").size(), 3u);
  EXPECT_EQ(split.at("train").size(), 12u);
  EXPECT_EQ(split.at("test_groove").size(), 6u);
  EXPECT_EQ(split.at("test_synth").size(), 6u);
  for (const char* side : {"test", "test_groove", "test_synth"}) {
    r = run_cli("eval " + run + " --split " + side + " --threads 1 -q");
    EXPECT_EQ(r.exit_code, 0) << side << ": " << r.output;
    EXPECT_NE(r.output.find(std::string(side) + ": segment accuracy"), std::string::npos) << r.output;
    const auto metrics = nlohmann::json::parse(mgc::read_file(run + "/eval-" + side + "/metrics.json"));
    EXPECT_EQ(metrics.at("clips"), split.at(side).size()) << side;
  }
  r = run_cli("eval " + run + " --split test_tempo -q");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("unknown side 'test_tempo' (this run has: train, val, test, test_groove, test_synth; and all "
                           "with --data)"),
            std::string::npos)
      << r.output;
}
