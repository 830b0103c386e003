#include "mgc/audio/audio.h"

#include <sndfile.h>

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <memory>
#include <system_error>

#include "mgc/audio/decoders.h"
#include "mgc/core/error.h"

namespace mgc::audio {
namespace {

namespace fs = std::filesystem;

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

[[noreturn]] void fail(const std::string& path, const std::string& cause) {
  throw make_error("audio", "cannot decode '{}': {}", path, cause);
}

void check_path(const std::string& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) fail(path, "no such file");
  if (fs::is_directory(st)) fail(path, "is a directory");
  if (!fs::is_regular_file(st) && !fs::is_character_file(st) && !fs::is_fifo(st)) fail(path, "not a regular file");
  if (fs::file_size(path, ec) == 0 && !ec) fail(path, "empty file");
}

void check_header(const std::string& path, int sample_rate, int channels, int64_t frames) {
  if (channels <= 0) fail(path, fmt::format("declares {} channels", channels));
  if (channels > 256) fail(path, fmt::format("declares an absurd {} channels", channels));
  if (sample_rate < kMinSampleRate || sample_rate > kMaxSampleRate)
    fail(path, fmt::format("absurd sample rate {} Hz (accepted: {}..{} Hz)", sample_rate, kMinSampleRate,
                           kMaxSampleRate));
  if (frames == 0) fail(path, "zero length (no samples)");
}

std::string format_name(SNDFILE* file) {
  SF_FORMAT_INFO major{}, sub{};
  SF_INFO info{};
  sf_command(file, SFC_GET_CURRENT_SF_INFO, &info, sizeof(info));
  major.format = info.format & SF_FORMAT_TYPEMASK;
  sub.format = info.format & SF_FORMAT_SUBMASK;
  sf_command(nullptr, SFC_GET_FORMAT_INFO, &major, sizeof(major));
  sf_command(nullptr, SFC_GET_FORMAT_INFO, &sub, sizeof(sub));
  return fmt::format("{} / {}", major.name ? major.name : "?", sub.name ? sub.name : "?");
}

// Opens with libsndfile; returns null (and the library's reason) when it does not recognise the file.
SndfilePtr open_sndfile(const std::string& path, SF_INFO& info, std::string& reason) {
  info = SF_INFO{};
  SndfilePtr file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) reason = sf_strerror(nullptr);
  return file;
}

// libsndfile silently shortens a WAV/AIFF/AU whose header declares more audio than the file holds; its log
// says so ("data : 44100 (should be 19956)"). Returns the declared and present byte counts when that happened,
// ignoring the 0 / 0xFFFFFFFF placeholders that streaming writers put in the header.
bool header_overstates_data(SNDFILE* file, std::string& detail) {
  char log[8192] = {};
  sf_command(file, SFC_GET_LOG_INFO, log, sizeof(log));
  const std::string text(log);
  for (size_t pos = 0; (pos = text.find("(should be ", pos)) != std::string::npos; ++pos) {
    const size_t line = text.rfind('\n', pos) == std::string::npos ? 0 : text.rfind('\n', pos) + 1;
    const std::string head = text.substr(line, pos - line);
    if (head.rfind("data", 0) != 0 && head.rfind("SSND", 0) != 0) continue;
    const unsigned long long declared = std::strtoull(head.substr(head.find(':') + 1).c_str(), nullptr, 10);
    const unsigned long long present = std::strtoull(text.c_str() + pos + 11, nullptr, 10);
    if (declared == 0 || declared >= 0xFFFFFF00ull) return false;
    if (declared > present) {
      detail = fmt::format("header declares {} bytes of audio, file holds {}", declared, present);
      return true;
    }
  }
  return false;
}

// Decodes [start, start + count) frames at the native rate with libsndfile, interleaved.
Audio decode_sndfile(const std::string& path, SNDFILE* file, const SF_INFO& info, int64_t start, int64_t count) {
  if (start > 0 && sf_seek(file, start, SEEK_SET) < 0) fail(path, fmt::format("cannot seek to frame {}", start));

  Audio audio;
  audio.sample_rate = info.samplerate;
  audio.channels = info.channels;
  constexpr int64_t kChunk = 1 << 16;
  // Never trust a header's length for the allocation: grow as data really arrives.
  audio.samples.reserve(static_cast<size_t>(std::min<int64_t>(count, 1 << 22) * info.channels));
  std::vector<float> chunk(static_cast<size_t>(kChunk * info.channels));
  int64_t remaining = count;
  while (remaining > 0) {
    const int64_t want = std::min(remaining, kChunk);
    const sf_count_t got = sf_readf_float(file, chunk.data(), want);
    if (got < 0) fail(path, sf_strerror(file));
    if (got == 0) break;
    audio.samples.insert(audio.samples.end(), chunk.begin(), chunk.begin() + got * info.channels);
    remaining -= got;
  }
  if (sf_error(file) != SF_ERR_NO_ERROR) fail(path, fmt::format("corrupt or truncated data ({})", sf_strerror(file)));
  return audio;
}

int64_t seconds_to_frames(double seconds, int rate) {
  return static_cast<int64_t>(std::llround(seconds * rate));
}

}  // namespace

void AudioConfig::validate() const {
  if (sample_rate != 0 && (sample_rate < kMinSampleRate || sample_rate > kMaxSampleRate))
    throw make_error("audio", "AudioConfig.sample_rate must be 0 (native) or in {}..{} Hz, got {}", kMinSampleRate,
                     kMaxSampleRate, sample_rate);
  if (!std::isfinite(offset) || offset < 0)
    throw make_error("audio", "AudioConfig.offset must be a finite number of seconds >= 0, got {}", offset);
  if (!std::isfinite(duration))
    throw make_error("audio", "AudioConfig.duration must be finite (negative = to the end), got {}", duration);
}

AudioInfo probe_audio(const std::string& path) {
  check_path(path);
  SF_INFO info;
  std::string reason;
  if (SndfilePtr file = open_sndfile(path, info, reason)) {
    const int64_t frames = info.frames == SF_COUNT_MAX ? -1 : info.frames;
    check_header(path, info.samplerate, info.channels, frames);
    if (std::string detail; header_overstates_data(file.get(), detail)) fail(path, "truncated: " + detail);
    return AudioInfo{info.samplerate, info.channels, frames, format_name(file.get())};
  }
  if (ffmpeg_available()) return ffmpeg_probe(path);
  fail(path, reason);
}

Audio load_audio(const std::string& path, const AudioConfig& config) {
  config.validate();
  check_path(path);

  Audio audio;
  SF_INFO info;
  std::string reason;
  if (SndfilePtr file = open_sndfile(path, info, reason)) {
    check_header(path, info.samplerate, info.channels, info.frames);
    const int64_t start = seconds_to_frames(config.offset, info.samplerate);
    if (info.frames > 0 && start >= info.frames)
      fail(path, fmt::format("offset {} s is beyond the end ({:.3f} s)", config.offset,
                             static_cast<double>(info.frames) / info.samplerate));
    int64_t count = config.duration < 0 ? INT64_MAX : seconds_to_frames(config.duration, info.samplerate);
    if (info.frames > 0 && info.frames != SF_COUNT_MAX) count = std::min(count, info.frames - start);
    if (std::string detail; header_overstates_data(file.get(), detail)) fail(path, "truncated: " + detail);
    audio = decode_sndfile(path, file.get(), info, start, count);
    // MP3's frame count is an estimate; every other format's is exact, so a short read means lost data.
    const bool exact_length = (info.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_MPEG;
    if (exact_length && info.frames > 0 && info.frames != SF_COUNT_MAX && audio.frames() < count)
      fail(path, fmt::format("truncated: expected {} frames, decoded {}", count, audio.frames()));
  } else if (ffmpeg_available()) {
    audio = ffmpeg_decode(path, config.offset, config.duration);
  } else {
    fail(path, reason);
  }

  if (audio.samples.empty()) fail(path, "no samples decoded");
  for (float v : audio.samples)
    if (!std::isfinite(v)) fail(path, "contains NaN or infinite samples");

  if (config.mono && audio.channels > 1) {
    audio.samples = mix_to_mono(audio.samples, audio.channels);
    audio.channels = 1;
  }
  if (config.sample_rate != 0 && config.sample_rate != audio.sample_rate) {
    audio.samples = resample_interleaved(audio.samples, audio.channels, audio.sample_rate, config.sample_rate);
    audio.sample_rate = config.sample_rate;
  }
  return audio;
}

std::vector<float> mix_to_mono(const std::vector<float>& interleaved, int channels) {
  if (channels <= 0) throw make_error("audio", "mix_to_mono: channels must be positive, got {}", channels);
  if (interleaved.size() % static_cast<size_t>(channels) != 0)
    throw make_error("audio", "mix_to_mono: {} samples is not a multiple of {} channels", interleaved.size(),
                     channels);
  if (channels == 1) return interleaved;
  const size_t frames = interleaved.size() / channels;
  std::vector<float> mono(frames);
  for (size_t i = 0; i < frames; ++i) {
    // numpy's float32 mean over a small axis sums in float32 pairwise; for <= 8 channels that is a plain sum.
    float sum = 0.0f;
    for (int c = 0; c < channels; ++c) sum += interleaved[i * channels + c];
    mono[i] = sum / static_cast<float>(channels);
  }
  return mono;
}

std::vector<std::vector<float>> segment(const std::vector<float>& samples, int64_t window, int64_t hop,
                                        double min_fill) {
  if (window <= 0 || hop <= 0)
    throw make_error("audio", "segment: window and hop must be positive, got {} and {}", window, hop);
  if (!(min_fill > 0.0 && min_fill <= 1.0))
    throw make_error("audio", "segment: min_fill must be in (0, 1], got {}", min_fill);
  std::vector<std::vector<float>> out;
  const auto n = static_cast<int64_t>(samples.size());
  for (int64_t start = 0; start < n; start += hop) {
    const int64_t real = std::min(window, n - start);
    if (real < window && !(out.empty() || static_cast<double>(real) >= min_fill * static_cast<double>(window)))
      break;
    std::vector<float> w(static_cast<size_t>(window), 0.0f);
    std::copy(samples.begin() + start, samples.begin() + start + real, w.begin());
    out.push_back(std::move(w));
    if (start + window >= n) break;
  }
  return out;
}

}  // namespace mgc::audio
