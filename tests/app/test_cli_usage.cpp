// The command line's conventions (issue #34, part): a wrong command line exits 2 with one "mgc: error:" line that
// names what is wrong, suggests the nearest command or option, and says where the help is; work that fails
// exits 1; help and version exit 0.
#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

using mgc::test::run_cli;

namespace {

void expect_usage_error(const std::string& args, const std::string& line) {
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
  EXPECT_EQ(r.output, line + "\n") << args;
}

}  // namespace

TEST(CliUsage, MisspelledCommandsGetTheNearestName) {
  expect_usage_error("predcit x", "mgc: error: unknown command 'predcit'; did you mean 'predict'? (mgc --help lists the commands)");
  expect_usage_error("trian", "mgc: error: unknown command 'trian'; did you mean 'train'? (mgc --help lists the commands)");
  expect_usage_error("xyz", "mgc: error: unknown command 'xyz' (mgc --help lists the commands)");
  expect_usage_error("", "mgc: error: a command is required: mgc <command> ... (mgc --help lists the commands)");
}

TEST(CliUsage, MisspelledOptionsGetTheCommandsNearestOption) {
  const auto r = run_cli("train --epoch 3");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("mgc: error: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did you mean '--epochs'? (mgc train --help lists its options)"), std::string::npos)
      << r.output;
  const auto serve = run_cli("serve run --request-timout 3");
  EXPECT_EQ(serve.exit_code, 2);
  EXPECT_NE(serve.output.find("did you mean '--request-timeout'?"), std::string::npos) << serve.output;
  const auto far = run_cli("info --definitely-not");
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_EQ(far.output.find("did you mean"), std::string::npos) << far.output;
  EXPECT_NE(far.output.find("(mgc info --help lists its options)"), std::string::npos) << far.output;
  EXPECT_EQ(run_cli("train --epochs many").exit_code, 2);  // a value that is not a number
}

TEST(CliUsage, HelpAndVersionSucceedAndFailedWorkIsOne) {
  EXPECT_EQ(run_cli("--help").exit_code, 0);
  EXPECT_EQ(run_cli("train --help").exit_code, 0);
  EXPECT_EQ(run_cli("--version").exit_code, 0);
  const auto missing = run_cli("info /nonexistent/song.wav");
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_EQ(missing.output.rfind("mgc: error: ", 0), 0u) << missing.output;
}
