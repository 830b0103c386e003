#include <gtest/gtest.h>
#include <png.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>

#include "mgc/audio/audio.h"
#include "mgc/core/fs.h"
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
  const auto r = run_cli("spectrogram " + wav + " --raw -o " + dir.file("s.png") + " --npy " + dir.file("s.npy"));
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
  const auto r = run_cli("spectrogram " + wav + " --chroma --raw -o " + dir.file("c.png") + " --scale-y 4 --npy " +
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

// Issue #34: a figure as librosa.display.specshow draws one with a colour bar: axes in seconds and Hz (note names for
// chroma), a colour bar in dB, a title; PNG or SVG by the extension; a long file keeps the figure's width. The
// figures, and librosa's of the same clip where the project venv has librosa, are kept side by side in
// <build>/tests/fixtures/spectrogram-figure for a look.
TEST(CliSpectrogram, FigureHasAxesColourBarAndTitleInPngAndSvg) {
  const std::string wav = mgc::test::data_path("groove_blues_5s.wav");
  const std::string out = std::filesystem::absolute("fixtures/spectrogram-figure").string();
  std::filesystem::create_directories(out);
  TempDir dir;

  const auto png = run_cli("spectrogram " + wav + " -o " + out + "/mgc_mel.png -q");
  ASSERT_EQ(png.exit_code, 0) << png.output;
  EXPECT_EQ(png_size(out + "/mgc_mel.png"), (std::pair<unsigned, unsigned>{1000u, 420u}));
  const auto sized = run_cli("spectrogram " + wav + " -o " + dir.file("s.png") + " --width 640 --height 300 -q");
  ASSERT_EQ(sized.exit_code, 0) << sized.output;
  EXPECT_EQ(png_size(dir.file("s.png")), (std::pair<unsigned, unsigned>{640u, 300u}));

  // What a figure says is readable in its SVG: the title, the axes' labels and ticks, the colour bar in dB.
  const auto svg = run_cli("spectrogram " + wav + " -o " + dir.file("s.svg") + " --title 'Blues <groove> & co' -q");
  ASSERT_EQ(svg.exit_code, 0) << svg.output;
  const std::string text = mgc::read_file(dir.file("s.svg"));
  for (const char* want : {"Blues &lt;groove> &amp; co", ">Time (s)<", ">Hz<", ">8192<", ">1024<", ">0<", ">5<",
                           " dB<", "<image"})
    EXPECT_NE(text.find(want), std::string::npos) << want;
  // The colour bar spans the log-mel's range: +0 dB at the top (ref = max), -80 dB (top_db) at the bottom.
  EXPECT_NE(text.find(">+0 dB<"), std::string::npos);
  EXPECT_NE(text.find(">-80 dB<"), std::string::npos);

  const auto chroma = run_cli("spectrogram " + wav + " --chroma -o " + dir.file("c.svg") + " -q");
  ASSERT_EQ(chroma.exit_code, 0) << chroma.output;
  const std::string c = mgc::read_file(dir.file("c.svg"));
  for (const char* want : {">C<", ">C\u266f<", ">E\u266d<", ">B<", ">Pitch class<", ">1.0<", "groove_blues_5s.wav"})
    EXPECT_NE(c.find(want), std::string::npos) << want;
  ASSERT_EQ(run_cli("spectrogram " + wav + " --chroma -o " + out + "/mgc_chroma.png -q").exit_code, 0);

  // Two minutes: m:ss ticks, the same width (frames averaged in runs), offsets count from the file's start.
  const std::string longer = dir.file("long.wav");
  ASSERT_EQ(mgc::test::run_command("sox " + wav + " " + longer + " repeat 24").exit_code, 0);
  const auto two = run_cli("spectrogram " + longer + " --offset 30 -o " + dir.file("l.svg") + " -q");
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const std::string l = mgc::read_file(dir.file("l.svg"));
  for (const char* want : {">Time (m:ss)<", ">0:30<", ">1:00<", ">2:00<"})
    EXPECT_NE(l.find(want), std::string::npos) << want;
  EXPECT_EQ(l.find(">0:00<"), std::string::npos);  // it starts at 0:30

  const auto raw_svg = run_cli("spectrogram " + wav + " --raw -o " + dir.file("r.svg"));
  EXPECT_EQ(raw_svg.exit_code, 1);
  EXPECT_NE(raw_svg.output.find("--raw writes PNG pixels only"), std::string::npos) << raw_svg.output;
  const auto scale = run_cli("spectrogram " + wav + " -o " + dir.file("x.png") + " --scale-x 2");  // --raw's option
  EXPECT_EQ(scale.exit_code, 2) << scale.output;
  const auto small = run_cli("spectrogram " + wav + " -o " + dir.file("x.png") + " --width 100");
  EXPECT_EQ(small.exit_code, 1);
  EXPECT_NE(small.output.find("320x200 to 8000x4000"), std::string::npos) << small.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.png")));

  // librosa's figures of the same clip beside mgc's, where the project venv has librosa and matplotlib.
  const std::string venv = MGC_SOURCE_DIR "/.venv/bin/python";
  if (std::filesystem::exists(venv)) {
    const auto peer = mgc::test::run_command(venv + " " MGC_SOURCE_DIR "/tests/features/make_specshow.py " + wav + " " + out);
    EXPECT_EQ(peer.exit_code, 0) << peer.output;
    EXPECT_EQ(png_size(out + "/librosa_mel.png"), (std::pair<unsigned, unsigned>{1000u, 420u}));
  }
}

TEST(CliSpectrogram, HelpListsOptions) {
  const auto r = run_cli("spectrogram --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--n-mels", "--hop", "--fmax", "--npy", "--colormap", "--chroma", "--chroma-hop", "--raw",
                          "--title", "--width", "--height"})
    EXPECT_NE(r.output.find(opt), std::string::npos) << opt;
}
