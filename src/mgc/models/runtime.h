#pragma once
// Process-wide runtime settings of libtorch (threads) and facts about it, kept out of other headers so that they
// need not include libtorch.
#include <string>

namespace mgc {

// Sets libtorch's intra-op thread count. 0 means all cores (std::thread::hardware_concurrency()).
// Debian's libtorch 1.13 starts with 1 thread on a 2-core machine, so every command calls this.
void set_num_threads(int threads);

// Current intra-op thread count.
int num_threads();

// Tunes glibc's malloc for tensor work, once per process, before the first big allocation: every block comes
// from the heap instead of a fresh mmap (glibc's default maps and unmaps each block above its threshold, and
// every page of it then faults in zeroed, again for every batch), the heap grows 64 MiB at a time, and up to
// 1 GiB of freed heap is kept for reuse instead of being returned (why, measured: docs/PERFORMANCE.md). Costs
// resident memory: freed memory
// stays with the process up to that limit. Does nothing when MGC_MALLOC=system, when the user set glibc's own
// MALLOC_* / GLIBC_TUNABLES settings, or on a C library other than glibc. Returns whether it changed anything.
// Never throws.
bool tune_malloc_for_tensors();

// One line describing the libtorch build: version, CUDA availability, threads.
std::string torch_summary();

}  // namespace mgc
