// mgc: music genre classification from the command line. Exit codes: 0 done, 1 the work or some of its inputs
// failed (each reported as "mgc: error: ..."), 2 the command line is wrong (a suggestion where one is near).
// Compiled twice (app/commands.h): as `mgc` (MGC_CLI_TORCH unset), which runs the commands that need no libtorch
// and hands the others to mgc-torch, and as `mgc-torch` (MGC_CLI_TORCH=1), which runs every command.
#include <fmt/ranges.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/core/text.h"
#include "mgc/core/version.h"
#if MGC_CLI_TORCH
#include "mgc/models/runtime.h"
#endif

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

// Options renamed since an earlier version: a usage error with the old name names the new one.
struct RenamedOption {
  std::string_view command, old_name, new_name;
};
constexpr RenamedOption kRenamedOptions[] = {
    // Work items at once (files, clips): --jobs. --threads is a model's intra-op threads (predict, eval, ...).
    {"tag", "--threads", "--jobs"},
    {"synth", "--threads", "--jobs"},
    {"extract", "--threads", "--jobs"},
    {"harmony", "--threads", "--jobs"},
};

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
  // A command of commands (weights) without one of its own: name them, not CLI11's "A subcommand is required".
  std::vector<std::string> own;
  for (const CLI::App* sub : command->get_subcommands({})) own.push_back(sub->get_name());
  const bool named = std::any_of(argv + 1, argv + argc, [&](const char* a) {
    return std::find(own.begin(), own.end(), a) != own.end();
  });
  if (!own.empty() && !named && message.find("ubcommand") != std::string::npos) {
    std::string list;
    for (const auto& name : own) list += (list.empty() ? "" : "|") + name;
    message = fmt::format("{}: a command is required: mgc {} {}", command->get_name(), command->get_name(), list);
  }
  // An option the command does not have: the nearest it does have.
  std::vector<std::string> options;
  for (const CLI::Option* o : command->get_options())
    for (const auto& name : o->get_lnames()) options.push_back("--" + name);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) continue;
    arg = arg.substr(0, arg.find('='));
    if (std::find(options.begin(), options.end(), arg) != options.end()) continue;
    const auto renamed = std::find_if(std::begin(kRenamedOptions), std::end(kRenamedOptions), [&](const auto& r) {
      return r.command == command->get_name() && r.old_name == arg;
    });
    if (renamed != std::end(kRenamedOptions)) {
      message += fmt::format("; '{}' is now '{}'", arg, renamed->new_name);
      break;
    }
    const std::string near = nearest(arg, options);
    if (!near.empty()) message += "; did you mean '" + near + "'?";
    break;
  }
  mgc::print_error(message + " (mgc " + command->get_name() + " --help lists its options)");
  return kUsageExit;
}

#if !MGC_CLI_TORCH
// The command a command line names: its first word that is not an option (the root has only --help and
// --version); "" when there is none.
std::string command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (argv[i][0] != '-') return argv[i];
  return "";
}
#endif

// Adds every command of the table to `app`, in its order: with its options where this executable runs it; in
// `mgc`, a command that mgc-torch runs is added by name and description only (for --help and suggestions).
void register_commands(CLI::App& app, char** argv) {
  namespace cli = mgc::cli;
  const std::vector<std::pair<std::string_view, std::function<void(CLI::App&)>>> here = {
      {"spectrogram", cli::register_spectrogram},
      {"info", [argv](CLI::App& a) { cli::register_info(a, argv); }},
      {"synth", cli::register_synth},
      {"extract", cli::register_extract},
#if MGC_CLI_TORCH
      {"models", cli::register_models},   {"weights", cli::register_weights}, {"train", cli::register_train},
      {"eval", cli::register_eval},       {"harmony", cli::register_harmony}, {"predict", cli::register_predict},
      {"compare", cli::register_compare}, {"report", cli::register_report},   {"serve", cli::register_serve},
      {"tag", cli::register_tag},         {"tags", cli::register_tags},       {"export", cli::register_export},
      {"completion", cli::register_completion}, {"man", cli::register_man},
#endif
  };
  for (const auto& command : cli::commands()) {
    const auto it = std::find_if(here.begin(), here.end(), [&](const auto& h) { return h.first == command.name; });
    if (it != here.end()) it->second(app);
    else if (command.needs_torch) cli::add_command(app, command.name);  // mgc hands it to mgc-torch before parsing
    else throw mgc::make_error("cli", "command '{}' has no register function here (app/main.cpp)", command.name);
  }
}

// Help without CLI11's internals: an option's value is named by its type alone ("TEXT", not
// "TEXT:PATH(existing)"), or by its choices when it has a fixed set ("{table,json}"); the default follows "=".
// "Needs:"/"Excludes:" are left to the option's own description.
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_opts(const CLI::Option* opt) const override {
    if (!opt->get_option_text().empty()) return " " + opt->get_option_text();
    if (opt->get_type_size() == 0) return "";
    const std::string full = opt->get_type_name();
    const std::vector<std::string> choices = mgc::cli::option_choices(*opt);
    const std::string type =
        choices.empty() ? full.substr(0, full.find(':')) : fmt::format("{{{}}}", fmt::join(choices, ","));
    std::string out = type.empty() ? "" : " " + type;
    if (!opt->get_default_str().empty()) out += "=" + opt->get_default_str();
    if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out += " ...";
    if (opt->get_required()) out += " REQUIRED";
    return out;
  }
};

// Seconds since this process started (before the dynamic loader and libtorch's initialisers, and across mgc's exec
// of mgc-torch), from /proc in clock ticks (10 ms); `fallback` where /proc cannot tell.
double process_seconds(double fallback) {
  std::ifstream stat("/proc/self/stat");
  std::ifstream uptime_file("/proc/uptime");
  std::string line;
  double uptime = 0;
  if (!std::getline(stat, line) || !(uptime_file >> uptime)) return fallback;
  const size_t close = line.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return fallback;
  std::istringstream fields(line.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
  }
  try {
    return uptime - std::stod(field) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  } catch (const std::exception&) {
    return fallback;
  }
}

// With -v: what the command cost the whole process, on stderr after the command's own output:
// "mgc: predict: 1.23 s wall, 1.100 s user, 0.120 s system, peak RSS 312 MB".
void print_cost(const CLI::App& app, std::chrono::steady_clock::time_point start) {
  std::string name = "mgc";
  for (const CLI::App* sub : app.get_subcommands()) name = sub->get_name();
  rusage use{};
  ::getrusage(RUSAGE_SELF, &use);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  const double since_main = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "mgc: %s: %.2f s wall, %.3f s user, %.3f s system, peak RSS %.0f MB\n", name.c_str(),
               std::max(since_main, process_seconds(since_main)), seconds(use.ru_utime), seconds(use.ru_stime),
               static_cast<double>(use.ru_maxrss) / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  const auto start = std::chrono::steady_clock::now();
#if MGC_CLI_TORCH
  mgc::tune_malloc_for_tensors();
#else
  if (const auto* command = mgc::cli::find_command(command_word(argc, argv)); command && command->needs_torch) {
    try {
      mgc::cli::exec_torch_half(argv);
    } catch (const mgc::Error& e) {
      mgc::print_error(e.what());
      return 1;
    }
  }
#endif
  CLI::App app{"mgc: music genre classification (audio -> log-mel -> CNN -> genres)", "mgc"};
  app.set_version_flag("--version", std::string("mgc ") + mgc::version());
  app.require_subcommand(1);
  app.formatter(std::make_shared<HelpFormatter>());  // before the subcommands: they take their parent's
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose,
               "After the command, print its wall time, CPU time and peak memory on stderr (before or after the "
               "command's name)");
  app.fallthrough();  // also inherited by the commands: -v after a command's name reaches the root
  // The command's cost, whichever way it ends.
  struct Cost {
    const CLI::App& app;
    const bool& verbose;
    std::chrono::steady_clock::time_point start;
    ~Cost() {
      if (verbose) print_cost(app, start);
    }
  } cost{app, verbose, start};
  try {
    register_commands(app, argv);
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
