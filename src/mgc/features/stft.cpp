#include "mgc/features/stft.h"

#include <fftw3.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"

namespace mgc::features {
namespace {

// FFTW's planner is not thread-safe; executing a plan on new arrays is. Plans are made once per size and kept.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

struct FftwFree {
  void operator()(void* p) const { fftwf_free(p); }
};
template <typename T>
using FftwBuffer = std::unique_ptr<T[], FftwFree>;

template <typename T>
FftwBuffer<T> fftw_alloc(size_t n) {
  auto* p = static_cast<T*>(fftwf_malloc(sizeof(T) * n));
  if (!p) throw make_error("features", "out of memory allocating an FFT buffer of {} values", n);
  return FftwBuffer<T>(p);
}

// FFTW_MEASURE finds a plan about 25% faster than FFTW_ESTIMATE's for n_fft 2048 here, but takes ~140 ms; the
// result ("wisdom") is kept in the user's cache folder so only the first process pays for it.
std::string wisdom_path() {
  if (const char* d = std::getenv("MGC_CACHE_DIR"); d && *d) return std::string(d) + "/fftw-wisdom";
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/mgc/fftw-wisdom";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/mgc/fftw-wisdom";
  return "";
}

fftwf_plan plan_for(int n_fft) {
  static std::map<int, fftwf_plan> plans;  // lives for the process, like FFTW's own wisdom
  static bool wisdom_loaded = false;
  std::lock_guard<std::mutex> lock(planner_mutex());
  auto it = plans.find(n_fft);
  if (it != plans.end()) return it->second;
  const std::string wisdom = wisdom_path();
  if (!wisdom_loaded && !wisdom.empty()) {
    fftwf_import_wisdom_from_filename(wisdom.c_str());  // a missing or stale file just means planning anew
    wisdom_loaded = true;
  }
  auto in = fftw_alloc<float>(static_cast<size_t>(n_fft));
  auto out = fftw_alloc<fftwf_complex>(static_cast<size_t>(n_fft / 2 + 1));
  const unsigned flags = FFTW_MEASURE | FFTW_DESTROY_INPUT;
  fftwf_plan plan = fftwf_plan_dft_r2c_1d(n_fft, in.get(), out.get(), flags | FFTW_WISDOM_ONLY);
  if (!plan) {
    plan = fftwf_plan_dft_r2c_1d(n_fft, in.get(), out.get(), flags);
    if (plan && !wisdom.empty()) {
      if (char* text = fftwf_export_wisdom_to_string()) {
        try {
          std::filesystem::create_directories(std::filesystem::path(wisdom).parent_path());
          write_file_atomic(wisdom, text);
        } catch (const std::exception&) {
          // A read-only cache folder costs only planning time in later processes.
        }
        fftwf_free(text);
      }
    }
  }
  if (!plan) throw make_error("features", "FFTW could not plan a real FFT of size {}", n_fft);
  plans.emplace(n_fft, plan);
  return plan;
}

}  // namespace

struct PowerStft::Plan {
  fftwf_plan fft = nullptr;
};

void StftConfig::validate() const {
  if (n_fft < 2 || n_fft > (1 << 20) || n_fft % 2 != 0)
    throw make_error("features", "StftConfig.n_fft must be an even number in 2..{}, got {}", 1 << 20, n_fft);
  if (hop_length < 1) throw make_error("features", "StftConfig.hop_length must be >= 1, got {}", hop_length);
  if (win_length < 0 || win_length > n_fft)
    throw make_error("features", "StftConfig.win_length must be in 0..n_fft ({}), got {}", n_fft, win_length);
}

int64_t num_frames(int64_t n_samples, const StftConfig& config) {
  if (n_samples <= 0) throw make_error("features", "stft: empty signal");
  if (!config.center) {
    if (n_samples < config.n_fft)
      throw make_error("features", "stft: {} samples is shorter than n_fft={} with center=false", n_samples,
                       config.n_fft);
    return 1 + (n_samples - config.n_fft) / config.hop_length;
  }
  if (config.pad_mode == PadMode::Reflect && n_samples <= config.n_fft / 2)
    throw make_error("features", "stft: {} samples is too short for reflect padding of {}", n_samples,
                     config.n_fft / 2);
  const int64_t padded = n_samples + 2 * static_cast<int64_t>(config.n_fft / 2);
  return 1 + (padded - config.n_fft) / config.hop_length;
}

std::vector<double> hann_window(int win_length, int n_fft) {
  std::vector<double> w(static_cast<size_t>(n_fft), 0.0);
  const int lpad = (n_fft - win_length) / 2;
  for (int i = 0; i < win_length; ++i)
    w[static_cast<size_t>(lpad + i)] = 0.5 - 0.5 * std::cos(2.0 * M_PI * i / win_length);
  return w;
}

PowerStft::PowerStft(const StftConfig& config, double power) : config_(config), power_(power) {
  config_.validate();
  if (!(power > 0.0) || !std::isfinite(power))
    throw make_error("features", "stft: power must be a positive number, got {}", power);
  const auto w = hann_window(config_.effective_win_length(), config_.n_fft);
  window_.assign(w.begin(), w.end());
  plan_ = std::make_unique<Plan>();
  plan_->fft = plan_for(config_.n_fft);
}

PowerStft::~PowerStft() = default;
PowerStft::PowerStft(PowerStft&&) noexcept = default;
PowerStft& PowerStft::operator=(PowerStft&&) noexcept = default;

void PowerStft::run(const float* samples, int64_t n, FrameFn fn, void* ctx) const {
  const int64_t frames = num_frames(n, config_);
  const int n_fft = config_.n_fft;
  const int n_bins = config_.n_bins();
  const int64_t pad = config_.center ? n_fft / 2 : 0;
  auto in = fftw_alloc<float>(static_cast<size_t>(n_fft));
  auto out = fftw_alloc<fftwf_complex>(static_cast<size_t>(n_bins));
  std::vector<float> spectrum(static_cast<size_t>(n_bins));
  const float* win = window_.data();
  const bool reflect = config_.pad_mode == PadMode::Reflect;

  for (int64_t t = 0; t < frames; ++t) {
    const int64_t start = t * config_.hop_length - pad;
    float* buf = in.get();
    if (start >= 0 && start + n_fft <= n) {
      const float* src = samples + start;
      for (int j = 0; j < n_fft; ++j) buf[j] = src[j] * win[j];
    } else {
      for (int j = 0; j < n_fft; ++j) {
        int64_t idx = start + j;
        float v = 0.0f;
        if (reflect) {
          // numpy's 'reflect' mirrors without repeating the edge sample.
          while (idx < 0 || idx >= n) idx = idx < 0 ? -idx : 2 * (n - 1) - idx;
          v = samples[idx];
        } else if (idx >= 0 && idx < n) {
          v = samples[idx];
        }
        buf[j] = v * win[j];
      }
    }
    fftwf_execute_dft_r2c(plan_->fft, buf, out.get());
    const fftwf_complex* c = out.get();
    if (power_ == 2.0) {
      for (int k = 0; k < n_bins; ++k) spectrum[k] = c[k][0] * c[k][0] + c[k][1] * c[k][1];
    } else if (power_ == 1.0) {
      for (int k = 0; k < n_bins; ++k) spectrum[k] = std::hypot(c[k][0], c[k][1]);
    } else {
      for (int k = 0; k < n_bins; ++k)
        spectrum[k] = static_cast<float>(std::pow(std::hypot(c[k][0], c[k][1]), power_));
    }
    fn(ctx, t, spectrum.data());
  }
}

Spectrogram PowerStft::compute(const float* samples, int64_t n) const {
  Spectrogram s(n_bins(), num_frames(n, config_));
  for_each_frame(samples, n, [&](int64_t t, const float* spectrum) {
    for (int64_t k = 0; k < s.rows; ++k) s.at(k, t) = spectrum[k];
  });
  return s;
}

}  // namespace mgc::features
