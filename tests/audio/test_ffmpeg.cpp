// The FFmpeg decoder behind load_audio(): formats libsndfile cannot open (m4a/aac, opus in Matroska/WebM) and
// the direct ffmpeg_decode()/ffmpeg_probe() entry points. The files are generated here with the ffmpeg CLI.
//
// Note: libsndfile >= 1.0.29 reads Ogg/Opus itself, so load_audio("x.opus") never reaches FFmpeg; Opus is
// checked through ffmpeg_decode() directly and through load_audio() on a .webm file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mgc/audio/audio.h"
#include "mgc/audio/decoders.h"
#include "mgc/core/error.h"

namespace mgc::audio {
namespace {

namespace fs = std::filesystem;

constexpr double kPi = 3.14159265358979323846;

// One AAC frame is 1024 samples (23 ms at 44.1 kHz), one Opus frame 20 ms. The encoder's priming is removed
// through the container's edit list / pre-skip, but its end padding is not always: FFmpeg 5.1 decodes the 2 s
// sine.m4a to 89088 frames (+20 ms), exactly what the ffmpeg CLI, and so librosa through audioread, returns.
// Lengths are therefore checked to 50 ms: more than one codec frame, far less than any real error (a lost or
// repeated packet run, a wrong rate).
constexpr double kLengthToleranceSeconds = 0.050;

// Every nth sample of channel `channel` of interleaved samples.
std::vector<float> channel_of(const std::vector<float>& interleaved, int channels, int channel) {
  std::vector<float> out;
  out.reserve(interleaved.size() / channels);
  for (size_t i = channel; i < interleaved.size(); i += channels) out.push_back(interleaved[i]);
  return out;
}

// The middle part of `x`, dropping `edge` samples at both ends (codec start-up and end transients).
std::vector<float> middle(const std::vector<float>& x, size_t edge) {
  if (x.size() <= 2 * edge) return {};
  return std::vector<float>(x.begin() + edge, x.end() - edge);
}

// Frequency in Hz from rising zero crossings, each located to a fraction of a sample by linear interpolation:
// (crossings - 1) periods between the first and the last. -1 when fewer than two crossings.
double zero_crossing_frequency(const std::vector<float>& x, int sample_rate) {
  double first = -1.0, last = -1.0;
  int64_t count = 0;
  for (size_t i = 1; i < x.size(); ++i) {
    if (x[i - 1] < 0.0f && x[i] >= 0.0f) {
      const double t = static_cast<double>(i - 1) + x[i - 1] / (x[i - 1] - x[i]);
      if (count == 0) first = t;
      last = t;
      ++count;
    }
  }
  if (count < 2) return -1.0;
  return static_cast<double>(count - 1) * sample_rate / (last - first);
}

// Power of `x` at `freq` Hz (Goertzel), normalised by the length.
double goertzel_power(const std::vector<float>& x, int sample_rate, double freq) {
  const double coeff = 2.0 * std::cos(2.0 * kPi * freq / sample_rate);
  double s1 = 0.0, s2 = 0.0;
  for (float v : x) {
    const double s0 = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return power / (static_cast<double>(x.size()) * x.size());
}

double rms(const std::vector<float>& x) {
  double sum = 0.0;
  for (float v : x) sum += static_cast<double>(v) * v;
  return x.empty() ? 0.0 : std::sqrt(sum / x.size());
}

float max_abs_difference(const std::vector<float>& a, size_t a_begin, const std::vector<float>& b) {
  float worst = 0.0f;
  for (size_t i = 0; i < b.size(); ++i) worst = std::max(worst, std::abs(a[a_begin + i] - b[i]));
  return worst;
}

// Asserts that mono `x` at `rate` is a 1000 Hz tone: zero crossings give 1000 +- 1 Hz, the Goertzel power at
// 1000 Hz is > 1000x that at 1100 Hz, and the level is the generator's (lavfi sine: amplitude 1/8, RMS 0.0884).
void expect_1khz_tone(const std::vector<float>& x, int rate) {
  const std::vector<float> mid = middle(x, static_cast<size_t>(rate / 10));
  ASSERT_GE(mid.size(), static_cast<size_t>(rate / 4));
  EXPECT_NEAR(zero_crossing_frequency(mid, rate), 1000.0, 1.0);
  EXPECT_GT(goertzel_power(mid, rate, 1000.0), 1000.0 * goertzel_power(mid, rate, 1100.0));
  EXPECT_NEAR(rms(mid), 0.125 / std::sqrt(2.0), 0.125 / std::sqrt(2.0) * 0.05);
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

class FfmpegTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = (fs::path(::testing::TempDir()) / "mgc_ffmpeg_XXXXXX").string();
    if (mkdtemp(pattern.data())) dir_ = pattern;
  }

  static void TearDownTestSuite() {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  void SetUp() override { ASSERT_FALSE(dir_.empty()) << "mkdtemp failed in " << ::testing::TempDir(); }

  // The path of `name` in the temporary folder. A name from generated_files() is made with the ffmpeg CLI on
  // first use (so that ctest, which runs each test in its own process, makes only what a test needs); throws
  // std::runtime_error, which fails the test, if that does not work.
  static std::string path(const std::string& name) {
    const std::string file = (fs::path(dir_) / name).string();
    const auto& recipes = generated_files();
    const auto recipe = std::find_if(recipes.begin(), recipes.end(), [&](const auto& r) { return r.first == name; });
    if (recipe != recipes.end() && !fs::exists(file)) {
      const std::string command =
          "ffmpeg -nostdin -hide_banner -loglevel error -y " + recipe->second + " " + quoted(file);
      if (std::system(command.c_str()) != 0 || !fs::exists(file))
        throw std::runtime_error("could not generate " + name + " with: " + command);
    }
    return file;
  }

  static const std::vector<std::pair<std::string, std::string>>& generated_files() {
    // pan copies the tone unchanged to both channels (-ac 2 would scale it by 1/sqrt(2)).
    static const std::string sine44 =
        "-f lavfi -i sine=frequency=1000:sample_rate=44100:duration=2 -af \"pan=stereo|c0=c0|c1=c0\"";
    static const std::string sine48 = "-f lavfi -i sine=frequency=1000:sample_rate=48000:duration=2";
    // Left: a chirp 200 -> 1400 Hz (no two spans alike, so a misplaced span shows); right: 440 Hz.
    static const std::string chirp =
        "-f lavfi -i \"aevalsrc=0.5*sin(2*PI*(200*t+150*t*t))|0.3*sin(2*PI*440*t):s=44100:d=4\"";
    static const std::string chirp48 = "-f lavfi -i \"aevalsrc=0.5*sin(2*PI*(200*t+150*t*t)):s=48000:d=4\"";
    static const std::vector<std::pair<std::string, std::string>> files = {
        {"sine.m4a", sine44 + " -c:a aac"},
        {"sine_faststart.m4a", sine44 + " -c:a aac -movflags +faststart"},
        {"sine.opus", sine48 + " -c:a libopus"},
        {"sine.webm", sine48 + " -c:a libopus"},
        {"chirp.m4a", chirp + " -c:a aac -b:a 192k"},
        {"chirp.opus", chirp48 + " -c:a libopus"},
        {"chirp.webm", chirp48 + " -c:a libopus"},
        {"video_only.mp4", "-f lavfi -i color=c=black:s=16x16:d=1 -c:v mpeg4"},
    };
    return files;
  }

  // Writes the first `fraction` of `source`'s bytes to `target`; returns the path.
  static std::string truncated_copy(const std::string& source, const std::string& target, double fraction) {
    std::ifstream in(path(source), std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bytes.resize(static_cast<size_t>(bytes.size() * fraction));
    std::ofstream(path(target), std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path(target);
  }

  static AudioConfig native(bool mono) {
    AudioConfig cfg;
    cfg.sample_rate = 0;
    cfg.mono = mono;
    return cfg;
  }

  static inline std::string dir_;
};

TEST_F(FfmpegTest, IsAvailable) { EXPECT_TRUE(ffmpeg_available()); }

TEST_F(FfmpegTest, M4aAacDecodesAtNativeRateAndChannels) {
  const Audio audio = load_audio(path("sine.m4a"), native(false));
  EXPECT_EQ(audio.sample_rate, 44100);
  ASSERT_EQ(audio.channels, 2);
  EXPECT_NEAR(audio.seconds(), 2.0, kLengthToleranceSeconds);
  const std::vector<float> left = channel_of(audio.samples, 2, 0);
  const std::vector<float> right = channel_of(audio.samples, 2, 1);
  expect_1khz_tone(left, 44100);
  // Both channels carry the same tone. Lossy joint-stereo coding leaves ~1.5e-3 between them (measured); an
  // interleaving error (planar read as packed, a frame off) would leave ~0.25.
  EXPECT_LT(max_abs_difference(left, 0, right), 0.01f);
}

// librosa reads these formats through audioread, i.e. the ffmpeg CLI writing float32: the same samples.
TEST_F(FfmpegTest, SamplesEqualTheFfmpegCliOutput) {
  for (const std::string name : {"chirp.m4a", "chirp.opus", "chirp.webm"}) {
    SCOPED_TRACE(name);
    const std::string raw = path(name + ".f32");
    const std::string command = "ffmpeg -nostdin -hide_banner -loglevel error -y -i " + quoted(path(name)) +
                                " -f f32le -c:a pcm_f32le " + quoted(raw);
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::ifstream in(raw, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<float> expected(bytes.size() / sizeof(float));
    std::memcpy(expected.data(), bytes.data(), expected.size() * sizeof(float));

    const Audio audio = ffmpeg_decode(path(name), 0.0, -1.0);
    ASSERT_EQ(audio.samples.size(), expected.size());
    EXPECT_EQ(max_abs_difference(audio.samples, 0, expected), 0.0f);
  }
}

TEST_F(FfmpegTest, StereoChannelsKeepTheirOrder) {
  const Audio audio = load_audio(path("chirp.m4a"), native(false));
  ASSERT_EQ(audio.channels, 2);
  EXPECT_NEAR(audio.seconds(), 4.0, kLengthToleranceSeconds);
  const std::vector<float> right = middle(channel_of(audio.samples, 2, 1), 4410);
  const std::vector<float> left = middle(channel_of(audio.samples, 2, 0), 4410);
  EXPECT_NEAR(zero_crossing_frequency(right, 44100), 440.0, 1.0);
  EXPECT_NEAR(rms(right), 0.3 / std::sqrt(2.0), 0.3 / std::sqrt(2.0) * 0.05);
  EXPECT_NEAR(rms(left), 0.5 / std::sqrt(2.0), 0.5 / std::sqrt(2.0) * 0.05);
  EXPECT_LT(goertzel_power(left, 44100, 440.0), 0.01 * goertzel_power(right, 44100, 440.0));
}

TEST_F(FfmpegTest, M4aResampledTo22050IsStillA1kHzTone) {
  const Audio native_audio = load_audio(path("sine.m4a"), native(true));
  AudioConfig cfg;
  cfg.sample_rate = 22050;
  cfg.mono = true;
  const Audio audio = load_audio(path("sine.m4a"), cfg);
  EXPECT_EQ(audio.sample_rate, 22050);
  EXPECT_EQ(audio.channels, 1);
  // librosa's fix_length: ceil(n * 22050 / 44100).
  EXPECT_EQ(audio.frames(), (native_audio.frames() + 1) / 2);
  expect_1khz_tone(audio.samples, 22050);
}

TEST_F(FfmpegTest, OpusDecodesThroughFfmpegDirectly) {
  const Audio audio = ffmpeg_decode(path("sine.opus"), 0.0, -1.0);
  EXPECT_EQ(audio.sample_rate, 48000);
  ASSERT_EQ(audio.channels, 1);
  EXPECT_NEAR(audio.seconds(), 2.0, kLengthToleranceSeconds);
  expect_1khz_tone(audio.samples, 48000);
}

TEST_F(FfmpegTest, OpusInWebmDecodesThroughLoadAudio) {
  const Audio audio = load_audio(path("sine.webm"), native(true));
  EXPECT_EQ(audio.sample_rate, 48000);
  ASSERT_EQ(audio.channels, 1);
  EXPECT_NEAR(audio.seconds(), 2.0, kLengthToleranceSeconds);
  expect_1khz_tone(audio.samples, 48000);

  AudioConfig cfg;
  cfg.sample_rate = 22050;
  const Audio resampled = load_audio(path("sine.webm"), cfg);
  EXPECT_EQ(resampled.frames(), (audio.frames() * 22050 + 47999) / 48000);
  expect_1khz_tone(resampled.samples, 22050);
}

TEST_F(FfmpegTest, OffsetAndDurationSelectExactSpan) {
  AudioConfig cfg;
  cfg.sample_rate = 22050;
  cfg.offset = 0.5;
  cfg.duration = 1.0;
  // round(0.5 * 44100) .. + round(1.0 * 44100) native frames, resampled to exactly 22050.
  const Audio audio = load_audio(path("sine.m4a"), cfg);
  EXPECT_EQ(audio.sample_rate, 22050);
  EXPECT_EQ(audio.frames(), 22050);
  expect_1khz_tone(audio.samples, 22050);

  AudioConfig raw = native(false);
  raw.offset = 0.25;
  raw.duration = 0.5;
  const Audio stereo = load_audio(path("sine.m4a"), raw);
  EXPECT_EQ(stereo.channels, 2);
  EXPECT_EQ(stereo.frames(), 22050);

  const Audio opus = ffmpeg_decode(path("sine.opus"), 0.5, 1.0);
  EXPECT_EQ(opus.frames(), 48000);

  // A duration past the end stops at the end.
  AudioConfig tail = native(true);
  tail.offset = 1.5;
  tail.duration = 10.0;
  const Audio rest = load_audio(path("sine.m4a"), tail);
  const Audio full = load_audio(path("sine.m4a"), native(true));
  EXPECT_EQ(rest.frames(), full.frames() - 66150);
  tail.duration = 1e300;  // saturates instead of overflowing
  EXPECT_EQ(load_audio(path("sine.m4a"), tail).frames(), full.frames() - 66150);
}

// A span selected by offset/duration is sample for sample the same part of a full decode: without a seek
// (offset <= 1 s) exactly, and after a demuxer seek (offset > 1 s) once the decoder's state has settled.
void expect_span_matches_full(const std::string& file, int rate, int channels, float seek_tolerance) {
  const Audio full = ffmpeg_decode(file, 0.0, -1.0);
  ASSERT_EQ(full.sample_rate, rate);
  ASSERT_EQ(full.channels, channels);
  for (const double offset : {0.7, 1.5, 2.5}) {
    SCOPED_TRACE(testing::Message() << file << " offset " << offset);
    const Audio span = ffmpeg_decode(file, offset, 0.5);
    ASSERT_EQ(span.frames(), std::llround(0.5 * rate));
    const size_t begin = static_cast<size_t>(std::llround(offset * rate)) * channels;
    ASSERT_LE(begin + span.samples.size(), full.samples.size());
    const float tolerance = offset <= 1.0 ? 0.0f : seek_tolerance;
    EXPECT_LE(max_abs_difference(full.samples, begin, span.samples), tolerance);
    // One frame off differs by about 0.5 * 2 * pi * f / rate (> 0.025 for the chirp's f >= 410 Hz here).
    EXPECT_GT(max_abs_difference(full.samples, begin + channels, span.samples), 0.01f);
  }
}

TEST_F(FfmpegTest, SpanAfterSeekMatchesFullDecodeM4a) {
  // AAC's inter-frame state is the MDCT overlap, settled after one frame of pre-roll; what remains is the
  // encoder's noise substitution, whose random generator restarts at the seek (measured: ~1e-5).
  expect_span_matches_full(path("chirp.m4a"), 44100, 2, 1e-4f);
}

TEST_F(FfmpegTest, SpanAfterSeekMatchesFullDecodeOggOpus) {
  // Opus (CELT) keeps more state (energy prediction, pitch pre-filter); after 0.5 s of pre-roll it has
  // converged to well within 1e-3 of the sequential decode.
  expect_span_matches_full(path("chirp.opus"), 48000, 1, 1e-3f);
}

TEST_F(FfmpegTest, SpanInWebmMatchesFullDecodeExactly) {
  // WebM timestamps count milliseconds (48 frames at 48 kHz), too coarse to place a span after a seek: the
  // decoder reads from the start instead, so every span is exact.
  expect_span_matches_full(path("chirp.webm"), 48000, 1, 0.0f);
}

TEST_F(FfmpegTest, OffsetBeyondTheEndThrows) {
  for (const double offset : {2.5, 30.0, 1e300}) {
    try {
      ffmpeg_decode(path("sine.m4a"), offset, -1.0);
      ADD_FAILURE() << "no error for offset " << offset;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("beyond the end"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path("sine.m4a")), std::string::npos) << e.what();
    }
  }
}

TEST_F(FfmpegTest, ProbeReportsRateChannelsLengthAndFormat) {
  const AudioInfo m4a = ffmpeg_probe(path("sine.m4a"));
  EXPECT_EQ(m4a.sample_rate, 44100);
  EXPECT_EQ(m4a.channels, 2);
  EXPECT_NEAR(static_cast<double>(m4a.frames), 88200.0, kLengthToleranceSeconds * 44100);
  EXPECT_NE(m4a.format.find("mp4"), std::string::npos) << m4a.format;
  EXPECT_NE(m4a.format.find("aac"), std::string::npos) << m4a.format;

  const AudioInfo opus = ffmpeg_probe(path("sine.opus"));
  EXPECT_EQ(opus.sample_rate, 48000);
  EXPECT_EQ(opus.channels, 1);
  EXPECT_NEAR(static_cast<double>(opus.frames), 96000.0, kLengthToleranceSeconds * 48000);
  EXPECT_NE(opus.format.find("ogg"), std::string::npos) << opus.format;
  EXPECT_NE(opus.format.find("opus"), std::string::npos) << opus.format;

  // The public probe reaches FFmpeg for what libsndfile cannot open.
  const AudioInfo public_info = probe_audio(path("sine.m4a"));
  EXPECT_EQ(public_info.sample_rate, 44100);
  EXPECT_EQ(public_info.channels, 2);
  EXPECT_EQ(public_info.format, m4a.format);
}

void expect_error_naming(const std::string& file, const std::function<void()>& call, const std::string& cause) {
  try {
    call();
    ADD_FAILURE() << "no error for " << file;
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("audio: cannot decode '" + file + "': ", 0), 0u) << what;
    if (!cause.empty()) {
      EXPECT_NE(what.find(cause), std::string::npos) << what;
    }
  }
}

TEST_F(FfmpegTest, RandomBytesNamedM4aThrowErrorWithPath) {
  const std::string file = path("noise.m4a");
  std::mt19937 rng(1234);
  std::string bytes(8192, '\0');
  for (char& b : bytes) b = static_cast<char>(rng() & 0xff);
  std::ofstream(file, std::ios::binary) << bytes;
  expect_error_naming(file, [&] { load_audio(file); }, "");
  expect_error_naming(file, [&] { probe_audio(file); }, "");
  expect_error_naming(file, [&] { ffmpeg_decode(file, 0.0, -1.0); }, "");
}

TEST_F(FfmpegTest, NoAudioStreamThrows) {
  const std::string file = path("video_only.mp4");
  expect_error_naming(file, [&] { load_audio(file); }, "no audio stream");
  expect_error_naming(file, [&] { ffmpeg_probe(file); }, "no audio stream");
}

TEST_F(FfmpegTest, MissingFileThrows) {
  const std::string file = path("absent.m4a");
  expect_error_naming(file, [&] { ffmpeg_decode(file, 0.0, -1.0); }, "No such file");
  expect_error_naming(file, [&] { ffmpeg_probe(file); }, "No such file");
}

TEST_F(FfmpegTest, ZeroDurationThrows) {
  const std::string file = path("sine.m4a");
  expect_error_naming(file, [&] { ffmpeg_decode(file, 0.5, 0.0); }, "selects no samples");
}

// Truncation must end in an mgc::Error naming the file (or, where the container cannot tell, fewer samples),
// never in a crash or a silently short "full" decode.
TEST_F(FfmpegTest, TruncatedFilesThrowErrorNamingFile) {
  // moov at the end (ffmpeg's default): the first 40% holds no sample index, so opening fails.
  const std::string no_index = truncated_copy("sine.m4a", "cut.m4a", 0.4);
  expect_error_naming(no_index, [&] { load_audio(no_index); }, "Invalid data");
  // moov in front: the index promises 2 s, the data stops after ~0.8 s inside a packet.
  const std::string indexed = truncated_copy("sine_faststart.m4a", "cut_faststart.m4a", 0.4);
  expect_error_naming(indexed, [&] { load_audio(indexed); }, "truncated");
  // WebM: the packets end cleanly, but the header declares 2 s.
  const std::string webm = truncated_copy("sine.webm", "cut.webm", 0.4);
  expect_error_naming(webm, [&] { load_audio(webm); }, "truncated: the header declares 2.0");
  // Ogg (read directly: libsndfile opens .opus itself for load_audio).
  const std::string ogg = truncated_copy("sine.opus", "cut.opus", 0.4);
  expect_error_naming(ogg, [&] { ffmpeg_decode(ogg, 0.0, -1.0); }, "");
}

TEST_F(FfmpegTest, SpanBeforeTheDamageOfATruncatedFileStillDecodes) {
  const std::string webm = truncated_copy("sine.webm", "cut_span.webm", 0.4);
  AudioConfig cfg = native(true);
  cfg.offset = 0.1;
  cfg.duration = 0.5;
  const Audio audio = load_audio(webm, cfg);
  EXPECT_EQ(audio.frames(), 24000);
  expect_1khz_tone(audio.samples, 48000);
}

}  // namespace
}  // namespace mgc::audio
