// Replays the fuzzers' inputs through the library in every build (no clang or sanitizer needed): the seed corpora
// (fuzz/seeds: small valid files, which must load) and the inputs kept from fuzzing runs (tests/data/fuzz: each
// must be either accepted or rejected with mgc::Error, never crash or throw anything else). The byte layout is the
// fuzzers': the first byte picks the file extension (fuzz/fuzz_decode.cpp) or, for weights, the layout of
// fuzz/fuzz_input.h's write_weights_input (a first byte 'T': a TensorFlow checkpoint's index and data).
#include <gtest/gtest.h>

#include <filesystem>

#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/features/mel.h"
#include "mgc/models/weights.h"
#include "../../fuzz/fuzz_input.h"
#include "test_util.h"

using mgc::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Writes the input as the fuzzer would and runs decode + log-mel. Returns true if it decoded.
bool replay_decode(const TempDir& dir, const std::string& input) {
  static const char* kExt[] = {".wav", ".flac", ".mp3", ".ogg", ".aiff", ".au", ".m4a", ".opus"};
  const std::string bytes = mgc::read_file(input);
  if (bytes.empty()) return false;
  const std::string path = dir.file(std::string("input") + kExt[static_cast<unsigned char>(bytes[0]) % 8]);
  mgc::write_file_atomic(path, bytes.substr(1));
  mgc::audio::AudioConfig config;
  config.sample_rate = (static_cast<unsigned char>(bytes[0]) & 0x80) ? 0 : 22050;
  try {
    mgc::audio::probe_audio(path);
  } catch (const mgc::Error&) {
  }
  try {
    const auto audio = mgc::audio::load_audio(path, config);
    if (audio.sample_rate == 22050 && audio.channels == 1) {
      const mgc::features::MelSpectrogram mel{mgc::features::MelConfig{}};
      mgc::features::DbConfig db;
      db.ref_max = true;
      const auto s = mel.log_mel(audio.samples, db);
      EXPECT_EQ(s.rows, 128);
    }
    return true;
  } catch (const mgc::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("audio: cannot decode '", 0), 0u) << input << ": " << e.what();
    return false;
  }
}

bool replay_weights(const std::string& input) {
  const std::string bytes = mgc::read_file(input);
  if (bytes.empty()) return false;
  const std::string path =
      mgc::fuzz::write_weights_input(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  try {
    const auto sd = mgc::models::read_weights(path);
    return sd.numel() >= 0;
  } catch (const mgc::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("weights: ", 0), 0u) << input << ": " << e.what();
    return false;
  }
}

}  // namespace

TEST(FuzzRegressions, DecodeSeedsLoadAndKeptInputsNeverCrash) {
  TempDir dir;
  const auto seeds = files_in(std::string(MGC_SOURCE_DIR) + "/fuzz/seeds/decode");
  ASSERT_GE(seeds.size(), 5u);
  for (const auto& s : seeds) EXPECT_TRUE(replay_decode(dir, s)) << s;
  for (const auto& f : files_in(std::string(MGC_TEST_DATA_DIR) + "/fuzz/decode")) replay_decode(dir, f);
}

TEST(FuzzRegressions, WeightSeedsLoadAndKeptInputsNeverCrash) {
  const auto seeds = files_in(std::string(MGC_SOURCE_DIR) + "/fuzz/seeds/weights");
  ASSERT_EQ(seeds.size(), 4u);
  for (const auto& s : seeds) EXPECT_TRUE(replay_weights(s)) << s;
  for (const auto& f : files_in(std::string(MGC_TEST_DATA_DIR) + "/fuzz/weights")) replay_weights(f);
}
