#pragma once
// Training: data loading on worker threads, AdamW/SGD with warm-up and cosine/step schedules, label smoothing,
// gradient clipping, mixup and SpecAugment, transfer learning (frozen backbone, then fine-tuning), early
// stopping, best-model keeping, and a checkpoint every epoch from which `resume` continues exactly.
//
// A run folder holds: config.json (the TrainConfig), run.json (classes, split), checkpoint.pt (model, optimizer,
// epoch, early-stopping state; written to a temporary file and renamed), best.safetensors (the best model by
// config.monitor), metrics.csv and metrics.jsonl (one row per epoch), result.json (the summary at the end).
// The data order, crops and augmentation of epoch e depend only on (seed, e), so a resumed run repeats exactly
// what an uninterrupted one would have done.
#include <string>

#include "mgc/train/config.h"

namespace mgc::train {

struct TrainOptions {
  bool resume = false;    // continue the run in run_dir from its checkpoint (its config.json wins)
  bool progress = true;   // progress bars on stderr
  bool verbose = true;    // a line per epoch on stdout
  int max_epochs_this_call = 0;  // stop after this many epochs in this call (0 = no limit); for tests and budgets
};

struct TrainResult {
  int epochs_done = 0;       // epochs completed in the run (all calls)
  int best_epoch = 0;        // 1-based
  double best_val_clip_acc = 0.0;
  double best_val_loss = 0.0;
  bool early_stopped = false;
  double seconds = 0.0;      // wall time of this call
  double wait_fraction = 0.0;  // share of training-step time spent waiting for the data loader (this call)
};

// Trains into run_dir (created). Without resume, run_dir must not hold a checkpoint already (nothing is
// overwritten by accident). Throws mgc::Error on bad config, data, or I/O.
TrainResult train(const TrainConfig& config, const std::string& run_dir, const TrainOptions& options = {});

// Reads run_dir/config.json. Throws mgc::Error naming the file.
TrainConfig load_run_config(const std::string& run_dir);

}  // namespace mgc::train
