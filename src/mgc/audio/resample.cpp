#include <soxr.h>

#include <cmath>

#include "mgc/audio/audio.h"
#include "mgc/core/error.h"

namespace mgc::audio {

std::vector<float> resample_interleaved(const std::vector<float>& samples, int channels, int from_rate,
                                        int to_rate) {
  if (from_rate <= 0 || to_rate <= 0)
    throw make_error("audio", "resample: rates must be positive, got {} -> {} Hz", from_rate, to_rate);
  if (channels <= 0) throw make_error("audio", "resample: channels must be positive, got {}", channels);
  const size_t frames = samples.size() / static_cast<size_t>(channels);
  if (from_rate == to_rate) return samples;
  const double ratio = static_cast<double>(to_rate) / from_rate;
  const auto out_frames = static_cast<size_t>(std::ceil(static_cast<double>(frames) * ratio));
  std::vector<float> out((out_frames + 16) * static_cast<size_t>(channels), 0.0f);

  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  size_t done = 0;
  const soxr_error_t err = soxr_oneshot(from_rate, to_rate, static_cast<unsigned>(channels), samples.data(),
                                        frames, nullptr, out.data(), out_frames + 16, &done, &io, &quality, nullptr);
  if (err) throw make_error("audio", "resample {} -> {} Hz failed: {}", from_rate, to_rate, soxr_strerror(err));
  // librosa fixes the length to ceil(n * ratio): trim the tail or zero-pad it.
  out.resize(out_frames * static_cast<size_t>(channels));
  if (done < out_frames) std::fill(out.begin() + static_cast<std::ptrdiff_t>(done * channels), out.end(), 0.0f);
  return out;
}

std::vector<float> resample(const std::vector<float>& samples, int from_rate, int to_rate) {
  return resample_interleaved(samples, 1, from_rate, to_rate);
}

}  // namespace mgc::audio
