// mgc synth --out DIR: render the built-in genre corpus with MMA and several synthesis paths (see
// src/mgc/synth/corpus.h). Also: --list-grooves [--markdown] prints the groove table, --list-synth-paths the
// synthesis paths; --check-grooves loads every groove with mma.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.h"
#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/core/progress.h"
#include "mgc/synth/corpus.h"
#include "mgc/synth/grooves.h"
#include "mgc/synth/paths.h"
#include "mgc/synth/render.h"

namespace mgc::cli {
namespace {

struct Options {
  synth::SynthConfig config;
  std::string genres;       // comma-separated
  std::string synth_paths;  // comma-separated
  std::string soundfont;    // shorthand for --synth-paths fluidsynth:FILE
  bool list_grooves = false;
  bool list_paths = false;
  bool markdown = false;
  bool check_grooves = false;
  bool no_production = false;  // --no-production: config.production = false
};

void list(const Options& o) {
  if (o.markdown) {
    std::fputs(synth::groove_table_markdown().c_str(), stdout);
    return;
  }
  std::printf("genre,library,file,groove,beats,tempo_min,tempo_max,band\n");
  for (const auto& e : synth::groove_table())
    std::printf("%s,%s,%s,%s,%d,%d,%d,%s\n", e.genre.c_str(), e.library.c_str(), e.file.c_str(), e.groove.c_str(),
                e.beats, e.tempo_min, e.tempo_max, e.band.c_str());
}

void check(const Options& o) {
  const auto& table = synth::groove_table();
  const synth::GrooveCheck c = synth::check_grooves(table, o.config.mma);
  for (const auto& f : c.failures) std::fprintf(stderr, "synth: groove check failed: %s\n", f.c_str());
  std::printf("checked %d grooves with mma in %.1f s: %zu failed\n", c.checked, c.seconds, c.failures.size());
  if (!c.failures.empty()) throw make_error("synth", "{} of {} grooves failed the check", c.failures.size(), c.checked);
}

// "a, b,,c" -> {"a", "b", "c"}.
std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text + ",") {
    if (ch == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (ch != ' ') {
      cur += ch;
    }
  }
  return out;
}

void list_paths() {
  const auto& defaults = synth::default_synth_paths();
  std::printf("%s\n", csv::row({"name", "default", "engine", "sound_set", "package", "note"}).c_str());
  for (const auto& p : synth::known_synth_paths()) {
    const bool on = std::find(defaults.begin(), defaults.end(), p.name) != defaults.end();
    std::printf("%s\n", csv::row({p.name, on ? "yes" : "no",
                                  p.engine == synth::Engine::fluidsynth ? "fluidsynth" : "timidity", p.sound_set,
                                  p.package, p.note})
                            .c_str());
  }
}

void run(Options& o) {
  if (o.list_grooves) return list(o);
  if (o.list_paths) return list_paths();
  if (o.check_grooves) return check(o);
  o.config.genres = comma_list(o.genres);
  o.config.synth_paths = comma_list(o.synth_paths);
  o.config.production = !o.no_production;
  if (!o.soundfont.empty()) {
    if (!o.config.synth_paths.empty()) throw make_error("synth", "give --soundfont or --synth-paths, not both");
    o.config.synth_paths = {"fluidsynth:" + o.soundfont};
  }
  o.config.validate();
  const synth::SynthReport r = synth::synthesize_corpus(o.config);
  // A clip that failed with its first groove and then rendered with another is a warning; one that failed twice
  // is an error and makes the command fail (an unbalanced corpus should not pass silently).
  for (const auto& e : r.errors) std::fprintf(stderr, "synth: %s\n", e.c_str());
  if (r.leftovers > 0)
    std::printf("synth: removed %d scratch folder(s) that a killed run left in %s\n", r.leftovers,
                std::filesystem::temp_directory_path().c_str());
  if (!o.config.quiet || r.failed > 0) {
    const double rate = r.seconds > 0 ? r.rendered / r.seconds : 0.0;
    std::printf("synth: rendered %d, skipped %d, failed %d clips in %s (%.2f clips/s) -> %s/manifest.csv\n", r.rendered,
                r.skipped, r.failed, format_duration(r.seconds).c_str(), rate, o.config.out_dir.c_str());
  }
  if (r.failed > 0)
    throw make_error("synth", "{} clip(s) failed twice (see above); the manifest lists the {} that exist", r.failed,
                     r.rendered + r.skipped);
}

}  // namespace

void register_synth(CLI::App& app) {
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = add_command(app, "synth");
  cmd->add_option("--out", opts->config.out_dir,
                  "Corpus folder: DIR/<genre>/<genre>.NNNNN.wav, manifest.csv, synth.json");
  cmd->add_option("--clips-per-genre", opts->config.clips_per_genre, "Clips per genre")->capture_default_str();
  cmd->add_option("--seconds", opts->config.seconds, "Clip length in seconds (exact)")->capture_default_str();
  cmd->add_option("--seed", opts->config.seed, "Seed: the same seed renders the same corpus")->capture_default_str();
  cmd->add_option("--synth-paths", opts->synth_paths,
                  "Synthesis paths, comma-separated: built-in names (--list-synth-paths) or fluidsynth:FILE.sf2, "
                  "timidity:FILE.cfg; each clip is rendered through one (default: the five built-in defaults)");
  cmd->add_option("--soundfont", opts->soundfont,
                  "Render every clip with FluidSynth and this General MIDI SoundFont (= --synth-paths "
                  "fluidsynth:FILE)");
  cmd->add_option("-j,--jobs", opts->config.threads, "Clips rendered at once (0: all cores)")->capture_default_str();
  cmd->add_option("--sample-rate", opts->config.sample_rate, "Output sample rate in Hz (mono 16-bit WAV)")
      ->capture_default_str();
  cmd->add_option("--genres", opts->genres, "Only these genres, comma-separated (default: all ten)");
  cmd->add_option("--mma", opts->config.mma, "The mma program")->capture_default_str();
  cmd->add_option("--fluidsynth", opts->config.fluidsynth, "The fluidsynth program")->capture_default_str();
  cmd->add_option("--timidity", opts->config.timidity, "The timidity program")->capture_default_str();
  cmd->add_option("--ffmpeg", opts->config.ffmpeg, "The ffmpeg program (the production's filters and codecs)")
      ->capture_default_str();
  cmd->add_flag("--no-production", opts->no_production,
                "Render without per-clip production (EQ, compression, echo, noise, MP3/Opus re-encoding): the "
                "synthesiser's output mixed to mono as it is");
  cmd->add_flag("-q,--quiet", opts->config.quiet, "No progress bar or summary (errors are still printed)");
  cmd->add_flag("--list-grooves", opts->list_grooves, "Print the groove table (CSV) and exit");
  cmd->add_flag("--markdown", opts->markdown, "With --list-grooves: print it as Markdown (docs/GROOVES.md)");
  cmd->add_flag("--list-synth-paths", opts->list_paths, "Print the built-in synthesis paths (CSV) and exit");
  cmd->add_flag("--check-grooves", opts->check_grooves,
                "Load every groove of the table with mma (no audio) and check its bar length; exit");
  cmd->callback([opts] { run(*opts); });
}

}  // namespace mgc::cli
