#pragma once
// Production: what happens to a clip between the synthesiser and the listener, drawn per clip and the same for
// every genre (so that it varies the sound without naming the genre): an EQ curve, band limits, compression, a
// slapback or small-room echo, a stereo-to-mono mix, tape hiss and vinyl crackle, and a lossy re-encoding (MP3 or
// Opus at a random bitrate). The filters and codecs are FFmpeg's (the `ffmpeg` program, Debian package ffmpeg);
// the mono mix and the noise are added by render_clip. Pure: plan_production draws, render_clip applies.
#include <cstdint>
#include <string>
#include <vector>

namespace mgc::synth {

struct Production {
  std::vector<std::string> filters;  // FFmpeg audio filters, applied in order ("equalizer=f=...", ...); may be empty
  std::string codec;                 // "" (none), "mp3" (libmp3lame) or "opus" (libopus): encoded, then decoded back
  int bitrate_kbps = 0;              // the codec's bitrate; 0 without a codec
  double left_weight = 0.5;          // mono = left_weight * L + (1 - left_weight) * R, in [0.25, 0.75]
  double hiss_db = 0;                // white noise this many dB below the clip's RMS; 0 = none
  double crackle_per_s = 0;          // vinyl clicks per second (short decaying impulses); 0 = none
  std::string summary;               // the manifest's `production` cell: "hp+eq+comp+mp3@96k+hiss", "none"

  // True when FFmpeg has work to do (filters or a codec).
  bool needs_ffmpeg() const { return !filters.empty() || !codec.empty(); }
};

// The production of the clip whose seed is `clip_seed` (ClipPlan::seed), from a stream of its own (the clip's
// other choices do not depend on it). `sample_rate` bounds the filters' frequencies below Nyquist. Pure.
Production plan_production(uint64_t clip_seed, int sample_rate);

// Production without any change (the `--no-production` corpus): no filters, no codec, an even mono mix.
Production no_production();

}  // namespace mgc::synth
