#pragma once
// A progress bar for long work, on stderr: "label [#####.....] 120/400 30% 12.3/s ETA 0:23 | extra". Redrawn at
// most 10 times a second on a terminal; off a terminal (logs, CI) it prints a plain line every 10% instead.
// Thread-safe: tick() may be called from worker threads.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>

namespace mgc {

class Progress {
 public:
  // total: number of steps (0 = unknown). enabled = false silences it (e.g. --quiet).
  Progress(std::string label, int64_t total, bool enabled = true);
  // The same, drawn to `out` as on a terminal when `tty` (for tests: stderr and isatty otherwise).
  Progress(std::string label, int64_t total, bool enabled, std::FILE* out, bool tty);
  ~Progress();  // finishes the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Advances by n steps; `extra` (e.g. "loss 0.42 acc 0.81") replaces the text shown after the bar.
  void tick(int64_t n = 1, const std::string& extra = "");
  void set_extra(const std::string& extra);
  // Runs `print`, which writes whole lines (to stdout or stderr), with the bar out of their way: on a terminal the
  // bar's line is cleared first and the bar drawn again below them, so a line never starts after the bar.
  void print_above(const std::function<void()>& print);
  // Draws the final state and ends the line. Called by the destructor if not before.
  void finish();

  int64_t done() const { return done_.load(); }
  double elapsed_seconds() const;

 private:
  void draw(bool final, bool force = false);

  std::string label_;
  int64_t total_;
  bool enabled_;
  std::FILE* out_;
  bool tty_;
  bool drawn_ = false;  // a bar is on the terminal's current line
  std::atomic<int64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  int last_decile_ = -1;
  bool finished_ = false;
  std::string extra_;
  std::mutex mutex_;
};

// "1:02:03" / "2:03" for a number of seconds.
std::string format_duration(double seconds);

}  // namespace mgc
