// Issue #34: shell completion and the man page, generated from the same option definitions as the help. bash's
// completion is run for real (the generated function called as bash calls it); zsh's script must parse; the man
// page must render without warnings and hold every command and option.
#include <gtest/gtest.h>

#include <string>

#include "mgc/core/fs.h"
#include "test_util.h"

using mgc::test::run_cli;
using mgc::test::run_command;
using mgc::test::TempDir;

namespace {

// What bash's completion offers for the command line `words` (the word under the cursor last).
std::string complete_bash(const std::string& script, const std::string& words) {
  const std::string cmd = "bash -c 'source " + script + "; COMP_WORDS=(" + words +
                          "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _mgc; echo \"${COMPREPLY[*]}\"'";
  const auto r = run_command(cmd);
  EXPECT_EQ(r.exit_code, 0) << words << "\n" << r.output;
  return r.output;
}

}  // namespace

TEST(Completion, BashCompletesCommandsOptionsAndChoices) {
  TempDir dir;
  const std::string script = dir.file("mgc.bash");
  const auto r = run_cli("completion bash");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  mgc::write_file_atomic(script, r.output);
  EXPECT_EQ(complete_bash(script, "mgc pre"), "predict\n");
  EXPECT_EQ(complete_bash(script, "mgc t"), "train tag tags\n");
  EXPECT_EQ(complete_bash(script, "mgc predict --for"), "--format\n");
  EXPECT_EQ(complete_bash(script, "mgc predict --format \"\""), "table json jsonl csv\n");
  EXPECT_EQ(complete_bash(script, "mgc tag --top"), "--top-k\n");
  EXPECT_EQ(complete_bash(script, "mgc spectrogram --r"), "--raw\n");
  EXPECT_EQ(complete_bash(script, "mgc completion --h"), "--help\n");
  EXPECT_EQ(complete_bash(script, "mgc weights \"\""), "inspect convert\n");  // a command's own commands
  // A file name where a value or an argument goes.
  mgc::write_file_atomic(dir.file("song.flac"), "x");
  EXPECT_EQ(complete_bash(script, "mgc predict run " + dir.file("so")), dir.file("song.flac") + "\n");
  EXPECT_EQ(complete_bash(script, "mgc predict -o " + dir.file("so")), dir.file("song.flac") + "\n");
}

TEST(Completion, ZshScriptParsesAndNamesEveryCommand) {
  TempDir dir;
  const auto r = run_cli("completion zsh");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  mgc::write_file_atomic(dir.file("_mgc"), r.output);
  const auto parsed = run_command("zsh -n " + dir.file("_mgc"));
  EXPECT_EQ(parsed.exit_code, 0) << parsed.output;
  EXPECT_EQ(r.output.rfind("#compdef mgc\n", 0), 0u);
  for (const char* want : {"'predict:Predict the genres", "'tag:Propose genres", "{-o,--output}'[",
                           "--format'[", ":value:(table json jsonl csv)'", "'(-j --jobs)'{-j,--jobs}"})
    EXPECT_NE(r.output.find(want), std::string::npos) << want;
  const auto bad = run_cli("completion fish");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
}

TEST(ManPage, RendersWithEveryCommandAndOption) {
  TempDir dir;
  const auto r = run_cli("man");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  mgc::write_file_atomic(dir.file("mgc.1"), r.output);
  const auto rendered = run_command("groff -man -Tutf8 -ww -z " + dir.file("mgc.1") + " 2>&1");  // warnings only
  EXPECT_EQ(rendered.output, "") << rendered.output;
  const auto text = run_command("groff -man -Tascii -P-cbou " + dir.file("mgc.1"));
  ASSERT_EQ(text.exit_code, 0) << text.output;
  for (const char* want : {"NAME", "SYNOPSIS", "COMMANDS", "EXIT STATUS", "FILES", "mgc predict [options] run inputs",
                           "--timeline-csv", "--top-k", "-j, --jobs", "--format {table,json,jsonl,csv}",
                           "XDG_STATE_HOME", "spectrogram", "completion", "weights convert", "weights inspect"})
    EXPECT_NE(text.output.find(want), std::string::npos) << want;
}
