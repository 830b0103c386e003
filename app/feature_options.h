#pragma once
// The log-mel settings that `mgc train` and `mgc extract` share (`mgc spectrogram` has its own, with the picture's).
// A run keeps them in config.json, so eval, predict, serve and export use what the model was trained on; the
// feature cache keys every entry by all of them, so runs with other settings never share an entry.
#include <CLI/CLI.hpp>

#include "mgc/data/feature_cache.h"

namespace mgc::cli {

inline void add_feature_options(CLI::App* cmd, data::FeatureConfig& f) {
  cmd->add_option("--sr", f.sample_rate, "Features: resample to this rate in Hz")->capture_default_str();
  cmd->add_option("--n-fft", f.mel.stft.n_fft, "Features: FFT size")->capture_default_str();
  cmd->add_option("--hop", f.mel.stft.hop_length, "Features: hop length in samples")->capture_default_str();
  cmd->add_option("--n-mels", f.mel.n_mels, "Features: mel bands")->capture_default_str();
  cmd->add_option("--fmin", f.mel.fmin, "Features: lowest mel frequency, Hz")->capture_default_str();
  cmd->add_option("--fmax", f.mel.fmax, "Features: highest mel frequency, Hz (0: sr/2)")->capture_default_str();
}

// After parsing: the mel filter bank follows the sample rate given with --sr. Throws mgc::Error naming a bad field.
inline void finish_feature_options(data::FeatureConfig& f) {
  f.mel.sample_rate = f.sample_rate;
  f.validate();
}

}  // namespace mgc::cli
