#pragma once
// Synthesis paths: the engine and the sound set that turn a clip's MIDI into audio. The corpus renders each clip
// through one of several (chosen per clip from the seed, recorded in the manifest's `synth` column), so that a
// model can be tested on a path it never heard in training (`--split-by synth`): a figure on one soundfont
// measures how well a model learned that soundfont (docs/ROBUSTNESS.md).
#include <string>
#include <vector>

namespace mgc::synth {

enum class Engine { fluidsynth, timidity };

struct SynthPath {
  std::string name;       // manifest value, "fluidsynth/FluidR3_GM"; for a file given by path, "fluidsynth/<stem>"
  Engine engine = Engine::fluidsynth;
  std::string sound_set;  // fluidsynth: a SoundFont (.sf2/.sf3); timidity: a configuration file (.cfg)
  std::string package;    // the Debian package that ships sound_set ("" for a file given by path)
  std::string note;       // one line for --list-synth-paths
};

// The built-in paths, each from a Debian package, in a fixed order.
const std::vector<SynthPath>& known_synth_paths();

// The names `mgc synth` renders through by default: every built-in path that renders at >= 1 clip/s on one core
// (docs/GROOVES.md, "Synthesis paths", has the timings).
const std::vector<std::string>& default_synth_paths();

// A path from its spec: a built-in name ("fluidsynth/TimGM6mb"), or "fluidsynth:FILE.sf2" / "timidity:FILE.cfg"
// for a sound set given by file. Throws mgc::Error ("synth: ...") naming the spec and the known names otherwise.
SynthPath parse_synth_path(const std::string& spec);

// Checks that the path's program and sound set are there (fluidsynth and timidity are looked up as `program`).
// Throws mgc::Error naming what is missing and the Debian package that provides it.
void check_synth_path(const SynthPath& path, const std::string& program);

// TiMidity++'s configuration for a GUS patch set that lacks some General MIDI programs (freepats has 72 of the 128
// melodic ones): the set's own configuration, plus each missing program mapped to the nearest present program
// of its GM family (then the nearest overall), so that no part of a groove falls silent. `cfg_text` is the set's
// configuration as read; returns the text to write beside it. Pure.
std::string complete_timidity_config(const std::string& cfg_text, const std::string& cfg_path);

}  // namespace mgc::synth
