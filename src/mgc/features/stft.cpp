#include "mgc/features/stft.h"

#include <fftw3.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/features/fftw_planner.h"

namespace mgc::features {

// FFTW's planner is not thread-safe; executing a plan on new arrays is. Plans are made once per size and kept.
std::mutex& fftw_planner_mutex() {
  static std::mutex m;
  return m;
}

namespace {

std::mutex& planner_mutex() { return fftw_planner_mutex(); }

// FFTW_MEASURE finds a plan about 25% faster than FFTW_ESTIMATE's for n_fft 2048 here, but takes ~140 ms; the
// result ("wisdom") is kept in the user's cache folder so only the first process pays for it.
std::string wisdom_path() {
  try {
    return user_cache_dir() + "/fftw-wisdom";
  } catch (const Error&) {  // no home: plan anew in every process
    return "";
  }
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
  // One transform per call, not a batched plan: measured here, FFTW's batched r2c (howmany 16) was 15% slower
  // with frame-major output and 2x slower with bin-major output than 16 single transforms.
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

void PowerStft::run(const float* samples, int64_t n, BlockFn fn, void* ctx) const {
  const int64_t frames = num_frames(n, config_);
  const int n_fft = config_.n_fft;
  const int n_bins = config_.n_bins();
  constexpr int block = kBlock;
  const int64_t pad = config_.center ? n_fft / 2 : 0;
  // Each frame's input and output start on a 64-byte boundary, the alignment FFTW planned for (fftwf_malloc).
  const size_t in_stride = (static_cast<size_t>(n_fft) + 15) / 16 * 16;
  const size_t out_stride = (static_cast<size_t>(n_bins) + 7) / 8 * 8;
  auto in = fftw_alloc<float>(block * in_stride);
  auto out = fftw_alloc<fftwf_complex>(block * out_stride);
  auto power = fftw_alloc<float>(static_cast<size_t>(block) * n_bins);
  const float* win = window_.data();
  const bool reflect = config_.pad_mode == PadMode::Reflect;

  for (int64_t first = 0; first < frames; first += block) {
    const int count = static_cast<int>(std::min<int64_t>(block, frames - first));
    for (int f = 0; f < count; ++f) {
      float* buf = in.get() + f * in_stride;
      const int64_t start = (first + f) * config_.hop_length - pad;
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
      fftwf_execute_dft_r2c(plan_->fft, buf, out.get() + f * out_stride);
    }
    // Bin-major power: p[k * block + f]. The last block's unused columns are zeroed (never read as frames).
    float* p = power.get();
    if (count < block) std::fill(p, p + static_cast<size_t>(block) * n_bins, 0.0f);
    int k0 = 0;
#if defined(__SSE2__)
    // 4 bins x 4 frames at a time: |X|^2 of 4 consecutive bins of each frame, then a 4x4 transpose into bin-major.
    const int full = count / 4 * 4;
    for (; k0 + 4 <= n_bins; k0 += 4) {
      for (int f = 0; f < full; f += 4) {
        __m128 r[4];
        for (int i = 0; i < 4; ++i) {
          const float* c = out[(f + i) * out_stride + static_cast<size_t>(k0)];
          const __m128 a = _mm_loadu_ps(c), b = _mm_loadu_ps(c + 4);  // re0 im0 re1 im1 | re2 im2 re3 im3
          const __m128 re = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
          const __m128 im = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
          r[i] = _mm_add_ps(_mm_mul_ps(re, re), _mm_mul_ps(im, im));
        }
        _MM_TRANSPOSE4_PS(r[0], r[1], r[2], r[3]);
        for (int i = 0; i < 4; ++i) _mm_storeu_ps(p + static_cast<size_t>(k0 + i) * block + f, r[i]);
      }
      for (int f = full; f < count; ++f)
        for (int i = 0; i < 4; ++i) {
          const float* c = out[f * out_stride + static_cast<size_t>(k0 + i)];
          p[static_cast<size_t>(k0 + i) * block + f] = c[0] * c[0] + c[1] * c[1];
        }
    }
#endif
    for (int k = k0; k < n_bins; ++k) {
      float* row = p + static_cast<size_t>(k) * block;
      for (int f = 0; f < count; ++f) {
        const float* c = out[f * out_stride + static_cast<size_t>(k)];
        row[f] = c[0] * c[0] + c[1] * c[1];
      }
    }
    if (power_ == 1.0) {
      for (size_t i = 0; i < static_cast<size_t>(block) * n_bins; ++i) p[i] = std::sqrt(p[i]);
    } else if (power_ != 2.0) {
      for (size_t i = 0; i < static_cast<size_t>(block) * n_bins; ++i)
        p[i] = static_cast<float>(std::pow(static_cast<double>(p[i]), power_ / 2.0));
    }
    fn(ctx, first, count, p);
  }
}

Spectrogram PowerStft::compute(const float* samples, int64_t n) const {
  Spectrogram s(n_bins(), num_frames(n, config_));
  for_each_block(samples, n, [&](int64_t first, int count, const float* power) {
    for (int64_t k = 0; k < s.rows; ++k) std::copy(power + k * kBlock, power + k * kBlock + count, &s.at(k, first));
  });
  return s;
}

}  // namespace mgc::features
