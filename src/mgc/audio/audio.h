#pragma once
// Audio decoding: any file libsndfile reads (WAV, FLAC, OGG/Vorbis, MP3, AU, AIFF, ...) and, when built with
// MGC_WITH_FFMPEG, anything FFmpeg reads (m4a/aac, opus, ...). Follows librosa.load's rules so that features
// computed from our samples match librosa's: int PCM scaled by 1/2^(bits-1), mono = mean of the channels,
// offset/duration rounded to frames at the native rate, resampling with libsoxr at high quality (librosa's
// default res_type 'soxr_hq') and the output length fixed to ceil(n * target / native).
#include <cstdint>
#include <string>
#include <vector>

namespace mgc::audio {

struct AudioConfig {
  int sample_rate = 22050;  // target rate in Hz; 0 keeps the file's own rate
  bool mono = true;         // mix to one channel (mean of channels)
  double offset = 0.0;      // seconds to skip from the start
  double duration = -1.0;   // seconds to read after offset; < 0 reads to the end

  // Throws mgc::Error naming the field if a value is out of range.
  void validate() const;
};

struct Audio {
  std::vector<float> samples;  // interleaved if channels > 1; values in [-1, 1] for PCM sources
  int sample_rate = 0;         // Hz
  int channels = 0;

  int64_t frames() const { return channels > 0 ? static_cast<int64_t>(samples.size()) / channels : 0; }
  double seconds() const { return sample_rate > 0 ? static_cast<double>(frames()) / sample_rate : 0.0; }
};

// What a file holds, without decoding it.
struct AudioInfo {
  int sample_rate = 0;  // Hz
  int channels = 0;
  int64_t frames = 0;   // per channel; for compressed formats the decoder's estimate
  std::string format;   // e.g. "WAV (Microsoft) / Signed 16 bit PCM"
};

// Lowest and highest native sample rates accepted (Hz). Anything outside is treated as a corrupt header.
inline constexpr int kMinSampleRate = 1000;
inline constexpr int kMaxSampleRate = 768000;

// Reads a file's header. Throws mgc::Error ("audio: cannot decode '<path>': <cause>") if the file is missing,
// not audio, declares zero channels, zero frames or an absurd sample rate, or (WAV/AIFF/AU) declares more audio
// than the file holds. Truncated compressed data and NaN samples are only found by decoding (load_audio).
AudioInfo probe_audio(const std::string& path);

// Decodes `path` per `config`: float32 samples at config.sample_rate (or the native rate if 0), mono if asked.
// Reads only the frames that offset/duration select. Throws mgc::Error naming the file and cause on any failure:
// missing file, not audio, truncated data, no samples, zero channels, absurd sample rate, non-finite samples.
Audio load_audio(const std::string& path, const AudioConfig& config = {});

// Mixes interleaved multi-channel samples to mono by the mean of the channels (librosa.to_mono).
std::vector<float> mix_to_mono(const std::vector<float>& interleaved, int channels);

// Resamples mono samples from `from_rate` to `to_rate` Hz with libsoxr (high quality), returning exactly
// ceil(n * to_rate / from_rate) samples (librosa.resample's fix_length). Throws mgc::Error on bad rates.
std::vector<float> resample(const std::vector<float>& samples, int from_rate, int to_rate);

// Resamples interleaved multi-channel samples; same contract as resample() per channel.
std::vector<float> resample_interleaved(const std::vector<float>& samples, int channels, int from_rate,
                                        int to_rate);

// Cuts mono samples into windows of `window` samples every `hop` samples. The last, partial window is kept and
// zero-padded when at least `min_fill` of it (fraction in (0, 1]) is real audio; a clip shorter than one window
// yields one zero-padded window. Throws mgc::Error if window or hop are not positive.
std::vector<std::vector<float>> segment(const std::vector<float>& samples, int64_t window, int64_t hop,
                                        double min_fill = 0.5);

}  // namespace mgc::audio
