#pragma once
// Each subcommand lives in its own file and registers itself on the root app: parse -> validate -> call the
// library. Callbacks throw mgc::Error; main() prints it as one line and returns a non-zero code.
#include <CLI/CLI.hpp>

namespace mgc::cli {

void register_spectrogram(CLI::App& app);
void register_info(CLI::App& app);
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

}  // namespace mgc::cli
