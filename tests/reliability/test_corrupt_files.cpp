// Issue #10: a truncated or corrupted checkpoint or weights file is detected and reported, never silently used.
// (The feature cache's checksums are tested in tests/dataset/test_feature_cache.cpp.)
#include <gtest/gtest.h>

#include <filesystem>

#include "mgc/core/fs.h"
#include "test_util.h"
#include "train/toy_dataset.h"

using mgc::test::run_cli;
using mgc::test::TempDir;

namespace {

class CorruptFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    manifest_ = mgc::test::make_toy_dataset(dir_->path(), 1, 2.0);
    const auto r = run_cli("train --data " + manifest_ + " --out " + dir_->file("run") + " --cache " +
                           dir_->file("cache") +
                           " --epochs 1 --batch-size 4 --segment 1 --val 0.25 --test 0.25 --patience 0 --threads 1 -q");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { dir_.reset(); }

  // A copy of the finished run whose `file` is replaced by `bytes`; returns the copy's folder.
  static std::string damaged_run(const std::string& name, const std::string& file, const std::string& bytes) {
    const std::string copy = dir_->file(name);
    std::filesystem::copy(dir_->file("run"), copy, std::filesystem::copy_options::recursive);
    mgc::write_file_atomic(copy + "/" + file, bytes);
    return copy;
  }

  static std::unique_ptr<TempDir> dir_;
  static std::string manifest_;
};
std::unique_ptr<TempDir> CorruptFiles::dir_;
std::string CorruptFiles::manifest_;

TEST_F(CorruptFiles, DamagedCheckpointStopsResumeWithAClearError) {
  const std::string good = mgc::read_file(dir_->file("run") + "/checkpoint.pt");
  ASSERT_GT(good.size(), 1000u);
  const std::vector<std::pair<std::string, std::string>> damages = {
      {"truncated", good.substr(0, good.size() / 2)},
      {"empty", ""},
      {"garbage", std::string(good.size(), '\x01')},
  };
  for (const auto& [name, bytes] : damages) {
    const std::string run = damaged_run("ckpt_" + name, "checkpoint.pt", bytes);
    // Resume asks for 2 epochs in all: the damaged checkpoint must not be used, nor silently replaced.
    const auto r = run_cli("train --resume " + run + " --epochs 2 -q");
    EXPECT_NE(r.exit_code, 0) << name << ": resumed from a damaged checkpoint\n" << r.output;
    EXPECT_NE(r.output.find("checkpoint"), std::string::npos) << name << ": " << r.output;
    EXPECT_EQ(mgc::read_file(run + "/checkpoint.pt"), bytes) << name << ": the damaged file was overwritten";
  }
}

// libtorch does not verify the zip entries' CRC-32, so bytes flipped inside a tensor would load silently: the
// trainer stores a checksum of the archive in front of it and refuses a file that fails it.
TEST_F(CorruptFiles, FlippedBytesInACheckpointAreDetected) {
  std::string flipped = mgc::read_file(dir_->file("run") + "/checkpoint.pt");
  for (size_t i = flipped.size() / 3; i < flipped.size() / 3 + 64; ++i) flipped[i] = static_cast<char>(flipped[i] ^ 0x5A);
  const std::string run = damaged_run("ckpt_flipped", "checkpoint.pt", flipped);
  const auto r = run_cli("train --resume " + run + " --epochs 2 -q");
  EXPECT_NE(r.exit_code, 0) << "resumed from a damaged checkpoint\n" << r.output;
  EXPECT_NE(r.output.find("fails its checksum"), std::string::npos) << r.output;
  EXPECT_EQ(mgc::read_file(run + "/checkpoint.pt"), flipped) << "the damaged file was overwritten";
}

TEST_F(CorruptFiles, DamagedWeightsStopPredictWithAClearError) {
  const std::string good = mgc::read_file(dir_->file("run") + "/best.safetensors");
  mgc::test::write_sound(dir_->file("clip.wav"), mgc::test::sine(300.0, 22050, 2.0), 22050, 1,
                         SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  std::string header_bent = good;
  header_bent[10] = '#';  // inside the JSON header
  const std::vector<std::pair<std::string, std::string>> damages = {
      {"truncated", good.substr(0, good.size() - 100)},
      {"header", header_bent},
      {"tiny", good.substr(0, 5)},
  };
  for (const auto& [name, bytes] : damages) {
    const std::string run = damaged_run("w_" + name, "best.safetensors", bytes);
    const auto r = run_cli("predict " + run + " " + dir_->file("clip.wav") + " --threads 1");
    EXPECT_EQ(r.exit_code, 1) << name << "\n" << r.output;
    // Truncation names the file; a bent header shows up as keys that do not match the model.
    EXPECT_NE(r.output.find("mgc: error: weights: "), std::string::npos) << name << ": " << r.output;
    if (name != "header")
      EXPECT_NE(r.output.find("'" + run + "/best.safetensors'"), std::string::npos) << name << ": " << r.output;
  }
}

}  // namespace
