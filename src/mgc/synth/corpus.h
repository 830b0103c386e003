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
//
// The parts: grooves.h (the groove table), profiles.h (genre profiles), arrangement.h (the MMA text), plan.h (one
// clip's random choices), render.h (mma and fluidsynth), and this file (the corpus folder, resuming, manifest).
#include <string>
#include <vector>

#include "mgc/synth/config.h"

namespace mgc::synth {

struct SynthReport {
  int rendered = 0;                 // clips written by this run
  int skipped = 0;                  // clips already present and listed in the manifest
  int failed = 0;                   // clips that failed twice (first groove and a retry with another one)
  int leftovers = 0;                // scratch folders of killed runs found and removed
  double seconds = 0;               // wall time of the run
  std::vector<std::string> errors;  // one line per failed attempt: clip, groove, and mma's/fluidsynth's message
};

// Renders the corpus (see the top of this file). Clips already present and listed in DIR/manifest.csv are
// skipped, so running the same command again resumes an interrupted run. A clip that fails is retried once with
// another groove of its genre; if that fails too it is counted in `failed` and its messages kept in `errors`.
// The manifest lists every clip present. Throws mgc::Error for a bad config, missing tools, or a DIR made with
// other settings (seed, seconds, sample rate, soundfont); per-clip failures do not throw.
SynthReport synthesize_corpus(const SynthConfig& config);

}  // namespace mgc::synth
