// The command line's conventions (issue #34, part): a wrong command line exits 2 with one "mgc: error:" line that
// names what is wrong, suggests the nearest command or option, and says where the help is; work that fails
// exits 1; help and version exit 0.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "test_util.h"

using mgc::test::run_cli;
using mgc::test::run_command;

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

TEST(CliUsage, ErrorsNameTheCommandAndTheFileTheUserGave) {
  mgc::test::TempDir dir;
  const std::string wav = mgc::test::data_path("chirp_3s.wav");
  const auto no_run = run_cli("predict " + dir.path() + " " + wav);
  EXPECT_EQ(no_run.exit_code, 1) << no_run.output;
  EXPECT_EQ(no_run.output, "mgc: error: predict: '" + dir.path() + "' is not a run folder (no config.json)\n");
  const std::string png = dir.path() + "/missing/x.png";
  const auto no_folder = run_cli("spectrogram " + wav + " -o " + png);
  EXPECT_EQ(no_folder.exit_code, 1) << no_folder.output;
  EXPECT_EQ(no_folder.output,
            "mgc: error: io: cannot write '" + png + "': its folder '" + dir.path() + "/missing' does not exist\n");
}

// mgc is two executables (app/commands.h): `mgc` runs the commands that need no model without libtorch and hands
// the others to mgc-torch beside it.
TEST(CliHalves, TheFrontDoesNotLinkLibtorch) {
  // ld.so lists what a program would load (what ldd prints) when LD_TRACE_LOADED_OBJECTS is set.
  const auto front = run_command(std::string("LD_TRACE_LOADED_OBJECTS=1 ") + MGC_CLI);
  ASSERT_EQ(front.exit_code, 0) << front.output;
  EXPECT_NE(front.output.find("libsndfile"), std::string::npos) << front.output;  // the listing is real
  EXPECT_EQ(front.output.find("libtorch"), std::string::npos) << front.output;
  EXPECT_EQ(front.output.find("libc10"), std::string::npos) << front.output;
  const std::string torch_half = std::filesystem::path(MGC_CLI).parent_path() / "mgc-torch";
  const auto back = run_command("LD_TRACE_LOADED_OBJECTS=1 " + torch_half);
  EXPECT_NE(back.output.find("libtorch"), std::string::npos) << back.output;
}

TEST(CliHalves, HelpListsEveryCommandAndModelCommandsAreHandedOver) {
  const auto help = run_cli("--help");
  ASSERT_EQ(help.exit_code, 0);
  for (const char* command : {"spectrogram", "info", "synth", "train", "predict", "serve", "tag", "export"})
    EXPECT_NE(help.output.find(std::string("\n  ") + command + " "), std::string::npos) << command;
  // A command that needs libtorch answers from mgc-torch: its own help, with its options.
  const auto train_help = run_cli("train --help");
  EXPECT_EQ(train_help.exit_code, 0);
  EXPECT_NE(train_help.output.find("--epochs"), std::string::npos) << train_help.output;
  // info: files are read by the front; without files the build's line comes from mgc-torch.
  const auto build = run_cli("info");
  EXPECT_EQ(build.exit_code, 0) << build.output;
  EXPECT_EQ(build.output.rfind("libtorch ", 0), 0u) << build.output;
  const auto file = run_cli("info " + mgc::test::data_path("chirp_3s.wav"));
  EXPECT_EQ(file.exit_code, 0) << file.output;
  EXPECT_NE(file.output.find("22050 Hz, 1 channel(s), 66150 frames (3.000 s)"), std::string::npos) << file.output;
  EXPECT_EQ(file.output.find("libtorch"), std::string::npos) << file.output;
}

TEST(CliHalves, AFrontWithoutItsTorchHalfRunsItsOwnCommandsAndNamesWhatIsMissing) {
  mgc::test::TempDir dir;
  const std::string alone = dir.path() + "/mgc";
  std::filesystem::copy_file(MGC_CLI, alone);
  std::filesystem::permissions(alone, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  EXPECT_EQ(run_command(alone + " --help").exit_code, 0);
  EXPECT_EQ(run_command(alone + " info " + mgc::test::data_path("chirp_3s.wav")).exit_code, 0);
  const auto predict = run_command(alone + " predict run song.wav");
  EXPECT_EQ(predict.exit_code, 1) << predict.output;
  const std::string expected = "mgc: error: cli: this command needs libtorch, which " + dir.path() + "/mgc-torch runs";
  EXPECT_EQ(predict.output.rfind(expected, 0), 0u) << predict.output;
  EXPECT_NE(predict.output.find("No such file or directory"), std::string::npos) << predict.output;
}

// Help names an option's value by its type or its choices, with its default, never by CLI11's validators
// ("TEXT:PATH(existing)") or "Excludes:" lists; both executables format it the same way.
TEST(CliUsage, HelpShowsTypesChoicesAndDefaultsWithoutLibraryInternals) {
  for (const char* command : {"compare", "tag", "predict", "models", "spectrogram", "synth", "eval", "train"}) {
    const auto r = mgc::test::run_cli(std::string(command) + " --help");
    ASSERT_EQ(r.exit_code, 0) << command << "\n" << r.output;
    EXPECT_EQ(r.output.find(":PATH("), std::string::npos) << command << "\n" << r.output;
    EXPECT_EQ(r.output.find("Excludes:"), std::string::npos) << command << "\n" << r.output;
    EXPECT_EQ(r.output.find("Needs:"), std::string::npos) << command << "\n" << r.output;
    EXPECT_EQ(r.output.find(":NONNEGATIVE"), std::string::npos) << command << "\n" << r.output;
    EXPECT_EQ(r.output.find(":POSITIVE"), std::string::npos) << command << "\n" << r.output;
  }
  const auto models = mgc::test::run_cli("models --help");
  EXPECT_NE(models.output.find("--format {table,json}=table"), std::string::npos) << models.output;
  EXPECT_NE(models.output.find("--classes INT=10"), std::string::npos) << models.output;
  const auto compare = mgc::test::run_cli("compare --help");
  EXPECT_NE(compare.output.find("--real-data TEXT "), std::string::npos) << compare.output;
}

// Issue #34: -v, on every command, before or after its name: what the command cost, one line on stderr after its
// own output.
TEST(CliUsage, VerboseReportsTheCommandsCostBeforeOrAfterItsName) {
  mgc::test::TempDir dir;
  const std::string wav = mgc::test::data_path("groove_blues_5s.wav");
  for (const std::string& args : {"-v spectrogram " + wav + " --npy " + dir.file("a.npy") + " -q",
                                  "spectrogram " + wav + " --npy " + dir.file("b.npy") + " -q -v",
                                  "spectrogram " + wav + " --npy " + dir.file("c.npy") + " -q --verbose"}) {
    const auto r = mgc::test::run_cli(args);
    ASSERT_EQ(r.exit_code, 0) << args << "\n" << r.output;
    EXPECT_EQ(r.output.rfind("mgc: spectrogram: ", 0), 0u) << r.output;
    for (const char* part : {" s wall, ", " s user, ", " s system, peak RSS ", " MB\n"})
      EXPECT_NE(r.output.find(part), std::string::npos) << part << ": " << r.output;
  }
  const auto quiet = mgc::test::run_cli("spectrogram " + wav + " --npy " + dir.file("d.npy") + " -q");
  EXPECT_EQ(quiet.output, "");
  // A failed command still reports its cost; a wrong option is still a usage error.
  const auto failed = mgc::test::run_cli("-v spectrogram " + dir.file("missing.wav") + " --npy " + dir.file("e.npy"));
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.output.find("mgc: spectrogram: "), std::string::npos) << failed.output;
  const auto wrong = mgc::test::run_cli("spectrogram " + wav + " --npyy x -v");
  EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
  EXPECT_NE(wrong.output.find("did you mean '--npy'"), std::string::npos) << wrong.output;
}

// A command of commands names its own when none is given (CLI11 said "A subcommand is required").
TEST(CliUsage, ACommandOfCommandsNamesItsOwn) {
  const auto r = mgc::test::run_cli("weights");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(r.output, "mgc: error: weights: a command is required: mgc weights inspect|convert (mgc weights --help "
                      "lists its options)\n");
}
