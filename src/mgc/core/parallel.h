#pragma once
// parallel_for over [0, n) on `threads` std::threads (0 = all cores). Each index runs exactly once. The first
// exception thrown by `fn` stops the hand-out of new indices and is rethrown in the caller after all threads
// joined. For per-item error handling (batch commands that go on after a bad file), catch inside fn.
#include <cstdint>
#include <functional>

namespace mgc {

// fn(index, worker) with worker in [0, threads). Throws whatever fn threw first.
void parallel_for(int64_t n, int threads, const std::function<void(int64_t index, int worker)>& fn);

// Resolves a thread count: 0 -> std::thread::hardware_concurrency() (at least 1). Throws mgc::Error if < 0.
int resolve_threads(int threads);

}  // namespace mgc
