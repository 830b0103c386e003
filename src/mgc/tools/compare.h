#pragma once
// `mgc compare`: several architectures trained on one split with one recipe, each scored on the test split, and
// the comparison report (report.h). One TrainConfig is varied only by the model, its pretrained file and the
// input mode that file needs. Every model trains in a child process (the `mgc` binary's `train` subcommand) so
// that its peak memory can be read from wait4; all training happens before this process builds any model, so
// its own small footprint is the floor of those figures (see subprocess.h and docs/COMPARE.md).
// Resumable: a run with result.json is not retrained, one with a checkpoint is resumed, and a run with
// eval-test/metrics.json and compare.json is not re-evaluated or re-measured.
#include <cstdint>
#include <string>
#include <vector>

#include "mgc/run/config.h"
#include "mgc/tools/report.h"

namespace mgc::models {
class Classifier;
}

namespace mgc::tools {

// The models of the study, in the order of the report.
const std::vector<std::string>& default_compare_models();

struct CompareConfig {
  run::TrainConfig recipe;        // shared by all models; recipe.model and recipe.pretrained are ignored
  std::vector<std::string> models;  // registry names, distinct
  std::string pretrained_dir;       // "" = every model from scratch; else see find_pretrained
  std::string out_dir;              // REPORT_DIR: runs/<model>/, results.*, charts/, report.html
  std::string train_exe;            // the mgc binary whose `train` trains each model in a child process
  bool progress = true;             // progress bars while evaluating
  std::string command;              // the command line, shown in the report
  std::string timbre_data;          // "" or a re-rendering of recipe.data (MeasureOptions::timbre_data)
  std::string real_data;            // "" or a labelled set of recordings (MeasureOptions::real_data)
  bool pretrained_only = false;     // with pretrained_dir: leave out the models that have no weights there
};

// What compare() would do with one model, decided before anything trains.
struct PlannedRun {
  enum class State {
    kTrain,   // a new run
    kResume,  // a checkpoint without result.json
    kReuse,   // a finished run
    kSkip,    // no weights for it, and pretrained_only
  };
  std::string model;
  std::string run_dir;     // out_dir/runs/<model>
  std::string weights;     // the pretrained file ("" = from scratch)
  std::string recipe;      // "scratch", "fine-tuned", "frozen N epochs, then fine-tuned", ...
  int epochs = 0;
  int64_t height = 0, width = 0;  // the model's input
  State state = State::kTrain;
};

// The plan of compare(config), model by model, checked as compare() checks it (so a bad config fails here, before
// any training): throws mgc::Error ("compare: ...") on no models, an unknown or repeated model, an input a model
// cannot take, a pretrained folder that is not one, or an existing run made with another config.
std::vector<PlannedRun> plan_compare(const CompareConfig& config);

// The first regular file in dir (by name order) whose name starts with `model` followed by a character that cannot
// continue a model name ('-', '.', or '_' followed by a digit), e.g. resnet50-0676ba61.pth for resnet50 (but not
// resnet50_2... for resnet5). The name may also spell the model with hyphens for underscores
// (efficientnet-lite0-57934424.pth for efficientnet_lite0). "" if there is none. dir "imagenet" means the ImageNet
// weights installed with mgc (run::resolve_pretrained): efficientnet_lite0's, "" for every other model; dir
// "installed" every weight installed with mgc (run::installed_weights): those, and musicnn's MSD checkpoint for
// musicnn and musicnn_vgg. Throws mgc::Error ("compare: ...") if dir is not a folder, or ("models: ..." /
// "train: ...") when the installed weights a keyword names are missing.
std::string find_pretrained(const std::string& dir, const std::string& model);

// The TrainConfig for one model: the recipe with model set; with a pretrained file: pretrained = file,
// input_mode = imagenet, freeze_epochs = recipe.freeze_epochs; without: from scratch, freeze_epochs = 0. A musicnn
// model gets its own input instead (run::use_musicnn_input, raw input at the native size, no input_norm, the
// dB-only augmentations off), whatever the recipe's features.
run::TrainConfig model_config(const run::TrainConfig& recipe, const std::string& model,
                                const std::string& pretrained_file);

// The `mgc train` arguments (after the program path) that make exactly `config` in run_dir, quiet: `config` is
// written to run_dir's train-request.json (run/run_dir.h) and handed over with --config, every field as it is.
// Throws mgc::Error if the file cannot be written.
std::vector<std::string> train_arguments(const run::TrainConfig& config, const std::string& run_dir);

// Multiply-accumulates of one forward pass (eval mode, no grad) of `model` on a [1, channels, height, width]
// input: the sum over every aten::convolution call of out_elements * in_channels / groups * kernel area, and over
// every aten::linear call of rows * in_features * out_features, seen through a thread-local RecordFunction
// observer. Batch norm, activations, pooling and additions are not counted (they are a few percent).
// Throws c10::Error if the model rejects the shape.
int64_t count_macs(models::Classifier& model, int64_t channels, int64_t height, int64_t width);

// The MACs of config's model as trained (its classes, stem channels for the input mode) for one input window:
// input_height x input_width when set, else n_mels x segment frames.
int64_t config_macs(const run::TrainConfig& config, int64_t num_classes);

struct MeasureOptions {
  bool progress = false;  // progress bar of the evaluation
  int threads = 0;        // intra-op threads for evaluation and timing (0: all cores)
  // A re-rendering of the run's corpus with another synthesis (`mgc synth --soundfont ...` with the same seed
  // and size: the same manifest, other sounds). When set, the run's test clips are also scored there
  // (run_dir/eval-test-timbre/metrics.json) and the result carries timbre_clip_acc: how much of the accuracy
  // survives a change of timbre (docs/ROBUSTNESS.md). Throws mgc::Error if that corpus's test side is not the
  // run's test clips.
  std::string timbre_data;
  // The real-music check: a labelled set of recordings (a folder per genre, or a manifest such as
  // scripts/real-music-check.sh's OUT/manifest.csv), every clip scored (eval side "all") into
  // run_dir/eval-real/. Its labels must be among the run's classes.
  std::string real_data;
};

// Everything the report shows about one finished run: evaluates it on its test split if run_dir/eval-test/
// metrics.json is missing, on the crossed split's test_groove_file side (the in-generator figure) if the run has
// one and run_dir/eval-test_groove_file/metrics.json is missing, and on options.timbre_data and options.real_data
// if set and not yet done for that data; measures MACs and inference time if run_dir/compare.json lacks them (and
// stores them there), and reads parameters, depth, scores, the bootstrap intervals (from predictions.csv), curves.
// Peak memory comes from compare.json when `mgc compare` trained the run, else is unknown (-1). Throws mgc::Error
// if run_dir is not a finished run (no result.json).
ModelResult collect_run(const std::string& run_dir, const MeasureOptions& options = {});

// Gives rows that share a model name distinct labels: the run folder's name; where those are equal too, the model
// and its recipe ("efficientnet_lite0 (scratch)"); then " (2)", " (3)"... for what is still equal.
void label_results(std::vector<ModelResult>& results);

struct CompareSummary {
  std::vector<ModelResult> results;  // in config.models order, failures and skipped models left out
  std::vector<std::string> failures; // "<model>: <why>"
  int trained = 0, resumed = 0, reused = 0;
};

// Trains (or resumes, or reuses) each model of plan_compare(config) into out_dir/runs/<model>, evaluates and
// measures each, and writes the report into out_dir. Prints one line per model as it starts and finishes. A model that fails is reported and left
// out; the others go on. Throws mgc::Error ("compare: ...") on a bad config (unknown or repeated model, an input
// smaller than a model accepts, no train_exe), if an existing run was made with another config, or if every model
// failed.
CompareSummary compare(const CompareConfig& config);

}  // namespace mgc::tools
