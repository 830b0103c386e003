// mgc eval RUN_DIR: score a trained run on its test split (segment and clip level), write metrics.json.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/tools/evaluate.h"

namespace mgc::cli {

void register_eval(CLI::App& app) {
  auto run_dir = std::make_shared<std::string>();
  auto o = std::make_shared<tools::EvalOptions>();
  auto quiet = std::make_shared<bool>(false);
  auto no_png = std::make_shared<bool>(false);
  CLI::App* cmd = add_command(app, "eval");
  cmd->add_option("run", *run_dir, "Run folder made by mgc train")->required();
  cmd->add_option("--split", o->side,
                  "train, val, test, or a crossed split's partial side: test_<field> (test_groove_file: held-out "
                  "groove files played by training paths); with --data also 'all': every clip of that dataset, no "
                  "split (a check set such as scripts/real-music-check.sh's excerpts)")->capture_default_str();
  cmd->add_option("--data", o->data, "Evaluate on this dataset instead (split with the run's settings, or whole "
                  "with --split all)");
  cmd->add_option("--out", o->out_dir, "Output folder (default RUN/eval-<split>)");
  cmd->add_option("--cache", o->cache_dir, "Feature cache folder (default: the run's)");
  cmd->add_option("--threads", o->threads, "Intra-op threads (0: all cores)")->capture_default_str();
  cmd->add_flag("--no-png", *no_png, "Skip the confusion-matrix picture");
  auto no_harmony = std::make_shared<bool>(false);
  cmd->add_flag("--no-harmony", *no_harmony, "Score the CNN alone even if the run has a harmony model (mgc harmony)");
  cmd->add_option("--fuse", o->fuse,
                  "Also these runs (comma-separated; the same classes and held-out clips, e.g. a musicnn transfer "
                  "beside audio_cnn): the clip vote is the mean of every run's (output default RUN/eval-<split>-fused)")
      ->delimiter(',')
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);  // one value per --fuse: no positional swallowed
  cmd->add_flag("-q,--quiet", *quiet, "No progress bar");
  cmd->callback([=] {
    o->progress = !*quiet;
    o->png = !*no_png;
    o->harmony = !*no_harmony;
    const tools::EvalResult r = tools::evaluate_run(*run_dir, *o);
    const auto& classes = r.json.at("segment").at("classes").get<std::vector<std::string>>();
    std::printf("%s", eval::format_report(r.clips_mean, classes).c_str());
    std::printf("split: %s\n", r.split.c_str());
    std::printf("%s: segment accuracy %.4f | clip accuracy %.4f (mean vote), %.4f (majority) | clip macro-F1 %.4f%s\n",
                o->side.c_str(), r.segments.accuracy, r.clips_mean.accuracy, r.clips_majority.accuracy,
                r.clips_mean.macro_f1, r.failed ? fmt::format(" | {} clip(s) failed", r.failed).c_str() : "");
    if (r.harmony_used)
      std::printf("harmony model: clip accuracy %.4f (CNN alone), %.4f (harmony alone), %.4f (both: the mean vote)\n",
                  r.clips_cnn.accuracy, r.clips_harmony.accuracy, r.clips_mean.accuracy);
    if (!o->fuse.empty())
      std::printf("fused with %zu run(s): clip accuracy %.4f (this run alone), %.4f (all: the mean vote)\n",
                  o->fuse.size(), r.clips_alone.accuracy, r.clips_mean.accuracy);
    if (!r.groups.empty()) {
      const auto& g = r.json.at("groups");
      std::string worst;
      for (size_t i = 0; i < r.groups.size() && i < 3 && r.groups[i].correct < r.groups[i].clips; ++i)
        worst += fmt::format("{}{} {}/{} (mostly {})", worst.empty() ? "; worst: " : ", ", r.groups[i].group,
                             r.groups[i].correct, r.groups[i].clips,
                             classes.at(static_cast<size_t>(r.groups[i].top_prediction)));
      std::printf("groups (%s): %d, mean clip accuracy %.4f, %d missed entirely, %d all right%s\n", r.split_by.c_str(),
                  g.at("rows").get<int>(), g.at("mean_accuracy").get<double>(), g.at("missed").get<int>(),
                  g.at("all_right").get<int>(), worst.c_str());
    }
    std::printf("wrote %s/metrics.json\n", r.out_dir.c_str());
  });
}

}  // namespace mgc::cli
