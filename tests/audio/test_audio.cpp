#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <limits>

#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "test_util.h"

using mgc::audio::AudioConfig;
using mgc::audio::load_audio;
using mgc::test::TempDir;

namespace {

// Expects load_audio(path) to throw an mgc::Error that names the file and contains `cause`.
void expect_decode_error(const std::string& path, const std::string& cause, const AudioConfig& cfg = {}) {
  try {
    load_audio(path, cfg);
    ADD_FAILURE() << "expected an error for " << path;
  } catch (const mgc::Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("audio: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(cause), std::string::npos) << msg;
  }
}

AudioConfig native() {
  AudioConfig c;
  c.sample_rate = 0;
  c.mono = false;
  return c;
}

}  // namespace

TEST(Audio, Pcm16WavIsScaledLikeLibrosa) {
  TempDir dir;
  const std::vector<short> pcm = {0, 16384, -16384, -32768, 32767, 1, -1};
  mgc::test::write_pcm16_wav(dir.file("a.wav"), pcm, 22050);
  const auto a = load_audio(dir.file("a.wav"));
  EXPECT_EQ(a.sample_rate, 22050);
  EXPECT_EQ(a.channels, 1);
  const std::vector<float> expected = {0.0f, 0.5f, -0.5f, -1.0f, 32767.0f / 32768.0f, 1.0f / 32768.0f,
                                       -1.0f / 32768.0f};
  EXPECT_EQ(a.samples, expected);
}

TEST(Audio, FixtureMatchesInt16Over32768) {
  // The librosa fixtures were made with y = int16 / 32768: read the raw PCM and compare bit for bit.
  const std::string path = mgc::test::data_path("chirp_3s.wav");
  const auto a = load_audio(path);
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  ASSERT_NE(f, nullptr);
  std::vector<short> raw(static_cast<size_t>(info.frames));
  sf_readf_short(f, raw.data(), info.frames);
  sf_close(f);
  ASSERT_EQ(a.samples.size(), raw.size());
  for (size_t i = 0; i < raw.size(); ++i) ASSERT_EQ(a.samples[i], raw[i] / 32768.0f) << i;
}

struct FormatCase {
  const char* name;
  const char* ext;
  int format;
  double tolerance;  // max abs error against the source samples (lossy codecs get a looser bound)
};

class AudioFormats : public ::testing::TestWithParam<FormatCase> {};

TEST_P(AudioFormats, DecodesToneAtRightPitchAndLength) {
  const FormatCase& fc = GetParam();
  TempDir dir;
  const int rate = 44100;
  const auto y = mgc::test::sine(1000.0, rate, 1.0, 0.5);
  const std::string path = dir.file(std::string("tone.") + fc.ext);
  mgc::test::write_sound(path, y, rate, 1, fc.format);
  const auto a = load_audio(path, native());
  EXPECT_EQ(a.sample_rate, rate);
  EXPECT_EQ(a.channels, 1);
  if (fc.tolerance < 0.01) {
    ASSERT_EQ(a.samples.size(), y.size());
    double max_err = 0.0;
    for (size_t i = 0; i < y.size(); ++i) max_err = std::max(max_err, std::abs(double(a.samples[i]) - y[i]));
    EXPECT_LE(max_err, fc.tolerance);
  } else {
    // Lossy codecs add encoder delay/padding: within 0.1 s of the source length.
    EXPECT_NEAR(static_cast<double>(a.samples.size()), static_cast<double>(y.size()), 0.1 * rate);
  }
  EXPECT_EQ(mgc::test::dominant_frequency(a.samples, rate, 900, 1100), 1000.0);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, AudioFormats,
    ::testing::Values(FormatCase{"wav16", "wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1.0 / 32768},
                      FormatCase{"wav24", "wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 1.0 / 8388608},
                      FormatCase{"wavfloat", "wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 0.0},
                      FormatCase{"flac", "flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 1.0 / 32768},
                      FormatCase{"au", "au", SF_FORMAT_AU | SF_FORMAT_PCM_16, 1.0 / 32768},
                      FormatCase{"aiff", "aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 1.0 / 32768},
                      FormatCase{"ogg", "ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 1.0},
                      FormatCase{"mp3", "mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 1.0}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Audio, StereoIsMixedByMeanOfChannels) {
  TempDir dir;
  std::vector<float> stereo;
  for (int i = 0; i < 1000; ++i) {
    stereo.push_back(0.5f);
    stereo.push_back(-0.25f);
  }
  mgc::test::write_sound(dir.file("s.wav"), stereo, 22050, 2, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  const auto a = load_audio(dir.file("s.wav"));
  ASSERT_EQ(a.channels, 1);
  ASSERT_EQ(a.samples.size(), 1000u);
  for (float v : a.samples) ASSERT_EQ(v, 0.125f);
  AudioConfig keep = native();
  const auto b = load_audio(dir.file("s.wav"), keep);
  EXPECT_EQ(b.channels, 2);
  EXPECT_EQ(b.samples, stereo);
}

TEST(Audio, ResamplingKeepsPitchAndFixesLength) {
  TempDir dir;
  const auto y = mgc::test::sine(1000.0, 44100, 2.0, 0.5);
  mgc::test::write_sound(dir.file("t.wav"), y, 44100, 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  const auto a = load_audio(dir.file("t.wav"));  // default 22050 Hz
  EXPECT_EQ(a.sample_rate, 22050);
  EXPECT_EQ(a.samples.size(), 44100u);  // ceil(88200 * 22050 / 44100)
  EXPECT_EQ(mgc::test::dominant_frequency(a.samples, 22050, 900, 1100), 1000.0);
  // Away from the edges the resampled tone is the ideal one to high accuracy (soxr HQ: ~ -96 dB).
  const auto ideal = mgc::test::sine(1000.0, 22050, 2.0, 0.5);
  double max_err = 0.0;
  for (size_t i = 2000; i < ideal.size() - 2000; ++i) max_err = std::max(max_err, std::abs(double(a.samples[i]) - ideal[i]));
  EXPECT_LT(max_err, 1e-3);

  // Upsampling an odd length: ceil(1001 * 48000 / 22050) = 2180.
  std::vector<float> odd(1001, 0.1f);
  EXPECT_EQ(mgc::audio::resample(odd, 22050, 48000).size(), 2180u);
}

TEST(Audio, OffsetAndDurationSelectExactFrames) {
  TempDir dir;
  std::vector<short> pcm(22050 * 3);
  std::vector<float> ramp(pcm.size());
  for (size_t i = 0; i < ramp.size(); ++i) {
    pcm[i] = static_cast<short>(i % 30000);
    ramp[i] = pcm[i] / 32768.0f;
  }
  mgc::test::write_pcm16_wav(dir.file("r.wav"), pcm, 22050);
  AudioConfig cfg;
  cfg.offset = 1.0;
  cfg.duration = 0.5;
  const auto a = load_audio(dir.file("r.wav"), cfg);
  ASSERT_EQ(a.samples.size(), 11025u);
  EXPECT_EQ(a.samples.front(), ramp[22050]);
  EXPECT_EQ(a.samples.back(), ramp[22050 + 11024]);
  cfg.duration = 100.0;  // longer than the file: read to the end
  EXPECT_EQ(load_audio(dir.file("r.wav"), cfg).samples.size(), 2u * 22050);
  cfg.offset = 5.0;
  expect_decode_error(dir.file("r.wav"), "beyond the end", cfg);
}

TEST(Audio, ConfigValidationNamesTheField) {
  AudioConfig c;
  c.sample_rate = 5;
  try {
    c.validate();
    FAIL();
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("AudioConfig.sample_rate"), std::string::npos);
  }
  c = AudioConfig{};
  c.offset = -1;
  EXPECT_THROW(c.validate(), mgc::Error);
  c = AudioConfig{};
  c.duration = std::numeric_limits<double>::infinity();
  EXPECT_THROW(c.validate(), mgc::Error);
}

TEST(AudioErrors, MissingEmptyDirectoryAndNotAudio) {
  TempDir dir;
  expect_decode_error(dir.file("nope.wav"), "no such file");
  expect_decode_error(dir.path(), "is a directory");
  std::ofstream(dir.file("empty.wav")).close();
  expect_decode_error(dir.file("empty.wav"), "empty file");
  std::mt19937 rng(7);
  std::string junk(4096, '\0');
  for (char& c : junk) c = static_cast<char>(rng());
  for (const char* name : {"junk.wav", "junk.flac", "junk.mp3", "junk.ogg"}) {
    mgc::write_file_atomic(dir.file(name), junk);
    EXPECT_THROW(load_audio(dir.file(name)), mgc::Error) << name;
  }
}

TEST(AudioErrors, TruncatedWavIsReported) {
  TempDir dir;
  const auto y = mgc::test::sine(440.0, 22050, 1.0);
  mgc::test::write_sound(dir.file("full.wav"), y, 22050, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  const std::string bytes = mgc::read_file(dir.file("full.wav"));
  mgc::write_file_atomic(dir.file("cut.wav"), bytes.substr(0, bytes.size() / 2));
  expect_decode_error(dir.file("cut.wav"), "truncated");
  mgc::test::write_sound(dir.file("full.flac"), y, 22050, 1, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  const std::string flac = mgc::read_file(dir.file("full.flac"));
  mgc::write_file_atomic(dir.file("cut.flac"), flac.substr(0, flac.size() / 2));
  expect_decode_error(dir.file("cut.flac"), "truncated");

  // A streaming writer's placeholder length (0xFFFFFFFF) is not truncation: the audio present is read.
  std::string streamed = bytes;
  const size_t data = streamed.find("data");
  ASSERT_NE(data, std::string::npos);
  for (int i = 0; i < 4; ++i) streamed[data + 4 + i] = static_cast<char>(0xFF);
  mgc::write_file_atomic(dir.file("stream.wav"), streamed);
  EXPECT_EQ(load_audio(dir.file("stream.wav")).samples.size(), y.size());
}

TEST(AudioErrors, ZeroFramesAndAbsurdRatesAndChannels) {
  TempDir dir;
  mgc::test::write_sound(dir.file("zero.wav"), {}, 22050, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  expect_decode_error(dir.file("zero.wav"), "zero length");

  // Patch the sample-rate field (bytes 24..27 of a canonical RIFF header) of a valid file.
  mgc::test::write_sound(dir.file("ok.wav"), mgc::test::sine(440.0, 22050, 0.1), 22050, 1,
                         SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  const std::string ok = mgc::read_file(dir.file("ok.wav"));
  ASSERT_EQ(ok.substr(12, 4), "fmt ");
  for (uint32_t rate : {1u, 10000000u}) {
    std::string patched = ok;
    std::memcpy(&patched[24], &rate, 4);
    const std::string path = dir.file("rate" + std::to_string(rate) + ".wav");
    mgc::write_file_atomic(path, patched);
    EXPECT_THROW(load_audio(path), mgc::Error) << rate;
  }
  std::string no_channels = ok;
  no_channels[22] = 0;
  no_channels[23] = 0;
  mgc::write_file_atomic(dir.file("nochan.wav"), no_channels);
  EXPECT_THROW(load_audio(dir.file("nochan.wav")), mgc::Error);
}

TEST(AudioErrors, NonFiniteSamplesAreRejected) {
  TempDir dir;
  std::vector<float> y(1000, 0.1f);
  y[500] = std::numeric_limits<float>::quiet_NaN();
  mgc::test::write_sound(dir.file("nan.wav"), y, 22050, 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  expect_decode_error(dir.file("nan.wav"), "NaN");
  y[500] = std::numeric_limits<float>::infinity();
  mgc::test::write_sound(dir.file("inf.wav"), y, 22050, 1, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  expect_decode_error(dir.file("inf.wav"), "infinite");
}

TEST(Audio, ProbeReportsHeader) {
  TempDir dir;
  mgc::test::write_sound(dir.file("p.flac"), std::vector<float>(2 * 4410, 0.0f), 44100, 2,
                         SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  const auto info = mgc::audio::probe_audio(dir.file("p.flac"));
  EXPECT_EQ(info.sample_rate, 44100);
  EXPECT_EQ(info.channels, 2);
  EXPECT_EQ(info.frames, 4410);
  EXPECT_NE(info.format.find("FLAC"), std::string::npos) << info.format;
}

TEST(Segment, WindowsHopAndTail) {
  std::vector<float> y(10);
  for (int i = 0; i < 10; ++i) y[i] = static_cast<float>(i + 1);
  auto s = mgc::audio::segment(y, 4, 4);  // [1..4] [5..8] [9,10,0,0] (tail is half full: kept)
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[2], (std::vector<float>{9, 10, 0, 0}));
  s = mgc::audio::segment(y, 4, 4, 0.75);  // the tail is only half full: dropped
  EXPECT_EQ(s.size(), 2u);
  s = mgc::audio::segment(y, 4, 2);  // overlap: starts 0,2,4,6 (6..9 ends the clip)
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[3], (std::vector<float>{7, 8, 9, 10}));
  s = mgc::audio::segment(std::vector<float>{1, 2}, 4, 4, 0.9);  // shorter than a window: one padded window
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0], (std::vector<float>{1, 2, 0, 0}));
  EXPECT_THROW(mgc::audio::segment(y, 0, 1), mgc::Error);
}
