#include "mgc/features/mel.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "mgc/core/error.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

namespace mgc::features {
namespace {

constexpr double kSlaneyFsp = 200.0 / 3.0;
constexpr double kMinLogHz = 1000.0;
constexpr double kMinLogMel = kMinLogHz / kSlaneyFsp;

double slaney_logstep() { return std::log(6.4) / 27.0; }

// 10 log10(x) for x >= FLT_MIN (normal), +inf for +inf, in plain float arithmetic that the compiler vectorises:
// x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m from the atanh series in t = (m-1)/(m+1) (|t| < 0.172, terms
// to t^11: truncation below 1e-9), e ln 2 in two parts (Cody-Waite). Within a few float ulps of std::log10,
// i.e. about 1e-5 dB on the -100..+100 dB range, where the librosa parity tests allow 1e-3 dB.
inline float db10(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  int32_t e = static_cast<int32_t>(bits >> 23) - 127;
  const uint32_t mbits = (bits & 0x007FFFFFu) | 0x3F800000u;
  float m;
  std::memcpy(&m, &mbits, sizeof m);
  const bool high = m > 1.41421356f;
  m = high ? 0.5f * m : m;
  e = high ? e + 1 : e;
  const float t = (m - 1.0f) / (m + 1.0f);
  const float t2 = t * t;
  const float series =
      1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7 + t2 * (1.0f / 9 + t2 * (1.0f / 11)))));
  const float fe = static_cast<float>(e);
  const float ln = fe * 0.693145752f + (2.0f * t * series + fe * 1.42860677e-06f);
  const float d = 4.34294482f * ln;  // 10 / ln 10
  return x <= std::numeric_limits<float>::max() ? d : std::numeric_limits<float>::infinity();
}

}  // namespace

void MelConfig::validate() const {
  stft.validate();
  if (sample_rate < 1000 || sample_rate > 768000)
    throw make_error("features", "MelConfig.sample_rate must be in 1000..768000 Hz, got {}", sample_rate);
  if (!(power > 0.0) || !std::isfinite(power))
    throw make_error("features", "MelConfig.power must be positive, got {}", power);
  if (n_mels < 1 || n_mels > 2048) throw make_error("features", "MelConfig.n_mels must be in 1..2048, got {}", n_mels);
  if (!(fmin >= 0.0)) throw make_error("features", "MelConfig.fmin must be >= 0 Hz, got {}", fmin);
  if (fmax < 0.0 || fmax > sample_rate / 2.0)
    throw make_error("features", "MelConfig.fmax must be in 0..sample_rate/2 ({} Hz; 0 = sample_rate/2), got {}",
                     sample_rate / 2.0, fmax);
  if (fmin >= effective_fmax())
    throw make_error("features", "MelConfig.fmin ({} Hz) must be below fmax ({} Hz)", fmin, effective_fmax());
}

void DbConfig::validate() const {
  if (!(amin > 0.0)) throw make_error("features", "DbConfig.amin must be > 0, got {}", amin);
  if (!ref_max && !(ref_value > 0.0))
    throw make_error("features", "DbConfig.ref_value must be > 0, got {}", ref_value);
  if (!std::isfinite(top_db)) throw make_error("features", "DbConfig.top_db must be finite, got {}", top_db);
}

double hz_to_mel(double hz, bool htk) {
  if (htk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  if (hz >= kMinLogHz) return kMinLogMel + std::log(hz / kMinLogHz) / slaney_logstep();
  return hz / kSlaneyFsp;
}

double mel_to_hz(double mel, bool htk) {
  if (htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  if (mel >= kMinLogMel) return kMinLogHz * std::exp(slaney_logstep() * (mel - kMinLogMel));
  return kSlaneyFsp * mel;
}

Spectrogram mel_filterbank(const MelConfig& config) {
  config.validate();
  const int n_fft = config.stft.n_fft;
  const int n_bins = n_fft / 2 + 1;
  const int n_mels = config.n_mels;

  // librosa computes in float64 and stores into a float32 array, then scales that array by the float64 norm.
  std::vector<double> fftfreqs(static_cast<size_t>(n_bins));
  const double bin_hz = 1.0 / (n_fft * (1.0 / config.sample_rate));
  for (int k = 0; k < n_bins; ++k) fftfreqs[static_cast<size_t>(k)] = k * bin_hz;

  const double min_mel = hz_to_mel(config.fmin, config.htk);
  const double max_mel = hz_to_mel(config.effective_fmax(), config.htk);
  std::vector<double> mel_f(static_cast<size_t>(n_mels + 2));
  for (int i = 0; i < n_mels + 2; ++i) {
    const double m = min_mel + (max_mel - min_mel) * i / (n_mels + 1);  // np.linspace
    mel_f[static_cast<size_t>(i)] = mel_to_hz(i == n_mels + 1 ? max_mel : m, config.htk);
  }

  Spectrogram w(n_mels, n_bins);
  for (int i = 0; i < n_mels; ++i) {
    const double fdiff_lo = mel_f[i + 1] - mel_f[i];
    const double fdiff_hi = mel_f[i + 2] - mel_f[i + 1];
    const double enorm = config.norm == MelNorm::Slaney ? 2.0 / (mel_f[i + 2] - mel_f[i]) : 1.0;
    for (int k = 0; k < n_bins; ++k) {
      const double lower = -(mel_f[i] - fftfreqs[k]) / fdiff_lo;
      const double upper = (mel_f[i + 2] - fftfreqs[k]) / fdiff_hi;
      const float tri = static_cast<float>(std::max(0.0, std::min(lower, upper)));
      w.at(i, k) = static_cast<float>(tri * enorm);
    }
  }
  return w;
}

MelSpectrogram::MelSpectrogram(const MelConfig& config) : config_(config), stft_((config.validate(), config.stft),
                                                                                  config.power) {
  const Spectrogram fb = mel_filterbank(config_);
  bands_.resize(static_cast<size_t>(config_.n_mels));
  for (int m = 0; m < config_.n_mels; ++m) {
    int first = -1, last = -1;
    for (int k = 0; k < fb.cols; ++k) {
      if (fb.at(m, k) != 0.0f) {
        if (first < 0) first = k;
        last = k;
      }
    }
    Band& band = bands_[static_cast<size_t>(m)];
    if (first < 0) continue;  // an empty band (too many mels for n_fft): its output stays 0, as in librosa
    band.first_bin = first;
    for (int k = first; k <= last; ++k) band.weights.push_back(fb.at(m, k));
  }
}

Spectrogram MelSpectrogram::power(const float* samples, int64_t n) const {
  Spectrogram out(config_.n_mels, num_frames(n, config_.stft));
  constexpr int block = PowerStft::kBlock;
  // Each band is a short run of bins; the spectra come bin-major, so the inner loop runs over kBlock frames with
  // unit stride (vectorised) and each band's result is a contiguous piece of its output row.
  stft_.for_each_block(samples, n, [&](int64_t first, int count, const float* power) {
    alignas(16) float acc[block];
    for (size_t m = 0; m < bands_.size(); ++m) {
      const Band& band = bands_[m];
      const float* p = power + static_cast<size_t>(band.first_bin) * block;
      const float* w = band.weights.data();
      const size_t width = band.weights.size();
#if defined(__SSE2__)
      static_assert(block == 16, "the SSE2 projection keeps 16 frames in 4 registers");
      __m128 a0 = _mm_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
      for (size_t k = 0; k < width; ++k, p += block) {
        const __m128 wk = _mm_set1_ps(w[k]);
        a0 = _mm_add_ps(a0, _mm_mul_ps(wk, _mm_loadu_ps(p)));
        a1 = _mm_add_ps(a1, _mm_mul_ps(wk, _mm_loadu_ps(p + 4)));
        a2 = _mm_add_ps(a2, _mm_mul_ps(wk, _mm_loadu_ps(p + 8)));
        a3 = _mm_add_ps(a3, _mm_mul_ps(wk, _mm_loadu_ps(p + 12)));
      }
      _mm_store_ps(acc, a0);
      _mm_store_ps(acc + 4, a1);
      _mm_store_ps(acc + 8, a2);
      _mm_store_ps(acc + 12, a3);
#else
      std::fill(acc, acc + block, 0.0f);
      for (size_t k = 0; k < width; ++k, p += block)
        for (int j = 0; j < block; ++j) acc[j] += w[k] * p[j];
#endif
      std::copy(acc, acc + count, out.values.begin() + static_cast<std::ptrdiff_t>(m * out.cols + first));
    }
  });
  return out;
}

Spectrogram MelSpectrogram::log_mel(const float* samples, int64_t n, const DbConfig& db) const {
  db.validate();
  Spectrogram s = power(samples, n);
  power_to_db(s, db);
  return s;
}

float power_peak(const Spectrogram& s, const DbConfig& db) {
  float peak = static_cast<float>(db.amin);
  for (float v : s.values) peak = v > peak ? v : peak;  // NaN compares false: ignored
  return peak;
}

void power_to_db(Spectrogram& s, const DbConfig& db) { power_to_db_with_peak(s, db, power_peak(s, db)); }

void power_to_db_with_peak(Spectrogram& s, const DbConfig& db, float peak_power) {
  db.validate();
  if (s.values.empty()) return;
  const float amin = static_cast<float>(db.amin);
  // The peak is the dB of the largest power (dB is monotonic), so floor and conversion fuse into one pass.
  const float max_power = std::max(amin, peak_power);
  const float ref = db.ref_max ? max_power : static_cast<float>(db.ref_value);
  if (!(amin >= std::numeric_limits<float>::min())) {
    // A subnormal (or float-underflowing) amin: the fast logarithm needs normal numbers; use the library's.
    const float ref_db = 10.0f * std::log10(std::max(amin, ref));
    const float peak = 10.0f * std::log10(max_power) - ref_db;
    const float floor = db.top_db > 0.0 ? peak - static_cast<float>(db.top_db) : -std::numeric_limits<float>::infinity();
    for (float& v : s.values) v = std::max(floor, 10.0f * std::log10(std::max(amin, v)) - ref_db);
    return;
  }
  const float ref_db = db10(std::max(amin, ref));
  const float peak = db10(max_power) - ref_db;
  const float floor = db.top_db > 0.0 ? peak - static_cast<float>(db.top_db) : -std::numeric_limits<float>::infinity();
  float* v = s.values.data();
  const size_t count = s.values.size();
  size_t i = 0;
#if defined(__SSE2__)
  // db10 four values at a time (the compiler does not vectorise it: float selects under -ftrapping-math).
  {
    const __m128 v_amin = _mm_set1_ps(amin), v_floor = _mm_set1_ps(floor), v_ref = _mm_set1_ps(ref_db);
    const __m128 one = _mm_set1_ps(1.0f), half = _mm_set1_ps(0.5f), sqrt2 = _mm_set1_ps(1.41421356f);
    const __m128 big = _mm_set1_ps(std::numeric_limits<float>::max());
    const __m128 inf = _mm_set1_ps(std::numeric_limits<float>::infinity());
    const __m128i mant = _mm_set1_epi32(0x007FFFFF), expo_one = _mm_set1_epi32(0x3F800000), bias = _mm_set1_epi32(127);
    for (; i + 4 <= count; i += 4) {
      const __m128 x = _mm_max_ps(_mm_loadu_ps(v + i), v_amin);  // NaN -> amin
      const __m128i bits = _mm_castps_si128(x);
      __m128i e = _mm_sub_epi32(_mm_srli_epi32(bits, 23), bias);
      __m128 m = _mm_castsi128_ps(_mm_or_si128(_mm_and_si128(bits, mant), expo_one));
      const __m128 high = _mm_cmpgt_ps(m, sqrt2);
      m = _mm_or_ps(_mm_and_ps(high, _mm_mul_ps(m, half)), _mm_andnot_ps(high, m));
      e = _mm_sub_epi32(e, _mm_castps_si128(high));  // the mask is -1: e + 1
      const __m128 t = _mm_div_ps(_mm_sub_ps(m, one), _mm_add_ps(m, one));
      const __m128 t2 = _mm_mul_ps(t, t);
      __m128 series = _mm_add_ps(_mm_set1_ps(1.0f / 9), _mm_mul_ps(t2, _mm_set1_ps(1.0f / 11)));
      series = _mm_add_ps(_mm_set1_ps(1.0f / 7), _mm_mul_ps(t2, series));
      series = _mm_add_ps(_mm_set1_ps(1.0f / 5), _mm_mul_ps(t2, series));
      series = _mm_add_ps(_mm_set1_ps(1.0f / 3), _mm_mul_ps(t2, series));
      series = _mm_add_ps(one, _mm_mul_ps(t2, series));
      const __m128 fe = _mm_cvtepi32_ps(e);
      const __m128 low = _mm_add_ps(_mm_mul_ps(_mm_add_ps(t, t), series), _mm_mul_ps(fe, _mm_set1_ps(1.42860677e-06f)));
      const __m128 ln = _mm_add_ps(_mm_mul_ps(fe, _mm_set1_ps(0.693145752f)), low);
      __m128 d = _mm_mul_ps(_mm_set1_ps(4.34294482f), ln);
      const __m128 over = _mm_cmpgt_ps(x, big);
      d = _mm_or_ps(_mm_and_ps(over, inf), _mm_andnot_ps(over, d));
      _mm_storeu_ps(v + i, _mm_max_ps(_mm_sub_ps(d, v_ref), v_floor));
    }
  }
#endif
  for (; i < count; ++i) {
    const float x = v[i] > amin ? v[i] : amin;  // NaN -> amin, as std::max(amin, NaN)
    const float d = db10(x) - ref_db;
    v[i] = d > floor ? d : floor;
  }
}

Spectrogram mfcc_from_db(const Spectrogram& mel_db, int n_mfcc, int lifter) {
  if (n_mfcc < 1 || n_mfcc > mel_db.rows)
    throw make_error("features", "mfcc: n_mfcc must be in 1..{} (the number of mel bands), got {}", mel_db.rows,
                     n_mfcc);
  if (lifter < 0) throw make_error("features", "mfcc: lifter must be >= 0, got {}", lifter);
  const int64_t n = mel_db.rows;
  std::vector<double> basis(static_cast<size_t>(n_mfcc * n));
  for (int k = 0; k < n_mfcc; ++k) {
    const double scale = k == 0 ? std::sqrt(1.0 / n) : std::sqrt(2.0 / n);
    const double lift = lifter > 0 ? 1.0 + (lifter / 2.0) * std::sin(M_PI * (k + 1) / lifter) : 1.0;
    for (int64_t i = 0; i < n; ++i)
      basis[static_cast<size_t>(k * n + i)] = lift * scale * std::cos(M_PI * k * (2 * i + 1) / (2.0 * n));
  }
  Spectrogram out(n_mfcc, mel_db.cols);
  std::vector<double> acc(static_cast<size_t>(mel_db.cols));
  for (int k = 0; k < n_mfcc; ++k) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t i = 0; i < n; ++i) {
      const double b = basis[static_cast<size_t>(k * n + i)];
      const float* row = &mel_db.values[static_cast<size_t>(i * mel_db.cols)];
      for (int64_t t = 0; t < mel_db.cols; ++t) acc[static_cast<size_t>(t)] += b * row[t];
    }
    for (int64_t t = 0; t < mel_db.cols; ++t) out.at(k, t) = static_cast<float>(acc[static_cast<size_t>(t)]);
  }
  return out;
}

MelConfig musicnn_mel_config() {
  MelConfig c;
  c.sample_rate = 16000;
  c.stft.n_fft = 512;
  c.stft.hop_length = 256;
  c.n_mels = 96;
  return c;
}

void musicnn_log_compress(Spectrogram& power) {
  for (float& v : power.values) {
    const auto half = static_cast<float>(static_cast<_Float16>(v));  // IEEE round to nearest even, as numpy
    v = std::log10(10000.0f * half + 1.0f);
  }
}

}  // namespace mgc::features
