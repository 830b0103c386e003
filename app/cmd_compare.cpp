// mgc compare: train several models on one split with one recipe, test each, and write a comparison report.
// mgc report: the same report from existing run folders.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "commands.h"
#include "inputs.h"
#include "mgc/core/error.h"
#include "mgc/run/run_dir.h"
#include "mgc/tools/compare.h"
#include "train_options.h"

namespace mgc::cli {
namespace {

struct CompareOptions {
  run::TrainConfig recipe;
  std::string models;
  std::string pretrained_dir;
  std::string input;
  std::string out;
  std::string timbre_data;
  std::string real_data;
  bool no_augment = false;
  bool quiet = false;
  bool plan = false;
  bool pretrained_only = false;
};

// One line per model of the plan: what would be trained, from which weights, or why not.
void print_plan(const std::vector<tools::PlannedRun>& plan, const std::string& out) {
  std::printf("plan of %s (nothing trained yet):\n", out.c_str());
  for (const auto& p : plan) {
    using State = tools::PlannedRun::State;
    const char* what = p.state == State::kTrain    ? "train"
                       : p.state == State::kResume ? "resume"
                       : p.state == State::kReuse  ? "reuse the finished run"
                                                   : "leave out (no weights)";
    std::printf("  %-18s %-24s %-36s %3d epochs, input %lldx%lld, weights: %s\n", p.model.c_str(), what,
                p.recipe.c_str(), p.epochs, static_cast<long long>(p.height), static_cast<long long>(p.width),
                p.weights.empty() ? "none (from scratch)" : p.weights.c_str());
  }
  std::fflush(stdout);
}

// "128x128" or "128" -> height, width. Throws mgc::Error naming the value.
void parse_input(const std::string& s, int& height, int& width) {
  const auto x = s.find('x');
  try {
    size_t used = 0;
    height = std::stoi(s.substr(0, x), &used);
    if (used != (x == std::string::npos ? s.size() : x)) throw std::invalid_argument(s);
    width = x == std::string::npos ? height : std::stoi(s.substr(x + 1), &used);
    if (x != std::string::npos && used != s.size() - x - 1) throw std::invalid_argument(s);
  } catch (const std::exception&) {
    throw make_error("compare", "bad --input '{}' (use HEIGHTxWIDTH, e.g. 128x128)", s);
  }
  if (height <= 0 || width <= 0) throw make_error("compare", "bad --input '{}': sizes must be positive", s);
}

std::string self_exe() {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw make_error("compare", "cannot find the mgc executable (/proc/self/exe): {}", ec.message());
  return p.string();
}

void print_summary(const std::vector<tools::ModelResult>& results, const std::string& out) {
  int w = 16;  // the model column fits the longest label
  for (const auto& r : results) w = std::max(w, static_cast<int>(r.label.size()));
  // Values not measured for a row are a dash, as in report.html.
  const auto value = [](double v, const char* spec, size_t width) {
    const std::string text = tools::format_or_missing(v, spec);
    const size_t chars = text == tools::kMissing ? 1 : text.size();  // the dash is one character in three bytes
    return std::string(width > chars ? width - chars : 0, ' ') + text;
  };
  std::printf("%-*s %-10s %9s %6s %10s %9s %9s %9s %9s %10s %9s\n", w, "model", "recipe", "params M", "depth",
              "GMACs", "clip acc", "seg acc", "macro-F1", "train s", "infer ms", "peak MB");
  for (const auto& r : results)
    std::printf("%-*s %-10s %9.2f %6lld %s %9.3f %9.3f %9.3f %9.1f %s %s\n", w, r.label.c_str(),
                r.pretrained ? "pretrained" : "scratch", r.parameters / 1e6, static_cast<long long>(r.depth),
                value(r.macs < 0 ? -1.0 : r.macs / 1e9, "{:.3f}", 10).c_str(), r.test_clip_acc, r.test_segment_acc,
                r.test_macro_f1, r.train_seconds, value(r.infer_ms, "{:.1f}", 10).c_str(),
                value(r.peak_rss_mb, "{:.0f}", 9).c_str());
  for (const auto& r : results) {
    std::string line;
    if (r.test_clip_acc_lo >= 0)
      line += fmt::format("test clip accuracy {:.3f} [{:.3f}, {:.3f}]", r.test_clip_acc, r.test_clip_acc_lo,
                          r.test_clip_acc_hi);
    if (r.path_clip_acc >= 0)
      line += fmt::format("{}held-out path only {:.3f} ({} clips)", line.empty() ? "" : ", ", r.path_clip_acc,
                          r.path_clips);
    if (r.generator_clip_acc >= 0)
      line += fmt::format("{}in-generator {:.3f} ({} clips)", line.empty() ? "" : ", ", r.generator_clip_acc,
                          r.generator_clips);
    if (r.real_clip_acc >= 0)
      line += fmt::format("{}real-music {:.3f} [{:.3f}, {:.3f}] ({} clips)", line.empty() ? "" : ", ", r.real_clip_acc,
                          r.real_clip_acc_lo, r.real_clip_acc_hi, r.real_clips);
    if (!line.empty()) std::printf("%-*s %s\n", w, r.label.c_str(), line.c_str());
  }
  for (const auto& r : results)
    if (r.timbre_clip_acc >= 0)
      std::printf("%-16s test clip accuracy %.3f, with the test clips re-rendered with other sounds %.3f (%s)\n",
                  r.label.c_str(), r.test_clip_acc, r.timbre_clip_acc, r.timbre_data.c_str());
  std::printf("split: %s\nwrote %s/results.csv, results.json, report.html and charts/\n",
              results.front().split.c_str(), out.c_str());
}

}  // namespace

void register_compare(CLI::App& app) {
  auto o = std::make_shared<CompareOptions>();
  run::TrainConfig& c = o->recipe;
  std::string all;
  for (const auto& m : tools::default_compare_models()) all += (all.empty() ? "" : ",") + m;
  o->models = all;
  CLI::App* cmd = add_command(app, "compare");
  add_config_options(cmd, c, {"--data", "--epochs", "--seed", "--batch-size", "--lr", "--patience", "--segment",
                              "--split-by", "--cache", "--threads", "--device", "--freeze-epochs"});
  add_config_options(cmd, c, group_options("augment"));
  cmd->get_option("--data")->required();
  cmd->add_option("--models", o->models, "Comma-separated models")->capture_default_str();
  cmd->add_option("--pretrained", o->pretrained_dir,
                  "Folder of weights files; a model uses the first named <model>... (else trains from scratch); "
                  "'imagenet': the ImageNet weights installed with mgc (efficientnet_lite0's); 'installed': those and "
                  "musicnn's MSD checkpoint (musicnn, musicnn_vgg)");
  cmd->add_option("--input", o->input, "Model input HEIGHTxWIDTH (default: n_mels x window frames)");
  cmd->add_flag("--pretrained-only", o->pretrained_only,
                "With --pretrained: compare only the models that have weights there (the others are left out)");
  cmd->add_flag("--plan", o->plan,
                "Print what would be trained (model, recipe, weights file, new/resume/reuse) and exit");
  cmd->add_flag("--no-augment", o->no_augment, "Disable all augmentation");
  cmd->add_option("--timbre-data", o->timbre_data,
                  "Also score each model's test clips re-rendered with other sounds: a corpus made by mgc synth with "
                  "the same --seed and --clips-per-genre and another --soundfont (docs/ROBUSTNESS.md)")
      ->check(CLI::ExistingPath);
  cmd->add_option("--real-data", o->real_data,
                  "Also score each model on every clip of this labelled set of recordings, never trained on (a folder "
                  "per genre or a manifest, e.g. scripts/real-music-check.sh's out/real-music/manifest.csv)")
      ->check(CLI::ExistingPath);
  cmd->add_option("--out", o->out, "Report folder (runs/, results.csv, results.json, report.html, charts/)")
      ->required();
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bars");
  cmd->callback([o] {
    tools::CompareConfig config;
    config.recipe = o->recipe;
    if (o->no_augment) config.recipe.augment.enabled = false;
    if (!o->input.empty()) parse_input(o->input, config.recipe.input_height, config.recipe.input_width);
    config.models = split_list(o->models);
    config.pretrained_dir = o->pretrained_dir;
    config.out_dir = o->out;
    config.train_exe = self_exe();
    config.progress = !o->quiet;
    config.timbre_data = o->timbre_data;
    config.real_data = o->real_data;
    config.pretrained_only = o->pretrained_only;
    if (o->plan) {
      print_plan(tools::plan_compare(config), o->out);
      return;
    }
    const auto& r = config.recipe;
    config.command = fmt::format("mgc compare --data {} --models {} --epochs {} --seed {} --batch-size {} --lr {} "
                                 "--patience {} --segment {} --split-by {}{}{}{}{}{}{}{} --out {}",
                                 r.data, o->models, r.epochs, r.seed, r.batch_size, r.lr, r.patience,
                                 r.segment_seconds, r.split_by, o->input.empty() ? "" : " --input " + o->input,
                                 o->pretrained_dir.empty() ? "" : " --pretrained " + o->pretrained_dir,
                                 o->pretrained_dir.empty() ? "" : fmt::format(" --freeze-epochs {}{}", r.freeze_epochs,
                                                                              o->pretrained_only ? " --pretrained-only" : ""),
                                 changed_options(r, group_options("augment")), o->no_augment ? " --no-augment" : "",
                                 o->timbre_data.empty() ? "" : " --timbre-data " + o->timbre_data,
                                 o->real_data.empty() ? "" : " --real-data " + o->real_data, o->out);
    const tools::CompareSummary s = tools::compare(config);
    print_summary(s.results, o->out);
    std::printf("%d trained, %d resumed, %d reused, %zu failed\n", s.trained, s.resumed, s.reused, s.failures.size());
    if (!s.failures.empty()) {
      std::string list;
      for (const auto& f : s.failures) list += (list.empty() ? "" : "; ") + f;
      throw make_error("compare", "{} model(s) failed: {}", s.failures.size(), list);
    }
  });
}

void register_report(CLI::App& app) {
  auto runs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  auto threads = std::make_shared<int>(0);
  auto timbre = std::make_shared<std::string>();
  auto real = std::make_shared<std::string>();
  auto title = std::make_shared<std::string>("Model comparison");
  auto notes = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = add_command(app, "report");
  cmd->add_option("runs", *runs, "Run folders made by mgc train or mgc compare")->required();
  cmd->add_option("--out", *out, "Report folder")->required();
  cmd->add_option("--threads", *threads, "Intra-op threads for evaluation and timing (0: all cores)")
      ->capture_default_str();
  cmd->add_option("--timbre-data", *timbre,
                  "Also score each run's test clips re-rendered with other sounds (see mgc compare --help)")
      ->check(CLI::ExistingPath);
  cmd->add_option("--real-data", *real,
                  "Also score each run on every clip of this labelled set of recordings (see mgc compare --help)")
      ->check(CLI::ExistingPath);
  cmd->add_option("--title", *title, "The report's title")->capture_default_str();
  cmd->add_option("--note", *notes, "A line for the report's notes (how the runs were made; repeatable)");
  cmd->add_flag("-q,--quiet", *quiet, "No progress bars");
  cmd->callback([=] {
    tools::MeasureOptions mo;
    mo.progress = !*quiet;
    mo.threads = *threads;
    mo.timbre_data = *timbre;
    mo.real_data = *real;
    std::vector<tools::ModelResult> results;
    for (size_t i = 0; i < runs->size(); ++i) {
      const std::string& run = (*runs)[i];
      results.push_back(tools::collect_run(run, mo));
      const auto& r = results.back();
      std::printf("[%zu/%zu] %s (%s): test clip accuracy %.3f, macro-F1 %.3f\n", i + 1, runs->size(), run.c_str(),
                  r.model.c_str(), r.test_clip_acc, r.test_macro_f1);
      std::fflush(stdout);
    }
    tools::label_results(results);
    tools::ReportInfo info;
    info.title = *title;
    info.notes = *notes;
    // What tools::model_config varies between a model with weights and one without is not another recipe.
    const auto recipe = [](const std::string& run) {
      nlohmann::json c = run::to_json(run::load_run_config(run, "report"));
      for (const char* key : {"model", "pretrained", "input_mode", "freeze_epochs", "freeze_only"}) c.erase(key);
      return c;
    };
    const nlohmann::json first = recipe(runs->front());
    for (const auto& run : *runs) {
      if (recipe(run) != first)
        info.notes.push_back(fmt::format("{} was trained with another recipe than {}; see its config.json", run,
                                         runs->front()));
    }
    write_report(results, *out, info);
    print_summary(results, *out);
  });
}

}  // namespace mgc::cli
