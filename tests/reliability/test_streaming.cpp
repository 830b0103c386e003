// Issue #10: predict streams long files (decodes and classifies block by block) and gets the same answer as the
// in-memory path. The real 2-hour figure (peak RSS) is in docs/RELIABILITY.md; this uses a short file and
// small blocks so that several block boundaries, the resampler and the final partial block are all exercised.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

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

// predict_files: with files decoded ahead on another thread the predictions are the ones predict_file gives, in
// order, a file that fails is reported in its place and the others go on, and a failing caller stops the work.
TEST_F(Streaming, FilesDecodedAheadGiveTheSamePredictionsInOrder) {
  const std::string wav = dir_->file("ahead.wav");
  const std::string flac = dir_->file("ahead.flac");  // long enough to stream below
  const std::string mp3 = dir_->file("ahead.mp3");
  const std::string bad = dir_->file("ahead-bad.wav");
  mgc::test::write_sound(wav, music(22050, 12.0, 1), 22050, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  mgc::test::write_sound(flac, music(44100, 33.7, 2), 44100, 2, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  mgc::test::write_sound(mp3, music(22050, 9.0, 1), 22050, 1, SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III);
  std::ofstream(bad) << "not audio";
  const std::vector<std::string> paths = {wav, dir_->file("missing.wav"), flac, bad, mp3, wav};
  Predictor p(dir_->file("run"), 1);
  StreamConfig small;
  small.min_seconds = 20.0;
  small.block_seconds = 5.0;
  p.set_streaming(small);

  struct Result {
    size_t index;
    std::vector<float> probs;
    std::string error;
    bool streamed = false;
  };
  const auto run = [&](int ahead) {
    std::vector<Result> out;
    p.predict_files(paths, ahead, [&](size_t i, FilePrediction* f, const std::string& error) {
      out.push_back({i, f ? f->probs : std::vector<float>{}, error, f && f->streamed});
      if (f) EXPECT_GT(f->milliseconds, 0.0) << paths[i];
    });
    return out;
  };
  const auto one_by_one = run(0);
  ASSERT_EQ(one_by_one.size(), paths.size());
  for (int ahead : {1, 2, 8}) {
    const auto overlapped = run(ahead);
    ASSERT_EQ(overlapped.size(), paths.size()) << ahead;
    for (size_t i = 0; i < paths.size(); ++i) {
      EXPECT_EQ(overlapped[i].index, i);
      EXPECT_EQ(overlapped[i].probs, one_by_one[i].probs) << ahead << " " << paths[i];
      EXPECT_EQ(overlapped[i].error, one_by_one[i].error) << ahead << " " << paths[i];
      EXPECT_EQ(overlapped[i].streamed, one_by_one[i].streamed) << ahead << " " << paths[i];
    }
  }
  for (size_t i : {size_t{0}, size_t{2}, size_t{4}}) {
    EXPECT_TRUE(one_by_one[i].error.empty()) << one_by_one[i].error;
    EXPECT_EQ(one_by_one[i].probs, p.predict_file(paths[i]).probs) << paths[i];
  }
  EXPECT_TRUE(one_by_one[2].streamed);
  EXPECT_NE(one_by_one[1].error.find("missing.wav"), std::string::npos) << one_by_one[1].error;
  EXPECT_NE(one_by_one[3].error.find("ahead-bad.wav"), std::string::npos) << one_by_one[3].error;
  EXPECT_EQ(one_by_one[5].probs, one_by_one[0].probs);

  // A caller that throws stops the work (the decoding thread is stopped and joined) and gets its exception.
  size_t calls = 0;
  EXPECT_THROW(p.predict_files(paths, 2,
                               [&](size_t, FilePrediction*, const std::string&) {
                                 if (++calls == 2) throw std::runtime_error("enough");
                               }),
               std::runtime_error);
  EXPECT_EQ(calls, 2u);
  EXPECT_THROW(p.predict_files(paths, -1, [](size_t, FilePrediction*, const std::string&) {}), mgc::Error);
}

}  // namespace
