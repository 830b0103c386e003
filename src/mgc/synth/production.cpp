#include "mgc/synth/production.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "mgc/core/random.h"

namespace mgc::synth {
namespace {

// Log-uniform in [lo, hi).
double log_uniform(SplitMix64& rng, double lo, double hi) { return lo * std::pow(hi / lo, rng.uniform()); }

}  // namespace

Production no_production() {
  Production p;
  p.summary = "none";
  return p;
}

Production plan_production(uint64_t clip_seed, int sample_rate) {
  SplitMix64 rng(splitmix64(clip_seed ^ 0x9d0d5c7105ull));
  Production p;
  std::vector<std::string> parts;
  const double nyquist = sample_rate / 2.0;
  // Every draw is made whatever the outcome of the chance before it, so one choice never shifts the next.
  const bool highpass = rng.chance(0.5);
  const double hp_hz = log_uniform(rng, 40, 250);
  const bool lowpass = rng.chance(0.35);
  const double lp_hz = std::min(log_uniform(rng, 3000, 12000), 0.9 * nyquist);
  const int bands = rng.range(0, 3);
  struct Band {
    double hz, gain_db, q;
  };
  std::vector<Band> eq;
  for (int i = 0; i < 3; ++i) {
    const Band b{std::min(log_uniform(rng, 80, 8000), 0.8 * nyquist), rng.uniform(-9.0, 9.0), rng.uniform(0.5, 2.0)};
    if (i < bands) eq.push_back(b);
  }
  const bool shelves = rng.chance(0.5);
  const double bass_db = rng.uniform(-6.0, 6.0), treble_db = rng.uniform(-6.0, 6.0);
  const bool compress = rng.chance(0.5);
  const double threshold = log_uniform(rng, 0.03, 0.3), ratio = rng.uniform(2.0, 10.0);
  const double attack_ms = log_uniform(rng, 2, 50), release_ms = log_uniform(rng, 40, 400);
  const bool echo = rng.chance(0.2);
  const double echo_ms = rng.uniform(30.0, 120.0), echo_decay = rng.uniform(0.15, 0.4);
  const double codec_draw = rng.uniform();
  const int mp3_rates[] = {32, 48, 64, 96, 128, 160};  // MPEG-2 Layer III at 22.05/24 kHz: 8-160 kb/s
  const int opus_rates[] = {16, 24, 32, 48, 64, 96};
  const int rate_index = rng.range(0, 5);
  p.left_weight = rng.uniform(0.25, 0.75);
  const bool hiss = rng.chance(0.3);
  const double hiss_db = rng.uniform(25.0, 50.0);
  const bool crackle = rng.chance(0.15);
  const double crackle_rate = rng.uniform(1.0, 12.0);

  if (highpass) {
    p.filters.push_back(fmt::format("highpass=f={:.1f}:p=2", hp_hz));
    parts.push_back("hp");
  }
  if (!eq.empty()) {
    for (const Band& b : eq)
      p.filters.push_back(fmt::format("equalizer=f={:.1f}:t=q:w={:.3f}:g={:.2f}", b.hz, b.q, b.gain_db));
    parts.push_back("eq");
  }
  if (shelves) {
    p.filters.push_back(fmt::format("bass=g={:.2f}", bass_db));
    p.filters.push_back(fmt::format("treble=g={:.2f}", treble_db));
    parts.push_back("shelves");
  }
  if (compress) {
    p.filters.push_back(fmt::format("acompressor=threshold={:.4f}:ratio={:.2f}:attack={:.2f}:release={:.1f}:makeup=2",
                                    threshold, ratio, attack_ms, release_ms));
    parts.push_back("comp");
  }
  if (echo) {
    p.filters.push_back(fmt::format("aecho=0.9:0.9:{:.1f}:{:.3f}", echo_ms, echo_decay));
    parts.push_back("echo");
  }
  if (lowpass) {
    p.filters.push_back(fmt::format("lowpass=f={:.1f}:p=2", lp_hz));
    parts.push_back("lp");
  }
  if (codec_draw < 0.25) {
    p.codec = "mp3";
    p.bitrate_kbps = mp3_rates[rate_index];
  } else if (codec_draw < 0.5) {
    p.codec = "opus";
    p.bitrate_kbps = opus_rates[rate_index];
  }
  if (!p.codec.empty()) parts.push_back(fmt::format("{}@{}k", p.codec, p.bitrate_kbps));
  if (hiss) {
    p.hiss_db = hiss_db;
    parts.push_back("hiss");
  }
  if (crackle) {
    p.crackle_per_s = crackle_rate;
    parts.push_back("crackle");
  }
  p.summary = parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, "+"));
  return p;
}

}  // namespace mgc::synth
