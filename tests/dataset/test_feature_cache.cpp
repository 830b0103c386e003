#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/data/dataset.h"
#include "mgc/data/feature_cache.h"
#include "test_util.h"

using namespace mgc::data;
using mgc::test::TempDir;

TEST(FeatureCache, SecondReadIsAHitAndEqual) {
  TempDir dir;
  FeatureCache cache(dir.file("cache"), FeatureConfig{});
  const std::string wav = mgc::test::data_path("chirp_3s.wav");
  bool hit = true;
  const auto a = cache.get(wav, &hit);
  EXPECT_FALSE(hit);
  const auto b = cache.get(wav, &hit);
  EXPECT_TRUE(hit);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.rows, 128);
  EXPECT_EQ(a.cols, 130);
  // Log-mel in dB relative to the clip's maximum with an 80 dB range.
  EXPECT_FLOAT_EQ(*std::max_element(a.values.begin(), a.values.end()), 0.0f);
  EXPECT_GE(*std::min_element(a.values.begin(), a.values.end()), -80.0f);
}

TEST(FeatureCache, KeyFollowsContentAndSettings) {
  TempDir dir;
  const std::string wav = mgc::test::data_path("chirp_3s.wav");
  FeatureCache a(dir.file("cache"), FeatureConfig{});
  FeatureConfig other;
  other.mel.n_mels = 64;
  FeatureCache b(dir.file("cache"), other);
  EXPECT_NE(a.entry_path(wav), b.entry_path(wav));
  EXPECT_EQ(b.get(wav).rows, 64);
  // A copy of the file under another name shares the entry (content-hashed), an edited copy does not.
  std::filesystem::copy_file(wav, dir.file("copy.wav"));
  EXPECT_EQ(a.entry_path(wav), a.entry_path(dir.file("copy.wav")));
  std::string bytes = mgc::read_file(wav);
  bytes[bytes.size() - 1] ^= 0x01;
  mgc::write_file_atomic(dir.file("edited.wav"), bytes);
  EXPECT_NE(a.entry_path(wav), a.entry_path(dir.file("edited.wav")));
}

TEST(FeatureCache, CorruptOrTruncatedEntriesAreDetectedAndReplaced) {
  TempDir dir;
  FeatureCache cache(dir.file("cache"), FeatureConfig{});
  const std::string wav = mgc::test::data_path("short_700.wav");
  const auto good = cache.get(wav);
  const std::string entry = cache.entry_path(wav);
  std::string bytes = mgc::read_file(entry);
  bytes[bytes.size() / 2] ^= 0x40;  // one flipped bit in the payload
  mgc::write_file_atomic(entry, bytes);
  try {
    read_feature_file(entry);
    FAIL() << "a corrupted entry must be refused";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
  bool hit = true;
  EXPECT_EQ(cache.get(wav, &hit).values, good.values);  // recomputed, not used
  EXPECT_FALSE(hit);
  mgc::write_file_atomic(entry, mgc::read_file(entry).substr(0, 40));
  EXPECT_THROW(read_feature_file(entry), mgc::Error);
  EXPECT_EQ(cache.get(wav, &hit).values, good.values);
  EXPECT_FALSE(hit);
}

TEST(FeatureCache, ExtractCountsComputedReusedAndFailed) {
  TempDir dir;
  Dataset ds;
  for (const char* name : {"chirp_3s.wav", "groove_blues_5s.wav", "silence_1s.wav"}) {
    Clip c;
    c.path = mgc::test::data_path(name);
    c.label = "x";
    c.label_index = 0;
    ds.clips.push_back(c);
  }
  std::ofstream(dir.file("broken.wav")) << "not audio";
  Clip broken;
  broken.path = dir.file("broken.wav");
  broken.label = "x";
  ds.clips.push_back(broken);
  ds.classes = {"x"};
  FeatureCache cache(dir.file("cache"), FeatureConfig{});
  const ExtractReport first = extract_features(ds, cache, 2, false);
  EXPECT_EQ(first.computed, 3);
  EXPECT_EQ(first.reused, 0);
  EXPECT_EQ(first.failed, 1);
  ASSERT_EQ(first.errors.size(), 1u);
  EXPECT_NE(first.errors[0].find("broken.wav"), std::string::npos);
  const ExtractReport second = extract_features(ds, cache, 2, false);
  EXPECT_EQ(second.computed, 0);
  EXPECT_EQ(second.reused, 3);
  EXPECT_EQ(second.failed, 1);
}

TEST(Segments, StartsCoverTheClip) {
  EXPECT_EQ(segment_starts(100, 130, 65), (std::vector<int64_t>{0}));  // shorter than a window
  EXPECT_EQ(segment_starts(130, 130, 65), (std::vector<int64_t>{0}));
  EXPECT_EQ(segment_starts(260, 130, 65), (std::vector<int64_t>{0, 65, 130}));
  // 300 frames: 0, 65, 130 end at 260; 40 frames left > half a hop, so a last window flush with the end.
  EXPECT_EQ(segment_starts(300, 130, 65), (std::vector<int64_t>{0, 65, 130, 170}));
  EXPECT_EQ(segment_starts(270, 130, 65), (std::vector<int64_t>{0, 65, 130}));  // 10 frames left: dropped
  EXPECT_THROW(segment_starts(10, 0, 5), mgc::Error);
  mgc::features::Spectrogram s(2, 3);
  s.values = {1, 2, 3, 4, 5, 6};
  const auto c = crop_frames(s, 1, 4, -80.0f);
  EXPECT_EQ(c.values, (std::vector<float>{2, 3, -80, -80, 5, 6, -80, -80}));
}
