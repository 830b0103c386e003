#pragma once
// Chroma from a constant-Q transform, and key-independent harmony statistics of a clip.
//
// Why: a log-mel CNN hears instruments, drums and texture but hardly harmony (128 mel bands are ~90 Hz wide near
// 1 kHz, and a 3 s window holds a chord or two, not a progression). A screen on the generated corpus found the
// statistics below, over a whole clip, as good a genre cue on held-out groove files as the CNN, and a different one
// (docs/notebook/2026-11-robustness.md, "Harmony: the cue the CNN misses").
//
// The transform is Brown and Puckette's (JASA 1992): one FFT per frame, then a sparse spectral kernel per
// constant-Q bin (a Hann-windowed complex exponential of Q periods). Not bit-compatible with librosa.cqt (which
// downsamples per octave); the same bins and folding as librosa.feature.chroma_cqt's defaults, without its
// tuning estimate (bins sit on A440 equal temperament).
#include <cstdint>
#include <memory>
#include <vector>

#include "mgc/features/spectrogram.h"

namespace mgc::features {

struct CqtConfig {
  int sample_rate = 22050;                   // Hz of the input samples
  int hop_length = 2048;                     // samples between frames (~93 ms at 22050 Hz)
  double fmin = 32.703195662574829;          // Hz of bin 0: C1 (librosa.note_to_hz('C1')), so bin 0 is a C
  int n_octaves = 7;                         // C1 .. B7 (4 kHz)
  int bins_per_octave = 36;                  // a multiple of 12: three bins per semitone
  double filter_scale = 1.0;                 // multiplies Q (librosa's filter_scale): longer, narrower filters
  double sparsity = 0.01;                    // kernel entries below this fraction of a bin's peak are dropped

  // Throws mgc::Error ("features: CqtConfig.<field> ...") on out-of-range values, including a top bin at or
  // above the Nyquist frequency.
  void validate() const;
  int n_bins() const { return n_octaves * bins_per_octave; }
  double q() const;                          // filter_scale / (2^(1/bins_per_octave) - 1)
  double frequency(int bin) const;           // Hz of a bin's centre: fmin * 2^(bin / bins_per_octave)
  double frame_rate() const { return static_cast<double>(sample_rate) / hop_length; }
};

// Builds the kernel once (about 0.3 s for the defaults) and keeps it in <user_cache_dir()>/cqt/ (keyed by every
// field it depends on, checksummed): later processes read it back bit for bit instead (a damaged or foreign file is
// ignored and rebuilt; no cache folder, or a read-only one, only costs the build). cqt() and chroma() are const and
// thread-safe.
class ChromaCqt {
 public:
  // Throws mgc::Error on an invalid config.
  explicit ChromaCqt(const CqtConfig& config = {});
  ~ChromaCqt();
  ChromaCqt(ChromaCqt&&) noexcept;
  ChromaCqt& operator=(ChromaCqt&&) noexcept;

  const CqtConfig& config() const { return config_; }

  // Frames for n samples: 1 + n / hop_length; frame t is centred on sample t * hop_length, zeros outside.
  int64_t num_frames(int64_t n) const;

  // |CQT|: [n_bins, num_frames(n)] float32. A steady sinusoid of amplitude A at a bin's centre frequency reads
  // A / 2 in that bin (kernels are L1-normalised Hann windows). Throws mgc::Error if n < 1.
  Spectrogram cqt(const float* samples, int64_t n) const;

  // Chroma: [12, num_frames(n)], row 0 = C ... row 11 = B. Each pitch class sums its bins_per_octave / 12
  // neighbouring bins in every octave; each frame is then divided by its largest value (librosa's norm=inf), so
  // a frame's top class is 1; a silent frame stays 0. Throws mgc::Error if n < 1.
  Spectrogram chroma(const float* samples, int64_t n) const;

 private:
  struct Kernel;
  struct KernelFile;
  void build_kernel();  // fills kernel_->bins for kernel_->fft_size
  CqtConfig config_;
  std::unique_ptr<Kernel> kernel_;
};

// Folds |CQT| bins [n_bins, frames] (bin 0 a C) into [12, frames] pitch classes, unnormalised. Throws
// mgc::Error if bins_per_octave is not a positive multiple of 12.
Spectrogram fold_chroma(const Spectrogram& cqt, int bins_per_octave);

struct HarmonyConfig {
  std::vector<double> lags_seconds = {0.5, 1.0, 2.0, 4.0};  // time steps over which pitch-class movement is counted
  int bass_octaves = 0;  // > 0: also the bass line's statistics, from the CQT's lowest bass_octaves octaves (only
                         // the harmony_features overload that takes the CQT computes them)
  std::vector<double> lags_beats;  // more time steps, in beats of the clip's tempo (the CQT overload only)

  // Throws mgc::Error ("features: HarmonyConfig.<field> ...") unless every lag is > 0 and bass_octaves is in 0..9.
  void validate() const;
  // Values harmony_features returns: 12 per lag, 12 more for lag 0, 12 for the pitch-class profile; with the bass
  // line, 12 per lag and 12 more for the intervals above the bass; lags in beats count for both.
  int64_t size() const {
    const auto lags = static_cast<int64_t>(lags_seconds.size() + lags_beats.size());
    return 12 * (lags + 2) + (bass_octaves > 0 ? 12 * (lags + 1) : 0);
  }
};

// Key-independent harmony statistics of a chroma [12, frames] at frame_rate frames per second. Each frame is
// first scaled to sum 1. Then, for lag 0 and each lag d (rounded to frames), 12 values
//   r_d[k] = mean over t of sum_i c_t[i] * c_{t+d}[(i + k) mod 12]
// (how much pitch class i at one time goes with the class k semitones above it at d later: intervals within a
// chord at lag 0, root movement at longer lags), then the clip's mean pitch-class profile sorted from the
// strongest class down. Transposing the music (rolling the chroma rows) leaves every value unchanged.
// Returns config.size() floats, in that order. Throws mgc::Error if chroma has not 12 rows, frame_rate <= 0, the
// clip has no more frames than the longest lag, or config.bass_octaves > 0 or config.lags_beats is not empty (those
// need the CQT overload).
std::vector<float> harmony_features(const Spectrogram& chroma, double frame_rate, const HarmonyConfig& config = {});

// The same from a |CQT| [cqt_config.n_bins(), frames] (ChromaCqt::cqt): its chroma (fold_chroma, each frame divided
// by its largest value, as ChromaCqt::chroma) gives the values above, identical to the chroma overload's. With
// config.bass_octaves = B > 0, the bass line's statistics follow. The bass chroma b folds the lowest B octaves
// (below C of octave B + 1: 130.8 Hz for B = 2 from C1), the upper chroma u folds the octaves above; each is
// scaled per frame as the chroma, then to sum 1. Then 12 values
//   s[k] = mean over t of sum_i b_t[i] * u_t[(i + k) mod 12]
// (the pitch classes sounding k semitones above the bass note: a chord's quality and inversion), and for each lag
// d, 12 values as r_d of b with itself (the bass line's movement: root-fifth, walking steps, pedal tones).
// Last, for each of config.lags_beats (beats at tempo_bpm, rounded to frames, at least 1 and at most frames - 1),
// 12 values r_d of the chroma, then (with the bass line) 12 of b: chord and bass movement over beats and bars
// whatever the tempo. Transposition leaves every value unchanged. Throws mgc::Error as the chroma overload, if cqt
// has not cqt_config.n_bins() rows, if bass_octaves >= cqt_config.n_octaves, or if lags_beats is not empty and
// tempo_bpm is not > 0.
std::vector<float> harmony_features(const Spectrogram& cqt, const CqtConfig& cqt_config, const HarmonyConfig& config,
                                    double tempo_bpm = 0.0);

}  // namespace mgc::features
