#include "commands.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "mgc/core/error.h"

namespace mgc::cli {

const std::vector<CommandInfo>& commands() {
  static const std::vector<CommandInfo> all = {
      {"spectrogram", "Draw the log-mel spectrogram (or chroma) of an audio file as a figure (PNG, SVG), or write it as .npy", false},
      {"info", "Show the header of audio files; without files, the build's libtorch and threads", false},
      {"models", "List the model architectures with parameters and depth", true},
      {"weights", "Inspect and convert weight files (.pth/.pt, .safetensors, TensorFlow checkpoints)", true},
      {"synth",
       "Render the built-in genre corpus (10 GTZAN-named genres) with MMA grooves through several synthesisers",
       false},
      {"extract", "Compute and cache the log-mel features of every clip of a dataset", false},
      {"train", "Train a model (default audio_cnn) on a dataset into a run folder", true},
      {"eval", "Evaluate a trained run on a split: accuracy, macro-F1, confusion matrix", true},
      {"harmony", "Fit a run's harmony model (chroma statistics of whole clips) for mgc eval to combine with its CNN",
       true},
      {"predict", "Predict the genres of audio files or folders with a trained run", true},
      {"compare", "Train several models on one split with one recipe, test each, and write a comparison report",
       true},
      {"report", "Comparison report (tables, charts, report.html) from trained runs", true},
      {"serve", "Serve a trained run over HTTP: JSON API and a web page", true},
      {"tag", "Propose genres for a music library (mp3, flac, ogg, m4a, opus, wav) and, with --write, tag the files",
       true},
      {"tags", "Tag audio files with musicnn's pretrained taggers (50 tags; no training): top tags and taggram", true},
      {"export", "Export a trained run as TorchScript (torch.jit.load / torch::jit::load), for use without mgc", true},
      {"completion", "Print a bash or zsh completion script for mgc, made from its options", true},
      {"man", "Print mgc's man page (roff), made from its help", true},
  };
  return all;
}

const CommandInfo* find_command(std::string_view name) {
  for (const auto& c : commands())
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<std::string> option_choices(const CLI::Option& option) {
  const std::string type = option.get_type_name();
  const size_t open = type.find(":{"), close = type.rfind('}');
  std::vector<std::string> out;
  if (open == std::string::npos || close == std::string::npos || close < open) return out;
  const std::string list = type.substr(open + 2, close - open - 2);
  for (size_t start = 0; start <= list.size();) {
    const size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

CLI::App* add_command(CLI::App& app, std::string_view name) {
  const CommandInfo* c = find_command(name);
  if (!c) throw make_error("cli", "no command '{}' in the command table (app/commands.cpp)", name);
  return app.add_subcommand(std::string(c->name), std::string(c->description));
}

void exec_torch_half(char** argv) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw make_error("cli", "cannot find this executable's folder (/proc/self/exe: {})", ec.message());
  const std::string torch_half = (self.parent_path() / "mgc-torch").string();
  ::execv(torch_half.c_str(), argv);
  const int err = errno;  // execv returns only on failure
  throw make_error("cli", "this command needs libtorch, which {} runs; it cannot be started: {}{}", torch_half,
                   std::strerror(err),
                   err == ENOENT ? " (build or install mgc-torch beside mgc: cmake --build builds both)" : "");
}

}  // namespace mgc::cli
