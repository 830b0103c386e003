// mgc harmony RUN_DIR: fit the run's harmony model (a clip-level classifier of key-independent chroma statistics,
// train/harmony.h) on the run's training clips; `mgc eval` then combines it with the CNN.
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/run/harmony.h"
#include "mgc/run/run_dir.h"
#include "mgc/train/harmony_fit.h"

namespace mgc::cli {

void register_harmony(CLI::App& app) {
  auto run_dir = std::make_shared<std::string>();
  auto o = std::make_shared<run::HarmonyOptions>();
  auto threads = std::make_shared<int>(0);
  auto quiet = std::make_shared<bool>(false);
  CLI::App* cmd = add_command(app, "harmony");
  cmd->add_option("run", *run_dir, "Run folder made by mgc train (its training clips are used)")->required();
  cmd->add_option("--c", o->c, "Inverse L2 strength of the logistic regression (scikit-learn's C)")
      ->capture_default_str();
  cmd->add_option("--lags", o->features.lags_seconds, "Seconds over which pitch-class movement is counted")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--bass-octaves", o->features.bass_octaves,
                  "Lowest CQT octaves read as the bass line (0: no bass-line statistics)")
      ->capture_default_str();
  cmd->add_option("--beat-lags", o->features.lags_beats,
                  "Beats (at each clip's estimated tempo) over which chord and bass movement are counted")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_flag_callback("--no-beat-lags", [o] { o->features.lags_beats.clear(); },
                         "No lags in beats (nor tempo estimation)");
  cmd->add_option("--chroma-hop", o->cqt.hop_length, "Chroma hop length in samples")->capture_default_str();
  cmd->add_option("-j,--jobs", *threads, "Clips decoded at once (0: all cores)")->capture_default_str();
  cmd->add_flag("-q,--quiet", *quiet, "No progress bar");
  cmd->footer(
      "Writes RUN/harmony.json. From then on mgc eval RUN reports the CNN alone, the harmony model alone and the two "
      "together (the mean vote), unless given --no-harmony. Delete the file to go back to the CNN alone.");
  cmd->callback([=] {
    const train::HarmonyFitReport r = train::fit_run_harmony(*run_dir, *o, *threads, !*quiet);
    std::printf("harmony model: %lld training clips, %lld features, training accuracy %.4f, %.1f s%s\n",
                static_cast<long long>(r.model.train_clips), static_cast<long long>(r.model.num_features()),
                r.model.train_accuracy, r.seconds,
                r.failed ? fmt::format(" | {} clip(s) failed", r.failed).c_str() : "");
    std::printf("wrote %s\n", run::RunPaths{*run_dir}.harmony().c_str());
  });
}

}  // namespace mgc::cli
