#include "mgc/core/runtime.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <thread>

#include "mgc/core/error.h"

namespace mgc {

void set_num_threads(int threads) {
  if (threads < 0) throw make_error("runtime", "threads must be >= 0 (0 = all cores), got {}", threads);
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
}

int num_threads() { return at::get_num_threads(); }

std::string torch_summary() {
  return fmt::format("libtorch {} (CUDA {}), {} intra-op thread(s)", TORCH_VERSION,
                     torch::cuda::is_available() ? "available" : "not available", at::get_num_threads());
}

}  // namespace mgc
