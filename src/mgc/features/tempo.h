#pragma once
// Global tempo of a clip, as librosa 0.10.1 estimates it: an onset-strength envelope from a log-mel spectrogram
// (librosa.onset.onset_strength), its windowed autocorrelation (librosa.feature.tempogram) averaged over the clip,
// and the lag whose score plus a log-normal prior around 120 bpm is largest (librosa.feature.tempo). Values match
// librosa's to float rounding (tests/features/test_tempo.cpp runs librosa itself on seeded signals).
//
// Why: the harmony model measures chord movement over beats, not seconds, so that a groove at 60 and at 180 bpm
// give comparable numbers (docs/notebook/2026-11-robustness.md, "The bass line and lags in beats").
#include <cstdint>
#include <vector>

#include "mgc/features/spectrogram.h"

namespace mgc::features {

// Onset strength of a log-power spectrogram db [bands, frames] in dB (librosa.onset.onset_strength(S=db) with
// lag 1, max_size 1, the mean over bands, center=True): one value per frame. With p = 1 + n_fft / (2 * hop_length)
// (integer division), values 0 .. p - 1 are 0 and value t >= p is the mean over bands of
// max(0, db[b, t - p + 1] - db[b, t - p]): the rise in level, delayed to the frame whose centred window first holds
// it. Throws mgc::Error if db is empty or n_fft, hop_length are not positive.
std::vector<float> onset_strength(const Spectrogram& db, int n_fft, int hop_length);

// Tempogram of an onset envelope (librosa.feature.tempogram, center=True, Hann window, norm=inf): [win_length,
// frames]; column t is the autocorrelation at lags 0 .. win_length - 1 of the envelope around frame t (padded by a
// linear ramp to 0 on both sides, times a periodic Hann window), divided by its largest magnitude (a column of
// zeros stays 0). Throws mgc::Error if the envelope is empty or win_length < 2.
Spectrogram tempogram(const std::vector<float>& onset_envelope, int win_length);

struct TempoConfig {
  double start_bpm = 120.0;  // centre of the log-normal prior, bpm
  double std_bpm = 1.0;      // its standard deviation, in octaves
  double ac_size = 8.0;      // autocorrelation window, seconds (344 frames at 22050 Hz and hop 512)
  double max_tempo = 320.0;  // bpm; faster candidates are excluded

  // Throws mgc::Error ("features: TempoConfig.<field> ...") on a non-positive value or max_tempo <= start_bpm / 8.
  void validate() const;
};

// The clip's tempo in bpm (librosa.feature.tempo with aggregate=mean): 60 * frame_rate / lag for the lag in
// 1 .. win_length - 1 that maximises log1p(1e6 * mean tempogram[lag]) + prior(bpm), where win_length =
// floor(ac_size * frame_rate) and prior(bpm) = -0.5 * ((log2 bpm - log2 start_bpm) / std_bpm)^2, lags faster than
// max_tempo excluded. frame_rate is the envelope's frames per second (sample_rate / hop_length). A silent clip gives
// the candidate nearest start_bpm (on a log scale). Throws mgc::Error on an empty envelope, frame_rate <= 0 or an invalid config.
double estimate_tempo(const std::vector<float>& onset_envelope, double frame_rate, const TempoConfig& config = {});

// The tempo of mono samples at sample_rate Hz, as librosa.feature.tempo(y=samples, sr=sample_rate): a log-mel with
// librosa's defaults (n_fft 2048, hop 512, 128 Slaney mels, power 2, dB re 1.0 clipped 80 dB below the peak), its
// onset strength, then estimate_tempo at sample_rate / 512 frames per second. Throws mgc::Error if n < 1 or on an
// invalid sample rate or config.
double estimate_tempo(const float* samples, int64_t n, int sample_rate, const TempoConfig& config = {});

}  // namespace mgc::features
