#pragma once
// A run's checkpoint (checkpoint.pt, run/run_dir.h): the model, the optimiser and where training stands, with a
// checksum so that a flipped byte is an error instead of a silent resume.
#include <torch/types.h>

#include <string>

#include "mgc/models/classifier.h"

namespace torch::optim {
class Optimizer;
}

namespace mgc::train {

// Where training stands after an epoch: what a resumed run continues from.
struct TrainingState {
  int epoch = 0;  // epochs completed
  int best_epoch = 0;
  double best_clip_acc = -1.0;
  double best_loss = 1e300;
  int since_best = 0;
  bool early_stopped = false;
  int world_size = 1;  // processes that trained the last epoch
};

// Writes model, optimiser and state to `path` atomically: "MGC-CHECKPOINT-1 ", the FNV-1a 64 of the rest in 16 hex
// digits, a newline, then libtorch's archive. Throws mgc::Error if the file cannot be written.
void save_checkpoint(const std::string& path, models::Classifier& model, torch::optim::Optimizer& opt,
                     const TrainingState& state);

// Loads a checkpoint's content `bytes` (rank 0 reads the file and shares it with the other ranks; `path` names it
// in messages) into model and optimiser, tensors on `device`. A checkpoint from before the checksum (no magic) is
// read as it is. Throws mgc::Error ("train: checkpoint '<path>' ...") when it is truncated, fails its checksum or
// cannot be read.
TrainingState load_checkpoint(const std::string& path, const std::string& bytes, models::Classifier& model,
                              torch::optim::Optimizer& opt, const torch::Device& device);

}  // namespace mgc::train
