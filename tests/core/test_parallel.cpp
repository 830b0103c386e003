#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <stdexcept>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/core/hash.h"
#include "mgc/core/parallel.h"
#include "mgc/core/progress.h"

TEST(Parallel, EveryIndexRunsExactlyOnce) {
  std::vector<std::atomic<int>> hits(1000);
  mgc::parallel_for(1000, 4, [&](int64_t i, int worker) {
    ASSERT_GE(worker, 0);
    ASSERT_LT(worker, 4);
    hits[static_cast<size_t>(i)]++;
  });
  for (const auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(Parallel, FirstExceptionIsRethrownAfterJoin) {
  std::atomic<int> ran{0};
  EXPECT_THROW(mgc::parallel_for(100, 2,
                                 [&](int64_t i, int) {
                                   ran++;
                                   if (i == 10) throw std::runtime_error("boom");
                                   // Later tasks take long enough (89 x 2 ms) that the worker which threw stops
                                   // the hand-out long before the other one could drain it.
                                   if (i > 10) std::this_thread::sleep_for(std::chrono::milliseconds(2));
                                 }),
               std::runtime_error);
  EXPECT_LT(ran.load(), 100);  // hand-out stopped early
  EXPECT_THROW(mgc::resolve_threads(-1), mgc::Error);
  EXPECT_GE(mgc::resolve_threads(0), 1);
}

TEST(Hash, Fnv1aKnownValues) {
  // Reference values of 64-bit FNV-1a.
  EXPECT_EQ(mgc::fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(mgc::fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(mgc::to_hex(0xaf63dc4c8601ec8cull), "af63dc4c8601ec8c");
  EXPECT_THROW(mgc::hash_file("/nonexistent/file"), mgc::Error);
}

TEST(Progress, DurationFormat) {
  EXPECT_EQ(mgc::format_duration(0), "0:00");
  EXPECT_EQ(mgc::format_duration(83), "1:23");
  EXPECT_EQ(mgc::format_duration(3723), "1:02:03");
  EXPECT_EQ(mgc::format_duration(-1), "?");
}
