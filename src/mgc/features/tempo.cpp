#include "mgc/features/tempo.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>

#include "mgc/core/error.h"
#include "mgc/features/fftw_planner.h"
#include "mgc/features/mel.h"

namespace mgc::features {

std::vector<float> onset_strength(const Spectrogram& db, int n_fft, int hop_length) {
  if (db.rows < 1 || db.cols < 1) throw make_error("features", "onset_strength: empty spectrogram");
  if (n_fft < 1 || hop_length < 1)
    throw make_error("features", "onset_strength: n_fft and hop_length must be > 0, got {} and {}", n_fft, hop_length);
  const int64_t T = db.cols;
  const int64_t p = 1 + n_fft / (2 * hop_length);
  std::vector<float> env(static_cast<size_t>(T), 0.0f);
  for (int64_t t = p; t < T; ++t) {
    const int64_t j = t - p;  // the difference between frames j + 1 and j
    double sum = 0.0;
    for (int64_t b = 0; b < db.rows; ++b) sum += std::max(0.0, double(db.at(b, j + 1)) - double(db.at(b, j)));
    env[static_cast<size_t>(t)] = static_cast<float>(sum / static_cast<double>(db.rows));
  }
  return env;
}

namespace {

constexpr double kPi = 3.14159265358979323846;

// The tempogram in double, [lag][frame] row-major; see tempogram().
std::vector<double> tempogram_d(const std::vector<float>& env, int W) {
  const auto n = static_cast<int64_t>(env.size());
  const int64_t h = W / 2;
  // Padded envelope: linear ramps from 0 to the edge values (numpy's linear_ramp with end values 0).
  std::vector<double> x(static_cast<size_t>(n + 2 * h));
  for (int64_t i = 0; i < h; ++i) {
    x[static_cast<size_t>(i)] = double(env.front()) * static_cast<double>(i) / static_cast<double>(h);
    x[static_cast<size_t>(n + h + i)] = double(env.back()) * (1.0 - static_cast<double>(i + 1) / static_cast<double>(h));
  }
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(h + i)] = env[static_cast<size_t>(i)];
  std::vector<double> window(static_cast<size_t>(W));
  for (int i = 0; i < W; ++i) window[static_cast<size_t>(i)] = 0.5 - 0.5 * std::cos(2.0 * kPi * i / W);
  // Autocorrelation of each windowed frame through a double-precision FFT of at least 2W points (so the circular
  // correlation equals the linear one at lags below W), as librosa.autocorrelate does.
  int64_t nfft = 1;
  while (nfft < 2 * static_cast<int64_t>(W)) nfft <<= 1;
  auto buf = fftw_alloc_double<double>(static_cast<size_t>(nfft));
  auto spec = fftw_alloc_double<fftw_complex>(static_cast<size_t>(nfft / 2 + 1));
  fftw_plan forward = nullptr, inverse = nullptr;
  {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    forward = fftw_plan_dft_r2c_1d(static_cast<int>(nfft), buf.get(), spec.get(), FFTW_ESTIMATE);
    inverse = fftw_plan_dft_c2r_1d(static_cast<int>(nfft), spec.get(), buf.get(), FFTW_ESTIMATE);
  }
  struct Plans {
    fftw_plan a, b;
    ~Plans() {
      std::lock_guard<std::mutex> lock(fftw_planner_mutex());
      if (a) fftw_destroy_plan(a);
      if (b) fftw_destroy_plan(b);
    }
  } plans{forward, inverse};
  if (!forward || !inverse) throw make_error("features", "FFTW could not plan a transform of {} points", nfft);
  std::vector<double> out(static_cast<size_t>(W * n), 0.0);
  for (int64_t t = 0; t < n; ++t) {
    // Frame t covers padded samples [t, t + W), inside the n + 2 * (W / 2) >= n + W - 1 padded values.
    for (int i = 0; i < W; ++i)
      buf[static_cast<size_t>(i)] = x[static_cast<size_t>(t + i)] * window[static_cast<size_t>(i)];
    std::fill(buf.get() + W, buf.get() + nfft, 0.0);
    fftw_execute(forward);
    for (int64_t j = 0; j <= nfft / 2; ++j) {
      spec[j][0] = spec[j][0] * spec[j][0] + spec[j][1] * spec[j][1];
      spec[j][1] = 0.0;
    }
    fftw_execute(inverse);
    // FFTW's inverse is unnormalised: the autocorrelation is buf / nfft. Columns are divided by their largest
    // magnitude (lag 0, the frame's energy); one under the smallest normal double stays as it is
    // (librosa.util.normalize's threshold), which only a silent frame reaches.
    double top = 0.0;
    for (int k = 0; k < W; ++k) {
      buf[static_cast<size_t>(k)] /= static_cast<double>(nfft);
      top = std::max(top, std::abs(buf[static_cast<size_t>(k)]));
    }
    const double scale = top >= std::numeric_limits<double>::min() ? 1.0 / top : 1.0;
    for (int k = 0; k < W; ++k) out[static_cast<size_t>(k * n + t)] = buf[static_cast<size_t>(k)] * scale;
  }
  return out;
}

}  // namespace

Spectrogram tempogram(const std::vector<float>& onset_envelope, int win_length) {
  if (onset_envelope.empty()) throw make_error("features", "tempogram: empty onset envelope");
  if (win_length < 2) throw make_error("features", "tempogram: win_length must be >= 2, got {}", win_length);
  const std::vector<double> tg = tempogram_d(onset_envelope, win_length);
  Spectrogram out(win_length, static_cast<int64_t>(onset_envelope.size()));
  for (size_t i = 0; i < tg.size(); ++i) out.values[i] = static_cast<float>(tg[i]);
  return out;
}

void TempoConfig::validate() const {
  if (!(start_bpm > 0.0)) throw make_error("features", "TempoConfig.start_bpm must be > 0, got {}", start_bpm);
  if (!(std_bpm > 0.0)) throw make_error("features", "TempoConfig.std_bpm must be > 0, got {}", std_bpm);
  if (!(ac_size > 0.0)) throw make_error("features", "TempoConfig.ac_size must be > 0 s, got {}", ac_size);
  if (!(max_tempo > start_bpm / 8.0))
    throw make_error("features", "TempoConfig.max_tempo must be > start_bpm / 8, got {}", max_tempo);
}

double estimate_tempo(const std::vector<float>& onset_envelope, double frame_rate, const TempoConfig& config) {
  config.validate();
  if (onset_envelope.empty()) throw make_error("features", "estimate_tempo: empty onset envelope");
  if (!(frame_rate > 0.0)) throw make_error("features", "estimate_tempo: frame_rate must be > 0, got {}", frame_rate);
  // librosa.time_to_frames(ac_size): floor(seconds * sr / hop).
  const auto W = static_cast<int>(std::floor(config.ac_size * frame_rate));
  if (W < 2)
    throw make_error("features", "estimate_tempo: an autocorrelation window of {} s is under two frames at {} fps",
                     config.ac_size, frame_rate);
  const std::vector<double> tg = tempogram_d(onset_envelope, W);
  const auto n = static_cast<int64_t>(onset_envelope.size());
  double best_score = -std::numeric_limits<double>::infinity();
  int best = -1;
  for (int k = 1; k < W; ++k) {
    const double bpm = 60.0 * frame_rate / k;
    if (bpm >= config.max_tempo) continue;
    double mean = 0.0;
    for (int64_t t = 0; t < n; ++t) mean += tg[static_cast<size_t>(k * n + t)];
    mean /= static_cast<double>(n);
    const double z = (std::log2(bpm) - std::log2(config.start_bpm)) / config.std_bpm;
    const double score = std::log1p(1e6 * mean) - 0.5 * z * z;
    if (score > best_score) {
      best_score = score;
      best = k;
    }
  }
  if (best < 0)
    throw make_error("features", "estimate_tempo: no lag of a {}-frame window is slower than {} bpm", W,
                     config.max_tempo);
  return 60.0 * frame_rate / best;
}

double estimate_tempo(const float* samples, int64_t n, int sample_rate, const TempoConfig& config) {
  config.validate();
  if (n < 1) throw make_error("features", "estimate_tempo: no samples");
  MelConfig mc;  // librosa's defaults but the rate
  mc.sample_rate = sample_rate;
  // One engine per thread and rate: the FFT plan and filter bank are built once.
  thread_local int engine_rate = 0;
  thread_local std::unique_ptr<MelSpectrogram> engine;
  if (!engine || engine_rate != sample_rate) {
    engine = std::make_unique<MelSpectrogram>(mc);
    engine_rate = sample_rate;
  }
  const Spectrogram db = engine->log_mel(samples, n, DbConfig{false, 1.0, 1e-10, 80.0});
  return estimate_tempo(onset_strength(db, mc.stft.n_fft, mc.stft.hop_length),
                        static_cast<double>(sample_rate) / mc.stft.hop_length, config);
}

}  // namespace mgc::features
