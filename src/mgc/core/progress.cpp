#include "mgc/core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace mgc {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

Progress::Progress(std::string label, int64_t total, bool enabled)
    : Progress(std::move(label), total, enabled, stderr, isatty(STDERR_FILENO) == 1) {}

Progress::Progress(std::string label, int64_t total, bool enabled, std::FILE* out, bool tty)
    : label_(std::move(label)), total_(total), enabled_(enabled), out_(out), tty_(tty),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() { finish(); }

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::tick(int64_t n, const std::string& extra) {
  done_ += n;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!extra.empty()) extra_ = extra;
  draw(false);
}

void Progress::set_extra(const std::string& extra) {
  std::lock_guard<std::mutex> lock(mutex_);
  extra_ = extra;
}

void Progress::print_above(const std::function<void()>& print) {
  std::lock_guard<std::mutex> lock(mutex_);
  const bool clear = enabled_ && tty_ && drawn_ && !finished_;
  if (clear) {
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
    drawn_ = false;
  }
  print();
  std::fflush(stdout);
  if (clear) draw(false, true);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool final, bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const int64_t done = done_.load();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? done / elapsed : 0.0;
  if (tty_) {
    if (!final && !force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  } else {
    const int decile = total_ > 0 ? static_cast<int>(10 * done / std::max<int64_t>(total_, 1)) : -1;
    // The last step is left to the final line ("in 0:12"), which follows it at once.
    if (!final && (decile == last_decile_ || total_ <= 0 || done >= total_)) return;
    last_decile_ = decile;
  }
  last_draw_ = now;
  std::string line = label_;
  if (total_ > 0) {
    const double frac = std::min(1.0, static_cast<double>(done) / total_);
    const int width = 24;
    const int filled = static_cast<int>(frac * width);
    line += " [" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
    line += fmt::format(" {}/{} {:3.0f}%", done, total_, 100.0 * frac);
    const double eta = rate > 0 ? (total_ - done) / rate : NAN;
    line += fmt::format(" {:.1f}/s {} {}", rate, final ? "in" : "ETA", format_duration(final ? elapsed : eta));
  } else {
    line += fmt::format(" {} {:.1f}/s {}", done, rate, format_duration(elapsed));
  }
  if (!extra_.empty()) line += " | " + extra_;
  if (tty_) std::fprintf(out_, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  else std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
  drawn_ = tty_ && !final;
}

}  // namespace mgc
