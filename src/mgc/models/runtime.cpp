#include "mgc/models/runtime.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <cstdlib>
#include <cstring>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "mgc/core/error.h"

namespace mgc {

void set_num_threads(int threads) {
  if (threads < 0) throw make_error("runtime", "threads must be >= 0 (0 = all cores), got {}", threads);
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
}

int num_threads() { return at::get_num_threads(); }

bool tune_malloc_for_tensors() {
#if defined(__GLIBC__)
  if (const char* v = std::getenv("MGC_MALLOC"); v && std::strcmp(v, "system") == 0) return false;
  for (const char* name : {"GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                           "MALLOC_MMAP_MAX_"})
    if (std::getenv(name)) return false;
  // No block gets its own mmap: glibc's largest threshold is 32 MiB, and one activation of a batch is bigger
  // (audio_cnn's first block: 32 x 32 x 128 x 130 floats, 68 MB).
  bool ok = mallopt(M_MMAP_MAX, 0) == 1;
  ok = mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 && ok;
  ok = mallopt(M_TOP_PAD, 64 << 20) == 1 && ok;
  return ok;
#else
  return false;
#endif
}

std::string torch_summary() {
  return fmt::format("libtorch {} (CUDA {}), {} intra-op thread(s)", TORCH_VERSION,
                     torch::cuda::is_available() ? "available" : "not available", at::get_num_threads());
}

}  // namespace mgc
