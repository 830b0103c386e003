#pragma once
// Mel filter banks, mel spectrograms, decibels and MFCCs, numerically faithful to librosa 0.10.1
// (librosa.filters.mel, librosa.feature.melspectrogram, librosa.power_to_db, librosa.feature.mfcc).
#include <vector>

#include "mgc/features/spectrogram.h"
#include "mgc/features/stft.h"

namespace mgc::features {

enum class MelNorm { None, Slaney };

struct MelConfig {
  int sample_rate = 22050;  // Hz of the input samples
  StftConfig stft;          // n_fft 2048, hop 512, centred, zero padding
  double power = 2.0;       // exponent of the magnitude: 2 = power, 1 = magnitude
  int n_mels = 128;
  double fmin = 0.0;        // Hz
  double fmax = 0.0;        // Hz; 0 means sample_rate / 2
  bool htk = false;         // HTK mel scale instead of Slaney's
  MelNorm norm = MelNorm::Slaney;  // Slaney area normalisation (librosa's default) or none

  // Throws mgc::Error ("features: MelConfig.<field> ...") on out-of-range values.
  void validate() const;
  double effective_fmax() const { return fmax > 0.0 ? fmax : sample_rate / 2.0; }
};

struct DbConfig {
  bool ref_max = false;  // true: 0 dB at the spectrogram's maximum (ref=np.max); false: at ref_value
  double ref_value = 1.0;
  double amin = 1e-10;   // floor applied before the log
  double top_db = 80.0;  // clip at max - top_db; <= 0 disables

  void validate() const;
};

// Hz <-> mel on the Slaney (default) or HTK scale, as librosa.hz_to_mel / mel_to_hz.
double hz_to_mel(double hz, bool htk = false);
double mel_to_hz(double mel, bool htk = false);

// librosa.filters.mel: [n_mels, n_fft/2 + 1] float32 weights.
Spectrogram mel_filterbank(const MelConfig& config);

// Mel spectrogram engine: plans the FFT and the sparse band projection once; compute() is const and
// thread-safe, so one instance serves many threads.
class MelSpectrogram {
 public:
  // Throws mgc::Error on an invalid config.
  explicit MelSpectrogram(const MelConfig& config);

  const MelConfig& config() const { return config_; }

  // Mel power spectrogram of n mono samples: [n_mels, num_frames(n)] (librosa.feature.melspectrogram).
  // Throws mgc::Error if n is 0 or too short for the padding mode.
  Spectrogram power(const float* samples, int64_t n) const;
  Spectrogram power(const std::vector<float>& samples) const { return power(samples.data(), static_cast<int64_t>(samples.size())); }

  // power() followed by power_to_db(db): the log-mel in dB, [n_mels, frames].
  Spectrogram log_mel(const float* samples, int64_t n, const DbConfig& db = {}) const;
  Spectrogram log_mel(const std::vector<float>& samples, const DbConfig& db = {}) const {
    return log_mel(samples.data(), static_cast<int64_t>(samples.size()), db);
  }

 private:
  struct Band {
    int first_bin = 0;
    std::vector<float> weights;  // weights of bins first_bin .. first_bin + size - 1
  };
  MelConfig config_;
  PowerStft stft_;
  std::vector<Band> bands_;
};

// librosa.power_to_db, in place: 10 log10(max(amin, S)) - 10 log10(max(amin, ref)), clipped at max - top_db.
void power_to_db(Spectrogram& s, const DbConfig& db = {});

// power_to_db in two halves, for a spectrogram that arrives in blocks (streamed prediction): the peak over all
// blocks fixes the reference (ref_max) and the top_db floor, then each block converts on its own.
// power_to_db(s, db) is power_to_db_with_peak(s, db, power_peak(s, db)), value for value.
// power_peak: max(amin, largest value of s), NaN ignored; the peak of several blocks is the max of theirs.
float power_peak(const Spectrogram& s, const DbConfig& db = {});
// Converts s in place as power_to_db does for a whole spectrogram whose power_peak is `peak`.
void power_to_db_with_peak(Spectrogram& s, const DbConfig& db, float peak);

// musicnn's input (Pons & Serra 2019; musicnn.extractor.batch_data and its training code): the mel power
// spectrogram at 16 kHz with n_fft 512, hop 256 and 96 bands (librosa's other defaults: Slaney scale and norm,
// centred, zero padding), stored as float16, then log10(1 + 10000 x) computed in float32, as numpy < 2 promoted
// `10000 * float16`. (Under numpy 2 musicnn's own code keeps float16 and overflows to inf above x = 6.55; its
// models were trained without that overflow.)
MelConfig musicnn_mel_config();
// In place: x -> log10(1 + 10000 * float16(x)) for every value of a mel power spectrogram.
void musicnn_log_compress(Spectrogram& power);

// librosa.feature.mfcc on a dB mel spectrogram: DCT-II with orthonormal scaling along the mel axis, first
// n_mfcc rows, optional liftering (lifter > 0). Returns [n_mfcc, frames]. Throws if n_mfcc > rows.
Spectrogram mfcc_from_db(const Spectrogram& mel_db, int n_mfcc = 20, int lifter = 0);

}  // namespace mgc::features
