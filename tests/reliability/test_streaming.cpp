// Issue #10: predict streams long files (decodes and classifies block by block) and gets the same answer as the
// in-memory path. The real 2-hour figure (peak RSS) is in docs/RELIABILITY.md; this uses a short file and
// small blocks so that several block boundaries, the resampler and the final partial block are all exercised.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <utility>

#include "mgc/core/error.h"
#include "mgc/run/predictor.h"
#include "test_util.h"
#include "train/toy_dataset.h"

using mgc::run::FilePrediction;
using mgc::run::Predictor;
using mgc::run::StreamConfig;
using mgc::test::TempDir;

namespace {

class Streaming : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    const auto r = mgc::test::train_toy_run_cli(*dir_);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { dir_.reset(); }

  // A varied signal: tones that change every few seconds plus noise, so each window differs.
  static std::vector<float> music(int rate, double seconds, int channels) {
    std::mt19937 rng(5);
    std::normal_distribution<float> g(0.0f, 0.05f);
    const auto n = static_cast<size_t>(std::llround(seconds * rate));
    std::vector<float> y(n * channels);
    for (size_t i = 0; i < n; ++i) {
      const double t = static_cast<double>(i) / rate;
      const double hz = 150.0 * (1 + static_cast<int>(t / 3.0) % 7);
      const float v = static_cast<float>(0.3 * std::sin(2 * M_PI * hz * t)) + g(rng);
      for (int c = 0; c < channels; ++c) y[i * channels + c] = v * (c == 0 ? 1.0f : 0.5f);
    }
    return y;
  }

  static void expect_same(const FilePrediction& a, const FilePrediction& b, float tol) {
    EXPECT_NEAR(a.audio_seconds, b.audio_seconds, 1e-9);
    ASSERT_EQ(a.segments.size(), b.segments.size());
    for (size_t i = 0; i < a.segments.size(); ++i) {
      EXPECT_DOUBLE_EQ(a.segments[i].start_seconds, b.segments[i].start_seconds) << i;
      EXPECT_DOUBLE_EQ(a.segments[i].end_seconds, b.segments[i].end_seconds) << i;
      for (size_t j = 0; j < a.segments[i].probs.size(); ++j)
        EXPECT_NEAR(a.segments[i].probs[j], b.segments[i].probs[j], tol) << i << "," << j;
    }
    ASSERT_EQ(a.probs.size(), b.probs.size());
    for (size_t j = 0; j < a.probs.size(); ++j) EXPECT_NEAR(a.probs[j], b.probs[j], tol) << j;
  }

  // The file predicted in memory (streaming off), then streamed with `streamed`; the second must have streamed.
  static std::pair<FilePrediction, FilePrediction> whole_then_streamed(Predictor& p, const std::string& path,
                                                                       const StreamConfig& streamed) {
    StreamConfig never;
    never.min_seconds = 0.0;
    p.set_streaming(never);
    FilePrediction whole = p.predict_file(path);
    EXPECT_FALSE(whole.streamed);
    p.set_streaming(streamed);
    FilePrediction s = p.predict_file(path);
    EXPECT_TRUE(s.streamed);
    return {std::move(whole), std::move(s)};
  }

  static std::unique_ptr<TempDir> dir_;
};
std::unique_ptr<TempDir> Streaming::dir_;

TEST_F(Streaming, LongWavStreamsAndMatchesTheInMemoryPath) {
  const std::string wav = dir_->file("long.wav");
  mgc::test::write_sound(wav, music(22050, 47.3, 1), 22050, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  Predictor p(dir_->file("run"), 1);
  StreamConfig small;
  small.min_seconds = 30.0;
  small.block_seconds = 7.0;
  const auto [whole, streamed] = whole_then_streamed(p, wav, small);
  EXPECT_GT(streamed.segments.size(), 40u);
  expect_same(whole, streamed, 1e-6f);  // no resampling: the same samples, the same features

  // Below the threshold the in-memory path is taken.
  small.min_seconds = 60.0;
  p.set_streaming(small);
  EXPECT_FALSE(p.predict_file(wav).streamed);
}

TEST_F(Streaming, ResampledStereoFlacStreamsToTheSameAnswer) {
  const std::string flac = dir_->file("long.flac");
  mgc::test::write_sound(flac, music(44100, 33.7, 2), 44100, 2, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  Predictor p(dir_->file("run"), 1);
  StreamConfig small;
  small.min_seconds = 10.0;
  small.block_seconds = 5.0;
  const auto [whole, streamed] = whole_then_streamed(p, flac, small);
  expect_same(whole, streamed, 1e-4f);  // blocks are resampled separately: rounding-level differences only
}

TEST_F(Streaming, ConfigIsValidatedAndMp3IsNotStreamed) {
  Predictor p(dir_->file("run"), 1);
  StreamConfig bad;
  bad.block_seconds = 0.5;
  EXPECT_THROW(p.set_streaming(bad), mgc::Error);
  bad.block_seconds = NAN;
  EXPECT_THROW(p.set_streaming(bad), mgc::Error);

  const std::string mp3 = dir_->file("long.mp3");
  mgc::test::write_sound(mp3, music(22050, 12.0, 1), 22050, 1, SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III);
  StreamConfig small;
  small.min_seconds = 5.0;
  small.block_seconds = 2.0;
  p.set_streaming(small);
  const FilePrediction r = p.predict_file(mp3);
  EXPECT_FALSE(r.streamed);  // MP3 lengths and seeks are estimates: loaded whole
  EXPECT_NEAR(r.audio_seconds, 12.0, 0.2);
}

}  // namespace
