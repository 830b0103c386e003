#pragma once
// Which process of a distributed training run this is, and how the processes meet. Header kept free of libtorch.
#include <string>

namespace mgc::train {

// Distributed data-parallel training (see train/distributed.h and docs/DISTRIBUTED.md): which process this is and how
// the processes meet. Not part of config.json: the same run may be resumed on other machines. Unset fields (""
// or < 0 / 0 as noted) are filled by resolve_dist_config from the torchrun-style environment variables.
struct DistConfig {
  std::string backend;      // "" = one process (or gloo if world_size > 1); gloo (CPU; CUDA where Gloo has it) | nccl
  int world_size = 0;       // processes in all; 0 = $WORLD_SIZE, else 1
  int rank = -1;            // this process, 0..world_size-1; -1 = $RANK, else 0
  int local_rank = -1;      // this process on its machine (picks cuda:local_rank); -1 = $LOCAL_RANK, else rank
  std::string master_addr;  // host of rank 0's TCPStore; "" = $MASTER_ADDR, else 127.0.0.1
  int master_port = 0;      // its port; 0 = $MASTER_PORT, else 29500
  double timeout_seconds = 1800;  // rendezvous and collective time limit (a rank that died is noticed after it)

  bool enabled() const { return !backend.empty(); }
  // Throws mgc::Error naming the field: unknown backend, rank outside 0..world_size-1, port outside 1..65535.
  void validate() const;
};

// `given` with its unset fields taken from MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK, then the
// defaults above; a world size above 1 with no backend named means gloo. Validated. Throws mgc::Error naming a
// malformed variable or field.
DistConfig resolve_dist_config(DistConfig given);

}  // namespace mgc::train
