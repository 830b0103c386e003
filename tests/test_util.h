#pragma once
// Helpers shared by the tests: temporary folders, running the CLI, making audio files with libsndfile.
#include <sndfile.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mgc::test {

inline std::string data_path(const std::string& name) { return std::string(MGC_TEST_DATA_DIR) + "/" + name; }

// A fresh folder under the system temp dir, removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mgc-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Sets environment variables for a scope, restoring what was there.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const auto& [k, v] : vars) {
      const char* old = std::getenv(k);
      saved_.push_back({k, old ? std::optional<std::string>(old) : std::nullopt});
      if (v) ::setenv(k, v, 1);
      else ::unsetenv(k);
    }
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : saved_) {
      if (v) ::setenv(k.c_str(), v->c_str(), 1);
      else ::unsetenv(k.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command, capturing stdout + stderr.
inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline CommandResult run_cli(const std::string& args) { return run_command(std::string(MGC_CLI) + " " + args); }

// Writes interleaved float samples with libsndfile in the given major|sub format (e.g. SF_FORMAT_WAV|SF_FORMAT_PCM_16).
inline void write_sound(const std::string& path, const std::vector<float>& interleaved, int rate, int channels,
                        int format) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) throw std::runtime_error("sf_open for write failed: " + path + ": " + sf_strerror(nullptr));
  const sf_count_t frames = static_cast<sf_count_t>(interleaved.size() / channels);
  const sf_count_t written = sf_writef_float(f, interleaved.data(), frames);
  sf_close(f);
  if (written != frames) throw std::runtime_error("short write: " + path);
}

// Writes 16-bit PCM WAV samples exactly as given (no float scaling on the way in).
inline void write_pcm16_wav(const std::string& path, const std::vector<short>& samples, int rate) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) throw std::runtime_error("sf_open for write failed: " + path);
  const sf_count_t written = sf_writef_short(f, samples.data(), static_cast<sf_count_t>(samples.size()));
  sf_close(f);
  if (written != static_cast<sf_count_t>(samples.size())) throw std::runtime_error("short write: " + path);
}

// A sine of `hz` at `rate`, `seconds` long, amplitude `amp`.
inline std::vector<float> sine(double hz, int rate, double seconds, double amp = 0.5) {
  std::vector<float> y(static_cast<size_t>(std::llround(seconds * rate)));
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<float>(amp * std::sin(2.0 * M_PI * hz * i / rate));
  return y;
}

// Frequency of the strongest DFT bin between lo and hi Hz (1 Hz steps, Goertzel), for checking tones.
inline double dominant_frequency(const std::vector<float>& y, int rate, double lo, double hi) {
  double best_hz = lo, best = -1.0;
  for (double hz = lo; hz <= hi; hz += 1.0) {
    const double w = 2.0 * M_PI * hz / rate, c = 2.0 * std::cos(w);
    double s1 = 0.0, s2 = 0.0;
    for (float v : y) {
      const double s = v + c * s1 - s2;
      s2 = s1;
      s1 = s;
    }
    const double p = s1 * s1 + s2 * s2 - c * s1 * s2;
    if (p > best) {
      best = p;
      best_hz = hz;
    }
  }
  return best_hz;
}

}  // namespace mgc::test
