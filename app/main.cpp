// mgc: music genre classification from the command line. Exit codes: 0 done, 1 the work or some of its inputs
// failed (each reported as "mgc: error: ..."), 2 the command line is wrong (a suggestion where one is near).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/core/runtime.h"
#include "mgc/core/text.h"

namespace {

constexpr int kUsageExit = 2;

// Edit distance with adjacent transpositions (optimal string alignment: "trian" is one edit from "train"); both
// strings are short (command and option names).
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// The name of `names` nearest to `word` when it is near enough to be a slip (a third of the word's letters, at
// least one) or `word` is a prefix of it; "" otherwise.
std::string nearest(const std::string& word, const std::vector<std::string>& names) {
  std::string best;
  size_t best_distance = std::max<size_t>(1, word.size() / 3) + 1;
  for (const auto& name : names) {
    const size_t d = name.rfind(word, 0) == 0 && word.size() >= 3 ? 0 : edit_distance(word, name);
    if (d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  return best;
}

// A wrong command line: one "mgc: error:" line naming what is wrong, a suggestion when a name is near, and where
// the help is. Returns the usage exit code.
int usage_error(CLI::App& app, int argc, char** argv, const CLI::ParseError& e) {
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands({})) commands.push_back(sub->get_name());
  CLI::App* command = nullptr;
  std::string first_word;
  for (int i = 1; i < argc && !command && first_word.empty(); ++i) {
    const std::string arg = argv[i];
    if (arg.rfind('-', 0) == 0) continue;
    if (std::find(commands.begin(), commands.end(), arg) != commands.end()) command = app.get_subcommand(arg);
    else first_word = arg;
  }
  if (!command) {
    if (first_word.empty()) {
      mgc::print_error("a command is required: mgc <command> ... (mgc --help lists the commands)");
    } else {
      const std::string near = nearest(first_word, commands);
      mgc::print_error("unknown command '" + first_word + "'" + (near.empty() ? "" : "; did you mean '" + near + "'?") +
                       " (mgc --help lists the commands)");
    }
    return kUsageExit;
  }
  std::string message = e.what();
  // An option the command does not have: the nearest it does have.
  std::vector<std::string> options;
  for (const CLI::Option* o : command->get_options())
    for (const auto& name : o->get_lnames()) options.push_back("--" + name);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) continue;
    arg = arg.substr(0, arg.find('='));
    if (std::find(options.begin(), options.end(), arg) != options.end()) continue;
    const std::string near = nearest(arg, options);
    if (!near.empty()) message += "; did you mean '" + near + "'?";
    break;
  }
  mgc::print_error(message + " (mgc " + command->get_name() + " --help lists its options)");
  return kUsageExit;
}

}  // namespace

int main(int argc, char** argv) {
  mgc::tune_malloc_for_tensors();
  CLI::App app{"mgc: music genre classification (audio -> log-mel -> CNN -> genres)", "mgc"};
  app.set_version_flag("--version", "mgc 0.1.0");
  app.require_subcommand(1);
  mgc::cli::register_spectrogram(app);
  mgc::cli::register_info(app);
  mgc::cli::register_models(app);
  mgc::cli::register_weights(app);
  mgc::cli::register_synth(app);
  mgc::cli::register_extract(app);
  mgc::cli::register_train(app);
  mgc::cli::register_eval(app);
  mgc::cli::register_harmony(app);
  mgc::cli::register_predict(app);
  mgc::cli::register_compare(app);
  mgc::cli::register_report(app);
  mgc::cli::register_serve(app);
  mgc::cli::register_tag(app);
  mgc::cli::register_tags(app);
  mgc::cli::register_export(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" that succeed: CLI11 prints them.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    return usage_error(app, argc, argv, e);
  } catch (const mgc::Error& e) {
    mgc::print_error(e.what());
    return 1;
  } catch (const std::exception& e) {
    mgc::print_error(std::string("unexpected error: ") + e.what());
    return 1;
  }
  return 0;
}
