#include <gtest/gtest.h>
#include <png.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>

#include "mgc/audio/audio.h"
#include "mgc/core/npy.h"
#include "mgc/features/chroma.h"
#include "test_util.h"

using mgc::test::run_cli;
using mgc::test::TempDir;

namespace {

// Width and height of a PNG file; {0, 0} if it cannot be read.
std::pair<unsigned, unsigned> png_size(const std::string& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return {0u, 0u};
  const std::pair<unsigned, unsigned> size{image.width, image.height};
  png_image_free(&image);
  return size;
}

}  // namespace

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

  EXPECT_EQ(png_size(dir.file("s.png")), (std::pair<unsigned, unsigned>{216u, 128u}));
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

TEST(CliSpectrogram, ChromaIsTheLibrarysChromaOfTheDecodedClip) {
  TempDir dir;
  const std::string wav = mgc::test::data_path("groove_blues_5s.wav");
  const auto r = run_cli("spectrogram " + wav + " --chroma -o " + dir.file("c.png") + " --scale-y 4 --npy " +
                         dir.file("c.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("chroma 12 classes x 54 frames"), std::string::npos) << r.output;
  const mgc::NpyArray a = mgc::read_npy(dir.file("c.npy"));
  ASSERT_EQ(a.shape, (std::vector<int64_t>{12, 54}));  // 1 + 110250 // 2048

  const mgc::audio::Audio audio = mgc::audio::load_audio(wav, mgc::audio::AudioConfig{});
  const mgc::features::Spectrogram want =
      mgc::features::ChromaCqt().chroma(audio.samples.data(), static_cast<int64_t>(audio.samples.size()));
  ASSERT_EQ(a.data.size(), want.values.size());
  for (size_t i = 0; i < a.data.size(); ++i) ASSERT_EQ(a.data[i], want.values[i]) << i;
  for (int64_t t = 0; t < 54; ++t) {  // every frame of music has a top class of exactly 1
    float top = 0.0f;
    for (int64_t p = 0; p < 12; ++p) top = std::max(top, a.data[static_cast<size_t>(p * 54 + t)]);
    EXPECT_EQ(top, 1.0f) << t;
  }
  EXPECT_EQ(png_size(dir.file("c.png")), (std::pair<unsigned, unsigned>{54u, 48u}));

  const auto bad = run_cli("spectrogram " + wav + " --chroma --chroma-hop 0 --npy " + dir.file("x.npy"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("CqtConfig.hop_length"), std::string::npos) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.npy")));
}

TEST(CliSpectrogram, HelpListsOptions) {
  const auto r = run_cli("spectrogram --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--n-mels", "--hop", "--fmax", "--npy", "--colormap", "--chroma", "--chroma-hop"})
    EXPECT_NE(r.output.find(opt), std::string::npos) << opt;
}
