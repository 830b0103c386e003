#include "mgc/features/mel.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mgc/core/error.h"

namespace mgc::features {
namespace {

constexpr double kSlaneyFsp = 200.0 / 3.0;
constexpr double kMinLogHz = 1000.0;
constexpr double kMinLogMel = kMinLogHz / kSlaneyFsp;

double slaney_logstep() { return std::log(6.4) / 27.0; }

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
  stft_.for_each_frame(samples, n, [&](int64_t t, const float* spectrum) {
    for (size_t m = 0; m < bands_.size(); ++m) {
      const Band& band = bands_[m];
      const float* p = spectrum + band.first_bin;
      const float* w = band.weights.data();
      float acc = 0.0f;
      for (size_t j = 0; j < band.weights.size(); ++j) acc += w[j] * p[j];
      out.values[m * static_cast<size_t>(out.cols) + static_cast<size_t>(t)] = acc;
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

void power_to_db(Spectrogram& s, const DbConfig& db) {
  db.validate();
  if (s.values.empty()) return;
  double ref = db.ref_value;
  if (db.ref_max) ref = *std::max_element(s.values.begin(), s.values.end());
  const float amin = static_cast<float>(db.amin);
  const float ref_db = static_cast<float>(10.0 * std::log10(std::max(db.amin, ref)));
  float peak = -std::numeric_limits<float>::infinity();
  for (float& v : s.values) {
    v = 10.0f * std::log10(std::max(amin, v)) - ref_db;
    peak = std::max(peak, v);
  }
  if (db.top_db > 0.0) {
    const float floor = peak - static_cast<float>(db.top_db);
    for (float& v : s.values) v = std::max(v, floor);
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

}  // namespace mgc::features
