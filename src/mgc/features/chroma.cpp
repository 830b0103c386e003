#include "mgc/features/chroma.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <filesystem>
#include <functional>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/hash.h"
#include "mgc/features/fftw_planner.h"

namespace mgc::features {
namespace {

constexpr double kPi = 3.14159265358979323846;

int64_t next_pow2(int64_t n) {
  int64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

// Divides each frame (column) by its largest value; a silent frame stays 0 (librosa's norm=inf).
void scale_frames_to_max(Spectrogram& c) {
  for (int64_t t = 0; t < c.cols; ++t) {
    float top = 0.0f;
    for (int64_t p = 0; p < c.rows; ++p) top = std::max(top, c.at(p, t));
    if (top > 0.0f)
      for (int64_t p = 0; p < c.rows; ++p) c.at(p, t) /= top;
  }
}

// A bin's filter length in samples: Q periods of its centre frequency (bin 0's is the longest).
double filter_length(const CqtConfig& c, int bin) { return c.q() * c.sample_rate / c.frequency(bin); }

}  // namespace

void CqtConfig::validate() const {
  if (sample_rate <= 0) throw make_error("features", "CqtConfig.sample_rate must be > 0, got {}", sample_rate);
  if (hop_length <= 0) throw make_error("features", "CqtConfig.hop_length must be > 0, got {}", hop_length);
  if (!(fmin > 0.0)) throw make_error("features", "CqtConfig.fmin must be > 0 Hz, got {}", fmin);
  if (n_octaves < 1 || n_octaves > 10)
    throw make_error("features", "CqtConfig.n_octaves must be in 1..10, got {}", n_octaves);
  if (bins_per_octave < 12 || bins_per_octave % 12 != 0)
    throw make_error("features", "CqtConfig.bins_per_octave must be a positive multiple of 12, got {}",
                     bins_per_octave);
  if (!(filter_scale > 0.0 && filter_scale <= 4.0))
    throw make_error("features", "CqtConfig.filter_scale must be in (0, 4], got {}", filter_scale);
  if (!(sparsity >= 0.0 && sparsity < 1.0))
    throw make_error("features", "CqtConfig.sparsity must be in [0, 1), got {}", sparsity);
  const double top = frequency(n_bins() - 1);
  // The top filter's main lobe reaches f * (1 + 2 / Q) or so; keep its centre clear of Nyquist by one bin width.
  if (top * std::pow(2.0, 1.0 / bins_per_octave) >= sample_rate / 2.0)
    throw make_error("features", "CqtConfig: the top bin ({:.0f} Hz) is too close to the Nyquist frequency ({} Hz); "
                     "lower fmin or n_octaves", top, sample_rate / 2.0);
  if (filter_length(*this, 0) > 1 << 22)
    throw make_error("features", "CqtConfig: the lowest filter would be {:.0f} samples long; raise fmin",
                     filter_length(*this, 0));
}

double CqtConfig::q() const { return filter_scale / (std::pow(2.0, 1.0 / bins_per_octave) - 1.0); }

double CqtConfig::frequency(int bin) const { return fmin * std::pow(2.0, static_cast<double>(bin) / bins_per_octave); }

// One FFT size L for all bins; bin k keeps the entries [first, first + values.size()) of its spectral kernel
// conj(H_k[j]) / L, j in 0..L/2, where H_k is the DFT of its Hann-windowed complex exponential centred at L/2.
struct ChromaCqt::Kernel {
  int64_t fft_size = 0;
  struct Bin {
    int64_t first = 0;
    std::vector<std::complex<float>> values;
  };
  std::vector<Bin> bins;
  fftwf_plan plan = nullptr;  // r2c of fft_size, for new-array execution

  ~Kernel() {
    if (plan) {
      std::lock_guard<std::mutex> lock(fftw_planner_mutex());
      fftwf_destroy_plan(plan);
    }
  }
};

namespace {

// The kernel's identity: every field it depends on (the hop is not one), and the layout of the file below.
std::string kernel_key(const CqtConfig& c, int64_t fft_size) {
  return fmt::format("mgc-cqt-kernel-1 sr={} fmin={:.17g} octaves={} bpo={} filter_scale={:.17g} sparsity={:.17g} L={}",
                     c.sample_rate, c.fmin, c.n_octaves, c.bins_per_octave, c.filter_scale, c.sparsity, fft_size);
}

// <user_cache_dir()>/cqt/<hash of the key>.bin, or "" where there is no cache folder (no HOME).
std::string kernel_cache_path(const std::string& key) {
  try {
    return user_cache_dir() + "/cqt/" + to_hex(fnv1a64(key)) + ".bin";
  } catch (const Error&) {
    return "";
  }
}

template <typename T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads a value of T at `at`, advancing it; false when the bytes run out.
template <typename T>
bool take(const std::string& in, size_t& at, T& v) {
  if (at > in.size() || in.size() - at < sizeof v) return false;
  std::memcpy(&v, in.data() + at, sizeof v);
  at += sizeof v;
  return true;
}

}  // namespace

// The kernel file: the key (length, then its bytes), n_bins, per bin its first index, length and values (pairs of
// float), then the FNV-1a 64 of all that. Written atomically; read only when every part checks out.
struct ChromaCqt::KernelFile {
  static std::string encode(const std::string& key, const Kernel& k) {
    std::string out;
    put(out, static_cast<uint64_t>(key.size()));
    out += key;
    put(out, static_cast<uint64_t>(k.bins.size()));
    for (const auto& bin : k.bins) {
      put(out, static_cast<int64_t>(bin.first));
      put(out, static_cast<uint64_t>(bin.values.size()));
      out.append(reinterpret_cast<const char*>(bin.values.data()), bin.values.size() * sizeof(std::complex<float>));
    }
    put(out, fnv1a64(out));
    return out;
  }

  static bool decode(const std::string& in, const std::string& key, int n_bins, int64_t fft_size, Kernel& k) {
    if (in.size() < sizeof(uint64_t)) return false;
    uint64_t sum = 0;
    std::memcpy(&sum, in.data() + in.size() - sizeof sum, sizeof sum);
    const std::string body = in.substr(0, in.size() - sizeof sum);
    if (fnv1a64(body) != sum) return false;
    size_t at = 0;
    uint64_t key_size = 0, bins = 0;
    if (!take(body, at, key_size) || key_size != key.size() || body.compare(at, key.size(), key) != 0) return false;
    at += key.size();
    if (!take(body, at, bins) || bins != static_cast<uint64_t>(n_bins)) return false;
    std::vector<Kernel::Bin> out(static_cast<size_t>(bins));
    for (auto& bin : out) {
      uint64_t count = 0;
      if (!take(body, at, bin.first) || !take(body, at, count)) return false;
      if (bin.first < 0 || count > static_cast<uint64_t>(fft_size / 2 + 1) ||
          bin.first + static_cast<int64_t>(count) > fft_size / 2 + 1 ||
          body.size() - at < count * sizeof(std::complex<float>))
        return false;
      bin.values.resize(static_cast<size_t>(count));
      std::memcpy(bin.values.data(), body.data() + at, count * sizeof(std::complex<float>));
      at += count * sizeof(std::complex<float>);
    }
    if (at != body.size()) return false;
    k.bins = std::move(out);
    return true;
  }
};

void ChromaCqt::build_kernel() {
  const CqtConfig& config = config_;
  Kernel& k = *kernel_;
  const int64_t L = k.fft_size;
  auto time = fftw_alloc<fftwf_complex>(static_cast<size_t>(L));
  auto spec = fftw_alloc<fftwf_complex>(static_cast<size_t>(L));
  fftwf_plan c2c = nullptr;
  {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    c2c = fftwf_plan_dft_1d(static_cast<int>(L), time.get(), spec.get(), FFTW_FORWARD, FFTW_ESTIMATE);
  }
  if (!c2c) throw make_error("features", "FFTW could not plan a transform of {} points", L);
  const int n_bins = config.n_bins();
  k.bins.resize(static_cast<size_t>(n_bins));
  for (int b = 0; b < n_bins; ++b) {
    const double f = config.frequency(b);
    const auto n = static_cast<int64_t>(std::round(filter_length(config, b)));
    // Periodic Hann of n samples, L1-normalised so a sinusoid of amplitude A reads A / 2.
    std::vector<double> w(static_cast<size_t>(n));
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      w[static_cast<size_t>(i)] = 0.5 - 0.5 * std::cos(2.0 * kPi * static_cast<double>(i) / n);
      sum += w[static_cast<size_t>(i)];
    }
    for (int64_t i = 0; i < L; ++i) time[i][0] = time[i][1] = 0.0f;
    const int64_t start = L / 2 - n / 2;
    for (int64_t i = 0; i < n; ++i) {
      const double phase = 2.0 * kPi * f * static_cast<double>(start + i - L / 2) / config.sample_rate;
      const double a = w[static_cast<size_t>(i)] / sum;
      time[start + i][0] = static_cast<float>(a * std::cos(phase));
      time[start + i][1] = static_cast<float>(a * std::sin(phase));
    }
    fftwf_execute(c2c);
    double peak = 0.0;
    for (int64_t j = 0; j <= L / 2; ++j) peak = std::max(peak, std::hypot(double(spec[j][0]), double(spec[j][1])));
    const double keep = config.sparsity * peak;
    int64_t lo = -1, hi = -1;
    for (int64_t j = 0; j <= L / 2; ++j) {
      if (std::hypot(double(spec[j][0]), double(spec[j][1])) >= keep && peak > 0.0) {
        if (lo < 0) lo = j;
        hi = j;
      }
    }
    Kernel::Bin& bin = k.bins[static_cast<size_t>(b)];
    bin.first = lo;
    for (int64_t j = lo; j <= hi; ++j)
      bin.values.emplace_back(spec[j][0] / static_cast<float>(L), -spec[j][1] / static_cast<float>(L));
  }
  std::lock_guard<std::mutex> lock(fftw_planner_mutex());
  fftwf_destroy_plan(c2c);
}

ChromaCqt::ChromaCqt(const CqtConfig& config) : config_(config), kernel_(std::make_unique<Kernel>()) {
  config_.validate();
  Kernel& k = *kernel_;
  const int64_t L = next_pow2(static_cast<int64_t>(std::ceil(filter_length(config_, 0))) + 1);
  k.fft_size = L;
  auto real_in = fftw_alloc<float>(static_cast<size_t>(L));
  auto real_out = fftw_alloc<fftwf_complex>(static_cast<size_t>(L / 2 + 1));
  {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    k.plan = fftwf_plan_dft_r2c_1d(static_cast<int>(L), real_in.get(), real_out.get(), FFTW_ESTIMATE);
  }
  if (!k.plan) throw make_error("features", "FFTW could not plan a transform of {} points", L);
  // Building the kernel costs 0.3 s a process; it is kept on disk like FFTW's wisdom, bit for bit what a build gives.
  const std::string key = kernel_key(config_, L);
  const std::string cache = kernel_cache_path(key);
  std::error_code ec;
  if (!cache.empty() && std::filesystem::exists(cache, ec)) {
    try {
      if (KernelFile::decode(read_file(cache), key, config_.n_bins(), L, k)) return;
    } catch (const Error&) {  // unreadable: built again below
    }
  }
  build_kernel();
  if (cache.empty()) return;
  try {
    std::filesystem::create_directories(std::filesystem::path(cache).parent_path());
    write_file_atomic(cache, KernelFile::encode(key, k), false);
  } catch (const std::exception&) {  // a read-only cache folder: the next process builds it again
  }
}

ChromaCqt::~ChromaCqt() = default;
ChromaCqt::ChromaCqt(ChromaCqt&&) noexcept = default;
ChromaCqt& ChromaCqt::operator=(ChromaCqt&&) noexcept = default;

int64_t ChromaCqt::num_frames(int64_t n) const { return 1 + n / config_.hop_length; }

Spectrogram ChromaCqt::cqt(const float* samples, int64_t n) const {
  if (n < 1) throw make_error("features", "cqt: no samples");
  const Kernel& k = *kernel_;
  const int64_t L = k.fft_size;
  const int64_t frames = num_frames(n);
  const int n_bins = config_.n_bins();
  Spectrogram out(n_bins, frames);
  auto in = fftw_alloc<float>(static_cast<size_t>(L));
  auto spec = fftw_alloc<fftwf_complex>(static_cast<size_t>(L / 2 + 1));
  for (int64_t t = 0; t < frames; ++t) {
    const int64_t first = t * config_.hop_length - L / 2;  // sample at in[0]
    for (int64_t i = 0; i < L; ++i) {
      const int64_t s = first + i;
      in[i] = (s >= 0 && s < n) ? samples[s] : 0.0f;
    }
    fftwf_execute_dft_r2c(k.plan, in.get(), spec.get());
    const auto* x = reinterpret_cast<const std::complex<float>*>(spec.get());
    for (int b = 0; b < n_bins; ++b) {
      const Kernel::Bin& bin = k.bins[static_cast<size_t>(b)];
      std::complex<double> acc = 0.0;
      for (size_t j = 0; j < bin.values.size(); ++j)
        acc += std::complex<double>(x[bin.first + static_cast<int64_t>(j)] * bin.values[j]);
      out.at(b, t) = static_cast<float>(std::abs(acc));
    }
  }
  return out;
}

Spectrogram fold_chroma(const Spectrogram& cqt, int bins_per_octave) {
  if (bins_per_octave < 12 || bins_per_octave % 12 != 0)
    throw make_error("features", "fold_chroma: bins_per_octave must be a positive multiple of 12, got {}",
                     bins_per_octave);
  const int merge = bins_per_octave / 12;
  const int below = merge / 2;  // bins below the semitone's own bin that belong to it (1 of 3)
  Spectrogram out(12, cqt.cols);
  for (int64_t b = 0; b < cqt.rows; ++b) {
    // The bin's nearest semitone: bin b sits (b % bins_per_octave) / merge semitones above a C.
    const int64_t step = (b + below) / merge;
    const int64_t pc = step % 12;
    for (int64_t t = 0; t < cqt.cols; ++t) out.at(pc, t) += cqt.at(b, t);
  }
  return out;
}

Spectrogram ChromaCqt::chroma(const float* samples, int64_t n) const {
  Spectrogram c = fold_chroma(cqt(samples, n), config_.bins_per_octave);
  scale_frames_to_max(c);
  return c;
}

void HarmonyConfig::validate() const {
  for (double lag : lags_seconds)
    if (!(lag > 0.0)) throw make_error("features", "HarmonyConfig.lags_seconds: every lag must be > 0 s, got {}", lag);
  if (bass_octaves < 0 || bass_octaves > 9)
    throw make_error("features", "HarmonyConfig.bass_octaves must be in 0..9, got {}", bass_octaves);
  for (double lag : lags_beats)
    if (!(lag > 0.0 && lag <= 64.0))
      throw make_error("features", "HarmonyConfig.lags_beats: every lag must be in (0, 64] beats, got {}", lag);
}

namespace {

// A chroma [12, T] as frame-major doubles, each frame scaled to sum 1 (a silent frame stays 0).
std::vector<double> frames_summing_to_one(const Spectrogram& chroma) {
  const int64_t T = chroma.cols;
  std::vector<double> c(static_cast<size_t>(12 * T));
  for (int64_t t = 0; t < T; ++t) {
    double sum = 0.0;
    for (int64_t p = 0; p < 12; ++p) sum += chroma.at(p, t);
    for (int64_t p = 0; p < 12; ++p) c[static_cast<size_t>(t * 12 + p)] = chroma.at(p, t) / (sum + 1e-6);
  }
  return c;
}

// Appends 12 values: mean over t < T - d of sum_i a_t[i] * b_{t+d}[(i + k) mod 12], for k = 0..11.
void append_cooccurrence(const std::vector<double>& a, const std::vector<double>& b, int64_t T, int64_t d,
                         std::vector<float>& out) {
  const int64_t pairs = T - d;
  for (int k = 0; k < 12; ++k) {
    double acc = 0.0;
    for (int64_t t = 0; t < pairs; ++t) {
      const double* x = &a[static_cast<size_t>(t * 12)];
      const double* y = &b[static_cast<size_t>((t + d) * 12)];
      for (int i = 0; i < 12; ++i) acc += x[i] * y[(i + k) % 12];
    }
    out.push_back(static_cast<float>(acc / pairs));
  }
}

// Lags in frames, 0 first; throws unless the clip has more frames than the longest.
std::vector<int64_t> lag_frames(const HarmonyConfig& config, double frame_rate, int64_t T) {
  if (!(frame_rate > 0.0)) throw make_error("features", "harmony_features: frame_rate must be > 0, got {}", frame_rate);
  std::vector<int64_t> lags = {0};
  for (double s : config.lags_seconds) lags.push_back(static_cast<int64_t>(std::llround(s * frame_rate)));
  const int64_t longest = *std::max_element(lags.begin(), lags.end());
  if (T <= longest)
    throw make_error("features", "harmony_features: {} frames ({:.2f} s) is too short for a lag of {} frames", T,
                     T / frame_rate, longest);
  return lags;
}

std::vector<float> chroma_statistics(const Spectrogram& chroma, double frame_rate, const HarmonyConfig& config) {
  if (chroma.rows != 12) throw make_error("features", "harmony_features: chroma must have 12 rows, got {}", chroma.rows);
  const int64_t T = chroma.cols;
  const std::vector<int64_t> lags = lag_frames(config, frame_rate, T);
  const std::vector<double> c = frames_summing_to_one(chroma);
  std::vector<float> out;
  out.reserve(static_cast<size_t>(config.size()));
  for (int64_t d : lags) append_cooccurrence(c, c, T, d, out);
  std::vector<double> profile(12, 0.0);
  for (int64_t t = 0; t < T; ++t)
    for (int p = 0; p < 12; ++p) profile[static_cast<size_t>(p)] += c[static_cast<size_t>(t * 12 + p)];
  std::sort(profile.begin(), profile.end(), std::greater<>());
  for (double v : profile) out.push_back(static_cast<float>(v / T));
  return out;
}

// Rows [first, last) of a matrix.
Spectrogram row_range(const Spectrogram& s, int64_t first, int64_t last) {
  Spectrogram out(last - first, s.cols);
  std::copy(s.values.begin() + first * s.cols, s.values.begin() + last * s.cols, out.values.begin());
  return out;
}

}  // namespace

std::vector<float> harmony_features(const Spectrogram& chroma, double frame_rate, const HarmonyConfig& config) {
  config.validate();
  if (config.bass_octaves > 0 || !config.lags_beats.empty())
    throw make_error("features", "harmony_features: the bass line and lags in beats need the CQT, not a chroma");
  return chroma_statistics(chroma, frame_rate, config);
}

std::vector<float> harmony_features(const Spectrogram& cqt, const CqtConfig& cqt_config, const HarmonyConfig& config,
                                    double tempo_bpm) {
  config.validate();
  cqt_config.validate();
  if (cqt.rows != cqt_config.n_bins())
    throw make_error("features", "harmony_features: the CQT has {} rows, its config {} bins", cqt.rows,
                     cqt_config.n_bins());
  if (config.bass_octaves >= cqt_config.n_octaves)
    throw make_error("features", "harmony_features: bass_octaves ({}) must be below the CQT's {} octaves",
                     config.bass_octaves, cqt_config.n_octaves);
  if (!config.lags_beats.empty() && !(tempo_bpm > 0.0 && std::isfinite(tempo_bpm)))
    throw make_error("features", "harmony_features: lags in beats need a tempo > 0 bpm, got {}", tempo_bpm);
  const int bpo = cqt_config.bins_per_octave;
  const double rate = cqt_config.frame_rate();
  Spectrogram chroma = fold_chroma(cqt, bpo);
  scale_frames_to_max(chroma);
  HarmonyConfig seconds_only = config;
  seconds_only.bass_octaves = 0;
  seconds_only.lags_beats.clear();
  std::vector<float> out = chroma_statistics(chroma, rate, seconds_only);
  const int64_t T = cqt.cols;
  std::vector<double> b;
  if (config.bass_octaves > 0) {
    const int64_t split = static_cast<int64_t>(config.bass_octaves) * bpo;
    // Both parts start on a C, so fold_chroma's pitch classes hold for them as for the whole.
    Spectrogram bass = fold_chroma(row_range(cqt, 0, split), bpo);
    Spectrogram upper = fold_chroma(row_range(cqt, split, cqt.rows), bpo);
    scale_frames_to_max(bass);
    scale_frames_to_max(upper);
    const std::vector<int64_t> lags = lag_frames(config, rate, T);
    b = frames_summing_to_one(bass);
    append_cooccurrence(b, frames_summing_to_one(upper), T, 0, out);
    for (size_t i = 1; i < lags.size(); ++i) append_cooccurrence(b, b, T, lags[i], out);
  }
  if (!config.lags_beats.empty()) {
    if (T < 2) throw make_error("features", "harmony_features: lags in beats need at least 2 frames, got {}", T);
    std::vector<int64_t> beat_lags;
    for (double beats : config.lags_beats) {
      const auto d = static_cast<int64_t>(std::llround(beats * 60.0 / tempo_bpm * rate));
      beat_lags.push_back(std::clamp<int64_t>(d, 1, T - 1));
    }
    const std::vector<double> c = frames_summing_to_one(chroma);
    for (int64_t d : beat_lags) append_cooccurrence(c, c, T, d, out);
    if (!b.empty())
      for (int64_t d : beat_lags) append_cooccurrence(b, b, T, d, out);
  }
  return out;
}

}  // namespace mgc::features
