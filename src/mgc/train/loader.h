#pragma once
// The training data of one epoch: random windows of the training clips, cut, mixed and augmented on worker threads
// into batches that the trainer takes in order. The crops and augmentation of epoch e depend only on (seed, e) and
// a sample's place in the epoch's order, so a resumed run repeats exactly what an uninterrupted one would have done.
#include <torch/types.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "mgc/run/config.h"
#include "mgc/train/augment.h"
#include "mgc/train/run_data.h"

namespace mgc::train {

struct Batch {
  torch::Tensor db;      // [B, 1, M, W]
  torch::Tensor labels;  // [B]
  Mixup mix;
};

// One training sample: a random window of a clip.
struct Sample {
  int64_t clip;
  int label;
};

// The epoch's order of samples for one rank, as torch's DistributedSampler deals it: the whole order padded with
// its first samples to a multiple of world_size, then every world_size-th sample from position rank. So batch b of
// every rank together holds positions [b * B * W, (b + 1) * B * W) of the order: one batch of B * W in one process.
void shard(const std::vector<Sample>& order, int rank, int world_size, std::vector<Sample>* samples,
           std::vector<int64_t>* positions);

// Builds the batches of one epoch on config.loader_threads worker threads, handing them out in order. Holds
// references to its arguments: they must outlive it.
class EpochLoader {
 public:
  // samples: this rank's shard of the epoch's order; positions[i]: the place of samples[i] in the whole order
  // (its crop depends only on that, so it is the same whatever the world size).
  // by_label[c]: the train clips of class c (partners of the same-class mix).
  EpochLoader(const RunData& run, const std::vector<Sample>& samples, const std::vector<int64_t>& positions,
              const std::vector<std::vector<int64_t>>& by_label, const run::TrainConfig& config, int epoch, int rank);
  ~EpochLoader();
  EpochLoader(const EpochLoader&) = delete;
  EpochLoader& operator=(const EpochLoader&) = delete;

  // Batches in the epoch (a last batch of one sample is dropped: it would break BatchNorm).
  int64_t size() const { return batches_; }

  // Batch b (in order); adds the seconds spent waiting for it to *waited. Rethrows a worker's exception.
  Batch get(int64_t b, double* waited);

 private:
  void work(int w, int workers);
  Batch make(int64_t b);

  const RunData& run_;
  const std::vector<Sample>& samples_;
  const std::vector<int64_t>& positions_;
  const std::vector<std::vector<int64_t>>& by_label_;
  const run::TrainConfig& config_;
  const int epoch_;
  const int rank_;
  int64_t batches_ = 0;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<int64_t, Batch> ready_;
  int64_t consumed_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace mgc::train
