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

namespace {
std::string file_text(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  for (int c; (c = std::fgetc(f)) != EOF;) text += static_cast<char>(c);
  return text;
}
}  // namespace

// Issue #34: on a terminal, a line printed while a bar is drawn (mgc tag's result lines) starts on a cleared line
// and the bar is drawn again below it, never "tag [####....] 1/2row".
TEST(Progress, LinesPrintedAboveTheBarNeverShareItsLine) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    mgc::Progress bar("tag", 2, true, out, true);
    bar.print_above([&] { std::fputs("first\n", out); });  // nothing drawn yet: nothing to clear
    std::this_thread::sleep_for(std::chrono::milliseconds(120));  // past the redraw interval
    bar.tick();
    bar.print_above([&] { std::fputs("second\n", out); });
    bar.tick();
    bar.finish();
    bar.print_above([&] { std::fputs("third\n", out); });  // the bar's line is ended: nothing to clear
  }
  const std::string text = file_text(out);
  std::fclose(out);
  EXPECT_EQ(text.rfind("first\n\r\033[Ktag [", 0), 0u) << text;
  const std::string bar1 = "tag [############............] 1/2  50%";
  const size_t drawn = text.find("\r\033[K" + bar1);
  ASSERT_NE(drawn, std::string::npos) << text;
  const size_t second = text.find("\r\033[Ksecond\n\r\033[K" + bar1, drawn);
  EXPECT_NE(second, std::string::npos) << text;
  EXPECT_NE(text.find("2/2 100%", second), std::string::npos) << text;
  EXPECT_EQ(text.substr(text.size() - 7), "\nthird\n") << text;
}

TEST(Progress, DisabledDrawsNothingAndPrintsTheLines) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    mgc::Progress bar("tag", 1, false, out, true);
    bar.tick();
    bar.print_above([&] { std::fputs("row\n", out); });
  }
  EXPECT_EQ(file_text(out), "row\n");
  std::fclose(out);
}
