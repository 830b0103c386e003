#pragma once
// Rendering: a clip plan through `mma` (MMA text -> MIDI) and the clip's synthesis path (paths.h: FluidSynth with
// a General MIDI SoundFont, or TiMidity++ with a patch set), mixed to mono, cut and levelled into a 16-bit WAV;
// and the checks that these tools and the groove table work. Tools run through core/subprocess (no shell) with
// PYTHONHASHSEED=0, so MMA (Python) makes the same choices on every run.
#include <string>
#include <vector>

#include "mgc/synth/config.h"
#include "mgc/synth/grooves.h"
#include "mgc/synth/plan.h"

namespace mgc::synth {

// The programs a render runs, as find_program resolved them ("" for one that no configured path needs).
struct Tools {
  std::string mma, fluidsynth, timidity, ffmpeg;
};

// Checks that mma, every configured synthesis path (its program and sound set) and, when config.production is on,
// ffmpeg with the MP3 and Opus encoders are there, and resolves the programs. Throws mgc::Error naming what is
// missing and the Debian package that provides it (mma, fluidsynth, timidity, ffmpeg, fluid-soundfont-gm ...).
Tools check_synth_tools(const SynthConfig& config);

// Renders `plan` into `wav_path`: mma, then the plan's synthesis path, then (when plan.production needs it) ffmpeg
// with the production's filters and codec, in a temporary folder; then the frames from plan.offset on,
// config.clip_frames() of them, mixed to mono with the production's weights, its hiss and crackle added,
// peak-normalised to -1 dBFS plus plan.gain_db and written as 16-bit PCM at config.sample_rate through a temporary
// file in the same folder renamed into place. Throws mgc::Error ("synth: ...", with the tool's own message) if a
// tool fails or runs over its time limit (mma 120 s, the synthesiser and ffmpeg 120 s + 2 x seconds each), the
// render is too short or silent, or the file cannot be written; `wav_path` is then left as it was.
void render_clip(const SynthConfig& config, const ClipPlan& plan, const Tools& tools, const std::string& wav_path);

// The pid in the name of a render's scratch folder ("mgc-synth-<pid>-XXXXXX" in the system's temporary folder),
// or 0 for any other name: with core/fs.h remove_leftovers, a later run removes what a killed one left.
long scratch_owner(const std::string& name);

struct GrooveCheck {
  int checked = 0;
  double seconds = 0;
  std::vector<std::string> failures;  // "stdlib/blues:Blues: <why>"
};

// Loads every given groove with `mma` (one process, one bar each, no audio) and compares the bar length MMA
// reports with the table's `beats`. Throws mgc::Error only if mma cannot be run at all.
GrooveCheck check_grooves(const std::vector<GrooveEntry>& entries, const std::string& mma = "mma");

}  // namespace mgc::synth
