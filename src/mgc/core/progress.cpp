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
    : label_(std::move(label)), total_(total), enabled_(enabled), tty_(isatty(STDERR_FILENO) == 1),
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

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool final) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const int64_t done = done_.load();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? done / elapsed : 0.0;
  if (tty_) {
    if (!final && now - last_draw_ < std::chrono::milliseconds(100)) return;
  } else {
    const int decile = total_ > 0 ? static_cast<int>(10 * done / std::max<int64_t>(total_, 1)) : -1;
    if (!final && (decile == last_decile_ || total_ <= 0)) return;
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
  if (tty_) std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  else std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace mgc
