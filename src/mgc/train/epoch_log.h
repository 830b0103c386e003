#pragma once
// A run's history, one row per epoch, in metrics.csv and metrics.jsonl (run/run_dir.h): one row type, one column
// list for both files.
#include <nlohmann/json.hpp>
#include <string>

#include "mgc/run/run_dir.h"

namespace mgc::train {

// One epoch. Validation values are NaN when the run has no val split ("nan" in the CSV, null in the JSON).
struct EpochRow {
  int epoch = 0;            // 1-based
  std::string phase;        // "frozen" (backbone frozen) or "full"
  double lr = 0.0;          // the learning rate of the epoch's last step
  double train_loss = 0.0;  // mean over the epoch's training windows
  double train_acc = 0.0;
  double val_loss = 0.0;
  double val_segment_acc = 0.0;
  double val_clip_acc = 0.0;
  double val_macro_f1 = 0.0;
  double seconds = 0.0;               // wall time of the epoch, validation included
  double loader_wait_fraction = 0.0;  // share of training-step time spent waiting for the data loader
};

// metrics.csv's header line, without the line end.
std::string epoch_csv_header();
// The row as a line of metrics.csv (without the line end) and as an object of metrics.jsonl.
std::string epoch_csv_line(const EpochRow& row);
nlohmann::json to_json(const EpochRow& row);

// Creates metrics.csv with its header unless it exists. Throws mgc::Error if it cannot be written.
void start_epoch_log(const run::RunPaths& files);
// Appends the row to metrics.jsonl and metrics.csv. Throws mgc::Error if either cannot be written.
void append_epoch(const run::RunPaths& files, const EpochRow& row);
// Keeps only the rows of the first `epochs_done` epochs (a killed epoch may have written its row before its
// checkpoint). Throws mgc::Error if a file cannot be rewritten.
void trim_epoch_log(const run::RunPaths& files, int epochs_done);

}  // namespace mgc::train
