#include <gtest/gtest.h>
#include <png.h>

#include <filesystem>

#include "mgc/core/npy.h"
#include "test_util.h"

using mgc::test::run_cli;
using mgc::test::TempDir;

TEST(CliSpectrogram, WritesPngAndNpyOfTheRightShape) {
  TempDir dir;
  const std::string wav = mgc::test::data_path("groove_blues_5s.wav");
  const auto r = run_cli("spectrogram " + wav + " -o " + dir.file("s.png") + " --npy " + dir.file("s.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("log-mel 128 mels x 216 frames"), std::string::npos) << r.output;

  const mgc::NpyArray a = mgc::read_npy(dir.file("s.npy"));
  ASSERT_EQ(a.shape, (std::vector<int64_t>{128, 216}));  // 1 + 110250 // 512
  // Matches the librosa reference (ref = max, top_db = 80) to 1e-3 dB.
  const mgc::NpyArray ref = mgc::read_npy(mgc::test::data_path("groove_blues_5s.mel_db.npy"));
  for (size_t i = 0; i < a.data.size(); ++i) ASSERT_NEAR(a.data[i], ref.data[i], 1e-3) << i;

  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  ASSERT_TRUE(png_image_begin_read_from_file(&image, dir.file("s.png").c_str()));
  EXPECT_EQ(image.width, 216u);
  EXPECT_EQ(image.height, 128u);
  png_image_free(&image);
}

TEST(CliSpectrogram, OptionsChangeTheShape) {
  TempDir dir;
  const std::string wav = mgc::test::data_path("chirp_3s.wav");
  const auto r = run_cli("spectrogram " + wav + " --npy " + dir.file("s.npy") +
                         " --n-mels 64 --hop 256 --n-fft 1024 --fmax 8000 --htk -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");
  EXPECT_EQ(mgc::read_npy(dir.file("s.npy")).shape, (std::vector<int64_t>{64, 1 + 66150 / 256}));
}

TEST(CliSpectrogram, BadInputGivesOneClearLineAndNoOutput) {
  TempDir dir;
  const auto r = run_cli("spectrogram " + dir.file("missing.wav") + " -o " + dir.file("x.png"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "mgc: error: audio: cannot decode '" + dir.file("missing.wav") + "': no such file\n");
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.png")));

  const auto bad = run_cli("spectrogram " + mgc::test::data_path("chirp_3s.wav") + " -o " + dir.file("x.png") +
                           " --fmax 99999");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("MelConfig.fmax"), std::string::npos) << bad.output;
}

TEST(CliSpectrogram, HelpListsOptions) {
  const auto r = run_cli("spectrogram --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--n-mels", "--hop", "--fmax", "--npy", "--colormap"})
    EXPECT_NE(r.output.find(opt), std::string::npos) << opt;
}
