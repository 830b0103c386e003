// mgc tag RUN_DIR LIBRARY_DIR: propose (and with --write, set) the genre tag of every file of a music library;
// mgc tag --undo LOG: put back the genres an earlier --write run replaced. Exit code 1 when any file failed
// (after all files were processed), 0 otherwise; skipped files are not failures.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/core/text.h"
#include "mgc/tools/tagger.h"

namespace mgc::cli {
namespace {

struct Options {
  std::string run_dir;
  std::string library;
  tools::TagOptions tag;
  std::string csv;
  std::string undo;
  bool touch = false;
  bool keep_mtime = false;
  bool quiet = false;
};

// The table's columns: fixed widths, so that long genres or tags never push the others out of line; the path, the
// one column without a bound, comes last.
constexpr size_t kActionWidth = 14;  // "already tagged"
constexpr size_t kGenreWidth = 24;

std::string genre_cell(const tools::GenreTag& g, const char* none) {
  return fit_column(g.present() ? escape_control(g.joined()) : none, kGenreWidth);
}

// One table line per file, printed as soon as it is done; failures also go to stderr as one error line.
void print_row(const tools::TagRow& r, void*) {
  // Names and tags come from the files: their control characters are shown, never sent to the terminal.
  const std::string conf = r.probs.empty() ? "    -" : fmt::format("{:5.3f}", r.confidence);
  std::printf("%s %s  %s %s %s%s%s\n", fit_column(tools::action_name(r.action), kActionWidth).c_str(), conf.c_str(),
              genre_cell(r.proposed, "-").c_str(), genre_cell(r.current, "-").c_str(), escape_control(r.path).c_str(),
              r.message.empty() ? "" : ": ", escape_control(r.message).c_str());
  if (r.action == tools::TagAction::failed) print_error(r.message);
}

void print_undo_row(const tools::TagRow& r, void*) {
  std::printf("%s %s %s %s%s%s\n", fit_column(tools::action_name(r.action), kActionWidth).c_str(),
              genre_cell(r.current, "-").c_str(), genre_cell(r.proposed, "(none)").c_str(),
              escape_control(r.path).c_str(), r.message.empty() ? "" : ": ", escape_control(r.message).c_str());
  if (r.action == tools::TagAction::failed) print_error(r.message);
}

}  // namespace

void register_tag(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = add_command(app, "tag");
  cmd->add_option("run", o->run_dir, "Run folder made by mgc train");
  cmd->add_option("library", o->library, "Music folder (searched recursively)");
  cmd->add_flag("--write", o->tag.write, "Write the genre tags (default: dry run, nothing is changed)");
  cmd->add_option("--min-confidence", o->tag.min_confidence, "Skip a file whose top genre is below this probability")
      ->capture_default_str();
  cmd->add_option("--top-k", o->tag.top_k, "Write up to this many genres per file, most probable first")
      ->capture_default_str();
  cmd->add_option("--min-prob", o->tag.min_prob, "With --top-k: a second or later genre needs this probability")
      ->capture_default_str();
  cmd->add_flag("--raw-names", o->tag.raw_names,
                "Write the run's class names as they are (hiphop), not as taggers spell genres (Hip-Hop)");
  cmd->add_option("--field", o->tag.field, "Tag field to write (only 'genre')")->capture_default_str();
  cmd->add_option("--csv", o->csv, "Also write the proposals as CSV (atomically)");
  cmd->add_option("-j,--jobs", o->tag.jobs, "Files decoded and classified at once (0: all cores)")
      ->capture_default_str();
  cmd->add_option("--log", o->tag.log_path,
                  "Undo log to write (default $XDG_STATE_HOME/mgc/tag/<library>-<time>.jsonl, outside the library)");
  cmd->add_option("--undo", o->undo, "Restore the genres recorded in this undo log instead of tagging");
  cmd->add_flag("--force", o->tag.force,
                "Replace a different existing genre; with --undo, restore even a genre changed since");
  auto* keep = cmd->add_flag("--keep-mtime", o->keep_mtime, "Keep each file's modification time (default)");
  cmd->add_flag("--touch", o->touch, "Let tagged files get the current time as modification time")->excludes(keep);
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar");
  cmd->callback([o] {
    o->tag.keep_mtime = !o->touch;
    o->tag.progress = !o->quiet;
    if (!o->undo.empty()) {
      if (!o->run_dir.empty()) throw make_error("tag", "--undo LOG takes no RUN or LIBRARY argument");
      o->tag.on_row = print_undo_row;
      std::printf("%s %s %s %s\n", fit_column("action", kActionWidth).c_str(), fit_column("current", kGenreWidth).c_str(),
                  fit_column("restored to", kGenreWidth).c_str(), "path");
      const tools::TagSummary s = tools::undo_tags(o->undo, o->tag);
      std::printf("undo: %s\n", s.line().c_str());
      if (s.failed() > 0) throw make_error("tag", "{} of {} file(s) could not be restored", s.failed(), s.rows.size());
      return;
    }
    if (o->run_dir.empty() || o->library.empty()) throw make_error("tag", "usage: mgc tag RUN LIBRARY [--write] ...");
    tools::validate(o->tag);
    o->tag.on_row = print_row;
    std::printf("%s %5s  %s %s %s\n", fit_column("action", kActionWidth).c_str(), "conf",
                fit_column("proposed", kGenreWidth).c_str(), fit_column("current", kGenreWidth).c_str(), "path");
    const tools::TagSummary s = tools::tag_library(o->run_dir, o->library, o->tag);
    for (const auto& l : s.leftovers)
      std::printf(o->tag.write ? "tag: removed '%s', a copy that a killed tag run left\n"
                               : "tag: '%s' is a copy that a killed tag run left (--write removes it)\n",
                  escape_control(l).c_str());
    if (!o->csv.empty()) tools::write_tag_csv(s, o->csv);
    std::printf("tag: %s%s\n", s.line().c_str(), o->tag.write ? "" : " (dry run: nothing written; --write tags)");
    if (!s.log_path.empty()) std::printf("undo log: %s (mgc tag --undo %s)\n", s.log_path.c_str(), s.log_path.c_str());
    if (!o->csv.empty()) std::printf("proposals: %s\n", o->csv.c_str());
    if (s.failed() > 0) throw make_error("tag", "{} of {} file(s) failed", s.failed(), s.rows.size());
  });
}

}  // namespace mgc::cli
