// mgc::tune_malloc_for_tensors: big blocks come from the heap and freed memory is kept, unless the user opts out.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "mgc/models/runtime.h"

namespace {

#if defined(__GLIBC__)
constexpr size_t kBig = 100u << 20;  // above glibc's largest mmap threshold (32 MiB)

// Bytes that glibc maps for a block of `kBig` bytes (the growth of its mmap'd total while the block is held).
size_t mmapped_for_big_block() {
  const size_t before = mallinfo2().hblkhd;
  char* volatile p = static_cast<char*>(std::malloc(kBig));  // volatile: the compiler may not drop the pair
  std::memset(p, 1, kBig);
  const size_t mapped = mallinfo2().hblkhd;
  std::free(p);
  return mapped - before;
}

// One test, one process: the malloc settings cannot be undone, so the opt-outs are checked before the tuning.
TEST(Runtime, TuneMallocKeepsBigBlocksInTheHeapUnlessTheUserOptsOut) {
  ASSERT_EQ(setenv("MGC_MALLOC", "system", 1), 0);
  EXPECT_FALSE(mgc::tune_malloc_for_tensors());
  EXPECT_GE(mmapped_for_big_block(), kBig);  // glibc's default: a block of its own
  ASSERT_EQ(unsetenv("MGC_MALLOC"), 0);

  ASSERT_EQ(setenv("MALLOC_TOP_PAD_", "0", 1), 0);  // the user's own glibc settings win
  EXPECT_FALSE(mgc::tune_malloc_for_tensors());
  ASSERT_EQ(unsetenv("MALLOC_TOP_PAD_"), 0);

  ASSERT_TRUE(mgc::tune_malloc_for_tensors());
  EXPECT_EQ(mmapped_for_big_block(), 0u);
  // Freed, the block stays with the process for the next batch: the heap's free bytes cover it.
  EXPECT_GE(mallinfo2().fordblks, kBig);
}
#else
TEST(Runtime, TuneMallocDoesNothingOutsideGlibc) { EXPECT_FALSE(mgc::tune_malloc_for_tensors()); }
#endif

}  // namespace
