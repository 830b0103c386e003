// Issue #34: libmgc as a user embeds it. `cmake --install` into a fresh prefix, then examples/classify.cpp built
// against that installed tree alone, once through find_package(mgc) and once through pkg-config, and run on a
// clip: each prints what `mgc predict` says of the same file with the same run.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "test_util.h"
#include "train/toy_dataset.h"

namespace fs = std::filesystem;
using mgc::test::run_cli;
using mgc::test::run_command;

namespace {

// "genre p" lines after the first line of classify's output -> the probabilities by genre.
std::map<std::string, double> classify_probs(const std::string& output) {
  std::map<std::string, double> probs;
  std::istringstream in(output);
  std::string line;
  std::getline(in, line);
  for (std::string genre; in >> genre;) in >> probs[genre];
  return probs;
}

}  // namespace

TEST(Install, TheExampleBuildsAgainstTheInstalledTreeAndClassifiesAsPredict) {
  mgc::test::TempDir dir;
  const std::string prefix = dir.file("prefix");
  const auto install = run_command("cmake --install " MGC_BUILD_DIR " --prefix " + prefix);
  ASSERT_EQ(install.exit_code, 0) << install.output;
  for (const char* f : {"include/mgc/run/predictor.h", "include/mgc/features/mel.h", "include/mgc/audio/audio.h",
                        "include/mgc/core/error.h", "lib/cmake/mgc/mgcConfig.cmake", "lib/pkgconfig/mgc.pc",
                        "bin/mgc", "bin/mgc-torch", "share/man/man1/mgc.1", "share/bash-completion/completions/mgc",
                        "share/zsh/site-functions/_mgc"})
    EXPECT_TRUE(fs::exists(prefix + "/" + f)) << f;
  EXPECT_TRUE(fs::exists(prefix + "/lib/libmgc.so")) << install.output;
  EXPECT_FALSE(fs::exists(prefix + "/include/mgc/models")) << "internal headers are not installed";

  // A toy run, and what mgc predict says of a clip.
  fs::create_directories(dir.file("toy"));
  const std::string manifest = mgc::test::make_toy_dataset(dir.file("toy"), 2, 2.0);
  const std::string run = dir.file("run");
  mgc::test::train_quietly(mgc::test::toy_train_config(manifest, dir.file("cache"), 2), run);
  const std::string clip = dir.file("toy/low_0_0.wav");
  const auto predicted = run_cli("predict " + run + " " + clip + " --format json --threads 1");
  ASSERT_EQ(predicted.exit_code, 0) << predicted.output;
  const auto want = nlohmann::json::parse(predicted.output).at(0).at("probs");

  // find_package(mgc), with nothing of the build tree on the paths.
  const std::string ex = dir.file("example");
  const auto built = run_command("cmake -S " MGC_SOURCE_DIR "/examples -B " + ex + " -DCMAKE_PREFIX_PATH=" + prefix +
                                 " -DCMAKE_BUILD_TYPE=Release > /dev/null && cmake --build " + ex);
  ASSERT_EQ(built.exit_code, 0) << built.output;
  // pkg-config, its flags alone (the rpath only says where the prefix's library is at run time).
  const std::string pc = dir.file("classify-pc");
  const auto compiled = run_command("c++ -std=c++17 " MGC_SOURCE_DIR "/examples/classify.cpp -o " + pc +
                                    " $(PKG_CONFIG_PATH=" + prefix + "/lib/pkgconfig pkg-config --cflags --libs mgc)" +
                                    " -Wl,-rpath," + prefix + "/lib");
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output;

  for (const std::string& exe : {ex + "/classify", pc}) {
    const auto r = run_command(exe + " " + run + " " + clip);
    ASSERT_EQ(r.exit_code, 0) << exe << "\n" << r.output;
    EXPECT_NE(r.output.find("log-mel 128 x 87"), std::string::npos) << r.output;  // 2 s at 22050 Hz, hop 512
    const auto got = classify_probs(r.output);
    ASSERT_EQ(got.size(), want.size()) << r.output;
    for (const auto& [genre, p] : want.items()) EXPECT_NEAR(got.at(genre), p.get<double>(), 1e-6) << exe << " " << genre;
    const auto usage = run_command(exe);
    EXPECT_EQ(usage.exit_code, 2) << usage.output;
    const auto bad = run_command(exe + " " + dir.file("no-run") + " " + clip);
    EXPECT_EQ(bad.exit_code, 1) << bad.output;
    EXPECT_EQ(bad.output.rfind("classify: ", 0), 0u) << bad.output;  // mgc::Error reaches the program
  }
}
