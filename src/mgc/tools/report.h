#pragma once
// The comparison report of `mgc compare` and `mgc report`: one row per trained run (model, recipe, size, cost,
// test scores), written as results.csv and results.json, PNG charts drawn by gnuplot, and report.html, a single
// self-contained page (charts embedded as base64 data URIs, no external references) that opens offline.
// Column definitions and measurement methods: docs/COMPARE.md. Header kept free of libtorch.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mgc::tools {

// One epoch of a run's metrics.csv (what the training-curve charts need).
struct EpochPoint {
  int epoch = 0;
  double train_loss = 0.0;
  double val_clip_acc = 0.0;
  double seconds = 0.0;  // wall time of the epoch (training and validation)
};

// One compared run. Numbers that could not be measured are negative (written as empty CSV cells / JSON null).
struct ModelResult {
  std::string label;            // row name: the model name, or the run folder's name where two rows share a model
  std::string model;            // registry name
  std::string run_dir;          // the run folder
  bool pretrained = false;      // started from a pretrained weights file
  std::string pretrained_file;  // that file's name ("" = from scratch)
  std::string recipe;           // "scratch", "fine-tuned", "frozen N epochs, then fine-tuned", "frozen (linear probe)"
  std::string input;            // model input "HxW", channels and mode, e.g. "75x75x1 mono"
  int64_t parameters = 0;       // all parameters of the trained model (its head sized for the run's classes)
  int64_t depth = 0;            // Conv2d + Linear modules (models::model_stats)
  int64_t macs = -1;            // multiply-accumulates of one forward pass of one input window (docs/COMPARE.md)
  double test_segment_acc = 0.0;  // eval-test/metrics.json: segment accuracy
  double test_clip_acc = 0.0;     // clip accuracy, mean-probability vote
  double test_macro_f1 = 0.0;     // clip macro-F1, mean-probability vote
  int64_t test_clips = 0;
  int epochs = 0;               // epochs done
  int best_epoch = 0;
  double train_seconds = 0.0;   // sum of metrics.csv's per-epoch seconds (training + validation, all calls)
  double infer_ms = -1.0;       // median over test clips of Predictor::predict_features wall time, ms
  double peak_rss_mb = -1.0;    // peak RSS of the training child process (wait4 ru_maxrss), MiB
  std::string split_by;         // the split's grouping ("groove_file", "clip", ...)
  double timbre_clip_acc = -1.0;  // clip accuracy of the same test clips re-rendered with other sounds; -1 = not run
  std::string timbre_data;        // that re-rendered corpus
  // test_clip_acc's 95% percentile-bootstrap interval over the test clips (eval::bootstrap_mean, kBootstrapResamples,
  // seed 0), from eval-test/predictions.csv; -1 where that file is missing.
  double test_clip_acc_lo = -1.0, test_clip_acc_hi = -1.0;
  // Each test clip (path inside its dataset) and 1 if the mean vote got it right, else 0: the paired comparison.
  std::vector<std::pair<std::string, double>> test_correct;
  // Test clip accuracy minus the best row's (the highest test_clip_acc), with its 95% paired-bootstrap interval
  // over the clips both scored (eval::bootstrap_mean_difference); 0 [0, 0] for the best row itself. Filled by
  // write_report (compare_to_best); unknown (NaN, written as null / empty) where the rows' test clips differ.
  double delta_to_best = 0.0, delta_to_best_lo = 0.0, delta_to_best_hi = 0.0;
  // The in-generator figure beside a crossed split's headline: clip accuracy on the run's test_groove_file side
  // (held-out groove files played by synthesis paths heard in training; data::Split::extra), -1 where the split has
  // no such side.
  double generator_clip_acc = -1.0, generator_clip_acc_lo = -1.0, generator_clip_acc_hi = -1.0;
  int64_t generator_clips = 0;
  // The other partial side: clip accuracy on the run's test_synth side (the held-out synthesis path playing groove
  // files heard in training: how much survives a synthesiser and sound set never heard), -1 where there is none.
  double path_clip_acc = -1.0, path_clip_acc_lo = -1.0, path_clip_acc_hi = -1.0;
  int64_t path_clips = 0;
  // (Each *_lo, *_hi: the 95% bootstrap interval of that accuracy over its clips, as test_clip_acc's.)
  // The real-music check (MeasureOptions::real_data): clip accuracy on every clip of a labelled set of recordings
  // (eval side "all"), with its 95% bootstrap interval; -1 = not run.
  double real_clip_acc = -1.0, real_clip_acc_lo = -1.0, real_clip_acc_hi = -1.0;
  int64_t real_clips = 0;
  std::string real_data;
  std::string split;            // the split's one-line description
  std::string confusion_png;    // <run>/eval-test/confusion.png ("" if absent)
  // The run's config.json as training used it; its relative paths (data, cache_dir, pretrained) made absolute
  // against the folder training started in (run.json's "cwd") where the run records it.
  nlohmann::json config;
  std::vector<EpochPoint> curve;  // per epoch, from metrics.csv
};

// The report's one mark for a value not measured for a row, in report.html and on the terminal (results.csv: an
// empty cell; results.json: null).
inline constexpr const char* kMissing = "\u2014";

// `v` formatted by the fmt `spec`, or kMissing when it was not measured (negative or not finite).
std::string format_or_missing(double v, const char* spec);

// Resamples behind every interval of the report (eval::bootstrap_mean, seed 0).
inline constexpr int kBootstrapResamples = 10000;

// Fills delta_to_best and its interval of every row against the row with the highest test_clip_acc (the first
// of equals), pairing the clips by path. Rows whose test clips are not the best row's, or that have no per-clip
// results, get NaN.
void compare_to_best(std::vector<ModelResult>& results);

// The order of the report's bar charts: row indices by test_clip_acc, highest first (equal rows as given).
std::vector<size_t> accuracy_order(const std::vector<ModelResult>& results);

nlohmann::json to_json(const ModelResult& r);  // curve and test_correct left out (in each run's files)

// The CSV header and one row of results.csv (RFC 4180 quoting, "\n" line ends).
std::string results_csv(const std::vector<ModelResult>& results);

struct ReportInfo {
  std::string title = "Model comparison";
  std::string command;          // how it was made, e.g. the command line; shown if not empty
  std::vector<std::string> notes;  // extra lines (models trained from scratch for want of a file, failures)
};

// Paths of the charts write_report draws, relative to its out_dir.
std::vector<std::string> report_chart_files();

// The fields of the rows' configs (ModelResult::config) that every row has with the same value: the recipe they
// share. The others are each row's own (its model, its pretrained file ...).
nlohmann::json shared_recipe(const std::vector<ModelResult>& results);

// Writes into out_dir (created): results.csv, results.json ({"split_by", "split", "recipe" (shared_recipe),
// "notes", "results": [...], each with its "config"}), charts/*.png (accuracy with intervals and depth, both in
// accuracy_order; accuracy vs parameters and vs MACs, validation accuracy and training loss curves), confusion/
// (each run's confusion matrix, full size) and report.html (every chart and each confusion matrix embedded as a
// data URI, the latter linked to its full-size file). Values not measured are "—" in report.html (explained
// there), empty in results.csv and null in results.json. Rows stay in the order given; compare_to_best is applied first. All files atomically.
// Throws mgc::Error ("report: ...") if results is empty, gnuplot is missing or fails, or a file cannot be written.
void write_report(const std::vector<ModelResult>& results, const std::string& out_dir, const ReportInfo& info);

// Reads a run's metrics.csv into curve points. Throws mgc::Error naming the file if it is missing or malformed.
std::vector<EpochPoint> read_curve(const std::string& metrics_csv);

}  // namespace mgc::tools
