#include <gtest/gtest.h>

#include <fstream>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/npy.h"
#include "test_util.h"

using mgc::test::TempDir;

TEST(Npy, RoundTripsShapeAndValues) {
  TempDir dir;
  const std::vector<float> values = {1.5f, -2.0f, 3.25f, 0.0f, 1e-8f, 7.0f};
  mgc::write_npy(dir.file("a.npy"), {2, 3}, values.data());
  const mgc::NpyArray a = mgc::read_npy(dir.file("a.npy"));
  ASSERT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.data, values);
}

TEST(Npy, HeaderIsNumpyCompatible) {
  TempDir dir;
  const float v[3] = {1, 2, 3};
  mgc::write_npy(dir.file("v.npy"), {3}, v);
  const std::string bytes = mgc::read_file(dir.file("v.npy"));
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);  // numpy aligns the data to 64 bytes
  EXPECT_NE(bytes.find("'shape': (3,)"), std::string::npos);
  EXPECT_EQ(bytes.size(), 10 + header_len + 3 * sizeof(float));
}

TEST(Npy, ReadsLibrosaFixture) {
  const mgc::NpyArray a = mgc::read_npy(mgc::test::data_path("short_700.mel_db.npy"));
  ASSERT_EQ(a.shape, (std::vector<int64_t>{128, 2}));
  EXPECT_EQ(a.numel(), 256);
}

TEST(Npy, RejectsBadFiles) {
  TempDir dir;
  std::ofstream(dir.file("bad.npy")) << "not numpy at all";
  EXPECT_THROW(mgc::read_npy(dir.file("bad.npy")), mgc::Error);
  EXPECT_THROW(mgc::read_npy(dir.file("missing.npy")), mgc::Error);
  // A valid header whose data section is cut short.
  const float v[4] = {1, 2, 3, 4};
  mgc::write_npy(dir.file("cut.npy"), {4}, v);
  std::string bytes = mgc::read_file(dir.file("cut.npy"));
  mgc::write_file_atomic(dir.file("cut.npy"), bytes.substr(0, bytes.size() - 4));
  try {
    mgc::read_npy(dir.file("cut.npy"));
    FAIL() << "expected an error";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.npy"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("shorter"), std::string::npos);
  }
}

TEST(Fs, AtomicWriteLeavesNoTemporaryFile) {
  TempDir dir;
  mgc::write_file_atomic(dir.file("x.txt"), "hello");
  mgc::write_file_atomic(dir.file("x.txt"), "world");
  EXPECT_EQ(mgc::read_file(dir.file("x.txt")), "world");
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) (void)e, ++entries;
  EXPECT_EQ(entries, 1);
  EXPECT_THROW(mgc::write_file_atomic(dir.file("no/such/dir/x.txt"), "x"), mgc::Error);
}
