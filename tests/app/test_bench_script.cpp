// bench/run.sh's command line (issue #35): every option combination parses, bad ones exit 2 with a message, and no
// pipeline ends in an early-exiting `head` (under pipefail its writer's SIGPIPE, exit 141, ended a run on
// 2026-12-06). The benchmarks themselves are not run here: --dry-run prints what would run.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "test_util.h"

using mgc::test::run_command;

namespace {

const std::string kScript = std::string(MGC_SOURCE_DIR) + "/bench/run.sh";

mgc::test::CommandResult bench(const std::string& args) { return run_command("bash " + kScript + " " + args); }

}  // namespace

TEST(BenchScript, EveryOptionCombinationParses) {
  const auto r = bench("build --skip-features --models \"mobilenet_v2 resnet50\" --train-rounds 3 --train-steps 2 "
                       "--dry-run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("rounds 3; train rounds 3; train steps 2; models: mobilenet_v2 resnet50"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("skip: log-mel"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("step: training"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("step: start-up"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("step: end to end"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("step: music library (200 files of 3-5 min"), std::string::npos) << r.output;
  const auto all = bench("--dry-run --skip-train --skip-features --rounds 1 /abs/build");
  ASSERT_EQ(all.exit_code, 0) << all.output;
  EXPECT_NE(all.output.find("build /abs/build; rounds 1;"), std::string::npos) << all.output;
  EXPECT_NE(all.output.find("skip: training"), std::string::npos) << all.output;
  const auto library = bench("--dry-run --library-files 12 --skip-features");
  ASSERT_EQ(library.exit_code, 0) << library.output;
  EXPECT_NE(library.output.find("step: music library (12 files"), std::string::npos) << library.output;
  const auto no_library = bench("--dry-run --skip-library");
  ASSERT_EQ(no_library.exit_code, 0) << no_library.output;
  EXPECT_NE(no_library.output.find("skip: music library"), std::string::npos) << no_library.output;
  EXPECT_EQ(bench("--help").exit_code, 0);
}

TEST(BenchScript, BadOptionsExit2WithAMessage) {
  auto expect_usage = [](const std::string& args, const std::string& message) {
    const auto r = bench(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << "\n" << r.output;
  };
  expect_usage("--dry-run --modles resnet50", "unknown option '--modles'");
  expect_usage("--dry-run --rounds", "--rounds needs a value");
  expect_usage("--dry-run --train-steps two", "take a positive integer, got 'two'");
  expect_usage("--dry-run --rounds 0", "take a positive integer, got '0'");
  expect_usage("--dry-run --library-files none", "take a positive integer, got 'none'");
  expect_usage("--dry-run --library-files", "--library-files needs a value");
}

TEST(BenchScript, NoPipelineEndsInHead) {
  std::ifstream in(kScript);
  std::stringstream text;
  text << in.rdbuf();
  const std::string script = text.str();
  ASSERT_NE(script.find("set -euo pipefail"), std::string::npos);
  EXPECT_FALSE(std::regex_search(script, std::regex(R"(\|\s*head\b)"))) << "use first N (reads all its input)";
}
