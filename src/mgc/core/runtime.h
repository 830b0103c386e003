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

// One line describing the libtorch build: version, CUDA availability, threads.
std::string torch_summary();

}  // namespace mgc
