#pragma once
// The built-in corpus: genre-labelled music rendered from MMA (Musical MIDI Accompaniment) grooves with FluidSynth
// and a General MIDI soundfont. No real music can be downloaded, so this is the project's default dataset for
// training and end-to-end tests. Ten classes with GTZAN's names.
//
// Pipeline per clip, deterministic for (seed, genre, clip index):
//   groove (the genre's groove files cycled, each file's grooves in turn) + genre-typical chord progression in a
//   random key + tempo from the groove's range + timbre variation (General MIDI substitutions inside one family,
//   an optional lead line, drum/bass/chord balance, master volume) -> `mma` writes a MIDI file -> `fluidsynth`
//   renders it (reverb/chorus varied) -> mixed to mono, cut to exactly `seconds`, gain -6..0 dB -> 16-bit WAV.
// Layout: DIR/<genre>/<genre>.<NNNNN>.wav, DIR/manifest.csv (path,genre,groove,groove_file,tempo,key,seconds,seed;
// groove_file = "library/file", the MMA file that defines the groove: the corpus's "artist"),
// DIR/synth.json (the effective configuration). See docs/GROOVES.md for the groove table.
#include <cstdint>
#include <string>
#include <vector>

namespace mgc::data {

struct SynthConfig {
  std::string out_dir;                                        // corpus root; created if missing
  int clips_per_genre = 80;                                   // >= 1
  double seconds = 15;                                        // clip length, (0, 600]
  uint64_t seed = 0;                                          // everything random derives from it
  std::string soundfont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
  int sample_rate = 22050;                                    // Hz, 8000..96000 (FluidSynth's range)
  int threads = 0;                                            // clips rendered at once; 0 = all cores
  bool quiet = false;                                         // no progress bar
  std::vector<std::string> genres;                            // subset of genre_names(); empty = all ten
  std::string mma = "mma";                                    // program name (looked up in PATH) or path
  std::string fluidsynth = "fluidsynth";                      // program name (looked up in PATH) or path

  // Throws mgc::Error ("synth: ...") naming the first field that is out of range.
  void validate() const;
};

struct SynthReport {
  int rendered = 0;                 // clips written by this run
  int skipped = 0;                  // clips already present and listed in the manifest
  int failed = 0;                   // clips that failed twice (first groove and a retry with another one)
  double seconds = 0;               // wall time of the run
  std::vector<std::string> errors;  // one line per failed attempt: clip, groove, and mma's/fluidsynth's message
};

// One row of the groove table: an MMA groove and the genre it stands for.
struct GrooveEntry {
  std::string genre;    // one of genre_names()
  std::string library;  // MMA library folder (stdlib, casio, zoom, pflib, yamaha, kara, alexis) or "mgc" (built in)
  std::string file;     // groove file inside the library, without ".mma"; for "mgc", a family name
  std::string groove;   // groove name as defined by DefGroove
  int beats = 4;        // quarter-note beats per bar as MMA counts them (3 for waltzes, 6 for MMA's 6/8 files)
  int tempo_min = 0;    // bpm range typical for this groove (MMA beats per minute)
  int tempo_max = 0;
  std::string band;     // "" = the groove's own instruments; "orchestra" = drums muted; a genre name = the groove
                        // is drums only (zoom, mgc) and mgc adds that genre's bass/chord parts
  std::string note;     // why a doubtful mapping was made ("" when the name says it)

  // How an .mma file selects it: "stdlib/blues:BluesTriple" (MMA's extended name, unambiguous across
  // libraries), or the bare name for the built-in "mgc" grooves, which the clip file defines itself.
  std::string mma_name() const;
};

// The ten genres, sorted: blues classical country disco hiphop jazz metal pop reggae rock.
const std::vector<std::string>& genre_names();

// Every groove the corpus uses, grouped by genre (table order). Built once, on first use.
const std::vector<GrooveEntry>& groove_table();

// The groove table rows of one genre. Throws mgc::Error if `genre` is not one of genre_names().
std::vector<GrooveEntry> grooves_of(const std::string& genre);

// The MMA source that defines a built-in ("mgc") groove, "" for library grooves.
std::string builtin_groove_source(const GrooveEntry& entry);

// Everything random about one clip, drawn from (seed, genre, index) alone.
struct ClipPlan {
  std::string genre;
  int index = 0;
  uint64_t seed = 0;        // the clip's own seed (manifest column `seed`)
  GrooveEntry groove;
  int tempo = 0;            // bpm
  std::string key;          // "Bb", "F#m"
  std::string progression;  // name of the progression ("12-bar", "ii-V-I", ...)
  int bars = 0;             // bars rendered (more than needed)
  double offset = 0;        // seconds skipped at the start (inside the first bars)
  double gain_db = 0;       // applied after peak normalisation to -1 dBFS; in [-6, 0]
  std::vector<std::string> fluidsynth_options;  // "-o name=value" pairs for reverb/chorus
  std::string mma_source;   // the complete .mma file
};

// Plans clip `index` of `genre`. `attempt` 0 is the normal groove; attempt 1 takes a groove of another file of the
// genre (the retry after a failure). Pure: no files, no processes. Throws mgc::Error for an unknown genre.
ClipPlan plan_clip(const SynthConfig& config, const std::string& genre, int index, int attempt = 0);

// Checks that mma, fluidsynth and the soundfont are there. Throws mgc::Error naming what is missing and the
// Debian package that provides it (mma, fluidsynth, fluid-soundfont-gm).
void check_synth_tools(const SynthConfig& config);

// Renders the corpus (see the top of this file). Clips already present and listed in DIR/manifest.csv are
// skipped, so running the same command again resumes an interrupted run. A clip that fails is retried once with
// another groove of its genre; if that fails too it is counted in `failed` and its messages kept in `errors`.
// The manifest lists every clip present. Throws mgc::Error for a bad config, missing tools, or a DIR made with
// other settings (seed, seconds, sample rate, soundfont); per-clip failures do not throw.
SynthReport synthesize_corpus(const SynthConfig& config);

struct GrooveCheck {
  int checked = 0;
  double seconds = 0;
  std::vector<std::string> failures;  // "stdlib/blues:Blues: <why>"
};

// Loads every given groove with `mma` (one process, one bar each, no audio) and compares the bar length MMA
// reports with the table's `beats`. Throws mgc::Error only if mma cannot be run at all.
GrooveCheck check_grooves(const std::vector<GrooveEntry>& entries, const std::string& mma = "mma");

// The groove table as Markdown (one section per genre), for docs/GROOVES.md.
std::string groove_table_markdown();

}  // namespace mgc::data
