#pragma once
// Distributed data-parallel training on libtorch's own engine, c10d: rendezvous through a TCPStore on rank 0's
// host, collectives through ProcessGroupGloo (CPU) or ProcessGroupNCCL (CUDA; compiled only where libtorch has
// it, see nccl_available()). The trainer uses it to broadcast rank 0's parameters and buffers, to all-reduce
// gradients in ~25 MB buckets, to reduce epoch metrics, and to share small blobs (config, checkpoint bytes)
// through the store. docs/DISTRIBUTED.md describes the protocol and how to launch it.
//
// The c10d headers (and <gloo/...>) stay in distributed.cpp; this header needs only tensor types.
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mgc/run/config.h"
#include "mgc/train/dist_config.h"

namespace mgc::train {

// True when mgc was built against a libtorch with CUDA and NCCL (MGC_WITH_NCCL): `--dist-backend nccl` works.
bool nccl_available();

// One process's membership of a process group. Every call is collective: all ranks must make the same calls in
// the same order with tensors of the same shapes, or they block until the timeout and throw.
class DistGroup {
 public:
  // Meets the other world_size - 1 processes at master_addr:master_port, where rank 0 serves c10d's TCPStore
  // (share() works from here on). Throws mgc::Error: bad config, rendezvous failure or timeout.
  explicit DistGroup(const DistConfig& config);
  ~DistGroup();
  DistGroup(const DistGroup&) = delete;
  DistGroup& operator=(const DistGroup&) = delete;

  // Creates the backend's process group (needed by every collective below); `device` is where the collectives'
  // tensors live (a CUDA device for nccl). Throws mgc::Error: nccl in a build without it (see nccl_available())
  // or on a CPU device, or the group cannot form.
  void init_backend(const torch::Device& device);

  int rank() const;
  int world_size() const;
  bool is_main() const { return rank() == 0; }
  const torch::Device& device() const;

  // Sums each tensor element-wise over all ranks, in place. Tensors on device(). Throws mgc::Error.
  void all_reduce_sum(std::vector<torch::Tensor>& tensors);

  // Averages the gradients of `params` (those with a defined grad) over all ranks, in place: flattened into
  // buckets of at most bucket_bytes per dtype, each bucket summed, divided by world_size, copied back.
  void average_gradients(const std::vector<torch::Tensor>& params, int64_t bucket_bytes = 25ll << 20);

  // Overwrites each tensor (parameters, buffers: in place, under no-grad) with rank `root`'s values, bucketed
  // like average_gradients.
  void broadcast(const std::vector<torch::Tensor>& tensors, int root = 0, int64_t bucket_bytes = 25ll << 20);

  // Sums doubles over all ranks (epoch loss and counts). Returns the sums.
  std::vector<double> sum(const std::vector<double>& values);

  // Shares bytes through the store: rank `root` passes `bytes`, every rank gets them back (root too). `key` must
  // be new for this group. For blobs up to a few hundred MB (a checkpoint).
  std::string share(const std::string& key, const std::string& bytes, int root = 0);

  // On the root of share(key): returns once every other rank has received the blob (so the root may exit, taking
  // the store with it when it is rank 0), or throws mgc::Error after the timeout.
  void wait_until_shared(const std::string& key);

  // Returns when every rank has called it.
  void barrier();

 private:
  void require_backend() const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mgc::train
