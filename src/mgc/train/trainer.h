#pragma once
// Training: data loading on worker threads, AdamW/SGD with warm-up and cosine/step schedules, label smoothing,
// gradient clipping, mixup and SpecAugment, transfer learning (frozen backbone, then fine-tuning), early
// stopping, best-model keeping, and a checkpoint every epoch from which `resume` continues exactly.
//
// It writes a run folder (run/run_dir.h names its files); the checkpoint is written to a temporary file and renamed.
// The data order, crops and augmentation of epoch e depend only on (seed, e), so a resumed run repeats exactly
// what an uninterrupted one would have done.
#include <string>

#include "mgc/run/config.h"
#include "mgc/train/dist_config.h"

namespace mgc::train {

struct TrainOptions {
  bool resume = false;    // continue the run in run_dir from its checkpoint (its config.json wins)
  bool progress = true;   // progress bars on stderr
  bool verbose = true;    // a line per epoch on stdout
  int max_epochs_this_call = 0;  // stop after this many epochs in this call (0 = no limit); for tests and budgets
  // Distributed data-parallel training (resolved, see resolve_dist_config): with a backend set, this process is
  // rank dist.rank of dist.world_size, each running train() with the same arguments. config.batch_size is per
  // process. Rank 0 reads and writes run_dir and prints; the other ranks need only the dataset.
  DistConfig dist;
  // When set, this process appends "epoch step sum sum_of_squares" of all parameters after every optimiser step to
  // this file, and writes its final weights to <param_trace>.safetensors (to check that ranks agree).
  std::string param_trace;
};

struct TrainResult {
  int epochs_done = 0;       // epochs completed in the run (all calls)
  int best_epoch = 0;        // 1-based
  double best_val_clip_acc = 0.0;  // NaN when the run has no val split (its model is the last epoch)
  double best_val_loss = 0.0;      // NaN when the run has no val split
  bool early_stopped = false;
  double seconds = 0.0;      // wall time of this call
  double wait_fraction = 0.0;  // share of training-step time spent waiting for the data loader (this call)
  int rank = 0;
  int world_size = 1;
};

// Trains into run_dir (created). Without resume, run_dir must not hold a checkpoint already (nothing is
// overwritten by accident). Distributed (options.dist): each epoch's order is dealt to the ranks like torch's
// DistributedSampler, gradients are averaged across ranks after each backward pass, BatchNorm statistics are rank
// 0's, validation runs on rank 0, and the run equals one process training with batches of batch_size * world_size
// (up to BatchNorm's per-process batch statistics). Throws mgc::Error on bad config, data, I/O, or when rank 0
// failed; a rank that dies mid-run is noticed by the others after dist.timeout_seconds.
TrainResult train(const run::TrainConfig& config, const std::string& run_dir, const TrainOptions& options = {});

}  // namespace mgc::train
