#pragma once
// Each subcommand lives in its own file and registers itself on the root app: parse -> validate -> call the
// library. Callbacks throw mgc::Error; main() prints it as one line and returns a non-zero code.
//
// mgc is two executables: `mgc`, which runs the commands that need no model without loading libtorch, and
// `mgc-torch` beside it, which runs every command. `mgc` hands a command that needs libtorch to `mgc-torch` by
// exec (same arguments, same process), so a user sees one program (why: docs/PERFORMANCE.md, "Start-up").
#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace mgc::cli {

// One command of mgc: the one owner of its name, its line in `mgc --help` and the half of mgc that runs it.
struct CommandInfo {
  std::string_view name;
  std::string_view description;
  bool needs_torch;  // true: only mgc-torch runs it; mgc hands it over
};

// Every command, in the order `mgc --help` lists them.
const std::vector<CommandInfo>& commands();

// The command named `name`; nullptr when there is none.
const CommandInfo* find_command(std::string_view name);

// The fixed values an option accepts, as CLI11's IsMember check names them in its type name ("TEXT:{table,json}"
// -> table, json); empty when it takes any value of its type. What --help, completion and the man page show.
std::vector<std::string> option_choices(const CLI::Option& option);

// Adds the command `name` (which must be in commands()) to `app` with its description.
CLI::App* add_command(CLI::App& app, std::string_view name);

// Replaces this process with mgc-torch (the executable beside this one), given this process's arguments. Returns
// only by throwing mgc::Error (component "cli") when mgc-torch is missing or cannot be started.
[[noreturn]] void exec_torch_half(char** argv);

void register_spectrogram(CLI::App& app);
void register_info(CLI::App& app, char** argv);
void register_weights(CLI::App& app);
void register_models(CLI::App& app);
void register_synth(CLI::App& app);
void register_extract(CLI::App& app);
void register_train(CLI::App& app);
void register_eval(CLI::App& app);
void register_predict(CLI::App& app);
void register_compare(CLI::App& app);
void register_report(CLI::App& app);
void register_serve(CLI::App& app);
void register_tag(CLI::App& app);
void register_export(CLI::App& app);
void register_harmony(CLI::App& app);
void register_tags(CLI::App& app);
// Both walk `app`'s whole command tree when they run: register them last.
void register_completion(CLI::App& app);
void register_man(CLI::App& app);

}  // namespace mgc::cli
