#pragma once
// A run folder, the one place that names its files. Training (train/trainer.h) writes them; evaluation, prediction,
// the server, tagging, export and compare read them through here:
//   config.json      the TrainConfig the run was made with (run/config.h)
//   run.json         classes (in model output order), the split: {"by", "description", "train", "val", "test"},
//                    "dataset" and "cwd" (the folder training started in: config.json's relative paths are relative to it)
//   checkpoint.pt    model, optimiser, epoch and early-stopping state (resume continues from it)
//   best.safetensors the best model by config.monitor (what prediction loads)
//   metrics.csv      one row per epoch (metrics.jsonl the same as JSON Lines)
//   result.json      the summary written when training ends
//   harmony.json     the run's harmony model (run/harmony.h), when `mgc harmony RUN` made one
//   eval-<side>/     what `mgc eval` wrote for a side (EvalPaths below)
//   .lock            held (flock) by the one process that writes the folder: train, harmony (core/lock.h)
//   compare.json, train.log, train-request.json   what `mgc compare` measured of the run, its training's output,
//                    and the recipe it asked `mgc train` for
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mgc/run/config.h"

namespace mgc::run {

// The lock file of a folder that one mgc process at a time may write (a run, an eval folder, a compare report).
inline constexpr const char* kLockFile = ".lock";

struct RunPaths {
  std::string dir;

  std::string config() const { return dir + "/config.json"; }
  std::string run_json() const { return dir + "/run.json"; }
  std::string checkpoint() const { return dir + "/checkpoint.pt"; }
  std::string best_weights() const { return dir + "/best.safetensors"; }
  std::string metrics_csv() const { return dir + "/metrics.csv"; }
  std::string metrics_jsonl() const { return dir + "/metrics.jsonl"; }
  std::string result() const { return dir + "/result.json"; }
  std::string harmony() const { return dir + "/harmony.json"; }
  std::string eval_dir(const std::string& side) const { return dir + "/eval-" + side; }
  std::string compare_json() const { return dir + "/compare.json"; }
  std::string train_log() const { return dir + "/train.log"; }
  std::string train_request() const { return dir + "/train-request.json"; }
};

// The files `mgc eval` writes into its output folder (RunPaths::eval_dir by default): metrics.json, the confusion
// matrix as CSV and PNG, one row per clip, and one row per split group.
struct EvalPaths {
  std::string dir;

  std::string metrics() const { return dir + "/metrics.json"; }
  std::string confusion_csv() const { return dir + "/confusion.csv"; }
  std::string confusion_png() const { return dir + "/confusion.png"; }
  std::string predictions_csv() const { return dir + "/predictions.csv"; }
  std::string groups_csv() const { return dir + "/groups.csv"; }
};

// Reads run_dir/config.json. Throws mgc::Error ("<component>: '<dir>' is not a run folder (no config.json)", or
// naming the file and what is wrong in it).
TrainConfig load_run_config(const std::string& run_dir, const char* component);

// run_dir/run.json parsed. Throws mgc::Error ("io: ..." when it is missing, "<component>: '<file>' is not valid
// JSON: ..." when it does not parse; core/json_file.h).
nlohmann::json load_run_json(const std::string& run_dir, const char* component);

// What a finished run says about itself, each file read once: its config and run.json.
struct RunInfo {
  RunPaths paths;
  TrainConfig config;                // config.json; its relative data, cache_dir and pretrained paths made absolute
                                     // against run.json's "cwd" where the run records it (load_run_config: as written)
  nlohmann::json run;                // run.json as training wrote it, the split's clip paths resolved as config's
  std::vector<std::string> classes;  // run.json's classes, in model output order; never empty
};

// Reads run_dir's config.json and run.json. Throws mgc::Error (as load_run_config; as load_run_json, or "... lists
// no classes", for run.json).
RunInfo load_run(const std::string& run_dir, const char* component);

}  // namespace mgc::run
