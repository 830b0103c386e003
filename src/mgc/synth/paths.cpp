#include "mgc/synth/paths.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "mgc/core/error.h"
#include "mgc/core/subprocess.h"

namespace mgc::synth {
namespace {

namespace fs = std::filesystem;

std::string known_names() {
  std::string s;
  for (const auto& p : known_synth_paths()) s += (s.empty() ? "" : ", ") + p.name;
  return s;
}

std::string stem_of(const std::string& file) { return fs::path(file).stem().string(); }

}  // namespace

const std::vector<SynthPath>& known_synth_paths() {
  static const std::vector<SynthPath> paths = {
      {.name = "fluidsynth/FluidR3_GM",
       .engine = Engine::fluidsynth,
       .sound_set = "/usr/share/sounds/sf2/FluidR3_GM.sf2",
       .package = "fluid-soundfont-gm",
       .note = "Fluid R3, 148 MB of sampled instruments (the corpus's only sound set before issue #30)"},
      {.name = "fluidsynth/TimGM6mb",
       .engine = Engine::fluidsynth,
       .sound_set = "/usr/share/sounds/sf2/TimGM6mb.sf2",
       .package = "timgm6mb-soundfont",
       .note = "TimGM6mb, a 6 MB sampled set from MuseScore 1.3"},
      {.name = "fluidsynth/OPL3_FM",
       .engine = Engine::fluidsynth,
       .sound_set = "/usr/share/sounds/sf2/OPL-3_FM_128M.sf2",
       .package = "opl3-soundfont",
       .note = "the sound of a Yamaha OPL3 FM chip (a 1990s PC sound card), sampled"},
      {.name = "fluidsynth/sf_GMbank",
       .engine = Engine::fluidsynth,
       .sound_set = "/usr/share/sounds/sf2/sf_GMbank.sf2",
       .package = "csound-soundfont",
       .note = "Csound's 4 MB General MIDI bank"},
      {.name = "timidity/freepats",
       .engine = Engine::timidity,
       .sound_set = "/etc/timidity/freepats.cfg",
       .package = "freepats",
       .note = "TiMidity++ (another synthesiser) with the FreePats GUS patches; missing programs mapped to their family"},
      {.name = "fluidsynth/MuseScore_General_Lite",
       .engine = Engine::fluidsynth,
       .sound_set = "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3",
       .package = "musescore-general-soundfont-small",
       .note = "MuseScore General (lossy sf3); about 3 s of loading per clip, so not a default"},
  };
  return paths;
}

const std::vector<std::string>& default_synth_paths() {
  static const std::vector<std::string> names = {"fluidsynth/FluidR3_GM", "fluidsynth/TimGM6mb", "fluidsynth/OPL3_FM",
                                                 "fluidsynth/sf_GMbank", "timidity/freepats"};
  return names;
}

SynthPath parse_synth_path(const std::string& spec) {
  for (const auto& p : known_synth_paths())
    if (p.name == spec) return p;
  const size_t colon = spec.find(':');
  if (colon != std::string::npos && colon + 1 < spec.size()) {
    const std::string engine = spec.substr(0, colon), file = spec.substr(colon + 1);
    if (engine == "fluidsynth")
      return {.name = "fluidsynth/" + stem_of(file), .engine = Engine::fluidsynth, .sound_set = file, .package = "", .note = file};
    if (engine == "timidity")
      return {.name = "timidity/" + stem_of(file), .engine = Engine::timidity, .sound_set = file, .package = "", .note = file};
  }
  throw make_error("synth",
                   "unknown synthesis path '{}': give one of {}, or fluidsynth:FILE.sf2 or timidity:FILE.cfg",
                   spec, known_names());
}

void check_synth_path(const SynthPath& path, const std::string& program) {
  const bool fluid = path.engine == Engine::fluidsynth;
  if (find_program(program).empty())
    throw make_error("synth", "'{}' not found (looked in PATH), needed by {}: install the Debian package {} (apt "
                     "install {})",
                     program, path.name, fluid ? "fluidsynth" : "timidity", fluid ? "fluidsynth" : "timidity");
  std::error_code ec;
  if (!fs::is_regular_file(path.sound_set, ec)) {
    if (!path.package.empty())
      throw make_error("synth", "'{}' of {} not found: install the Debian package {} (apt install {})",
                       path.sound_set, path.name, path.package, path.package);
    // A file given by path: name the built-in path of the same engine as an example.
    const SynthPath example = parse_synth_path(fluid ? "fluidsynth/FluidR3_GM" : "timidity/freepats");
    throw make_error("synth", "{} '{}' not found (Debian's {} installs {})",
                     fluid ? "soundfont" : "TiMidity++ configuration", path.sound_set, example.package,
                     example.sound_set);
  }
  if (fluid) {
    std::ifstream in(path.sound_set, std::ios::binary);
    char head[12] = {};
    in.read(head, sizeof(head));
    if (!in || std::memcmp(head, "RIFF", 4) != 0 || std::memcmp(head + 8, "sfbk", 4) != 0)
      throw make_error("synth", "soundfont '{}' is not a SoundFont file (no RIFF/sfbk header)", path.sound_set);
  }
}

std::string complete_timidity_config(const std::string& cfg_text, const std::string& cfg_path) {
  // The melodic programs of bank 0: "<program> <patch file> [options]" lines after "bank 0".
  std::map<int, std::string> present;
  std::istringstream in(cfg_text);
  bool bank0 = false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string first;
    if (!(words >> first) || first[0] == '#') continue;
    if (first == "bank" || first == "drumset") {
      std::string n;
      words >> n;
      bank0 = first == "bank" && n == "0";
      continue;
    }
    if (!bank0 || !std::all_of(first.begin(), first.end(), [](unsigned char c) { return std::isdigit(c); })) continue;
    const int program = std::atoi(first.c_str());
    std::string rest;
    std::getline(words, rest);
    if (program >= 0 && program < 128) present[program] = rest;
  }
  std::string out = "# mgc synth: " + cfg_path + ", with its missing General MIDI programs mapped\n";
  out += "dir " + fs::path(cfg_path).parent_path().string() + "\n" + cfg_text + "\nbank 0\n";
  if (present.empty()) return out;
  for (int p = 0; p < 128; ++p) {
    if (present.count(p)) continue;
    int best = -1;
    for (int d = 1; d < 128 && best < 0; ++d)  // nearest in the family of 8 first ...
      for (int q : {p - d, p + d})
        if (best < 0 && q >= 0 && q < 128 && q / 8 == p / 8 && present.count(q)) best = q;
    for (int d = 1; d < 128 && best < 0; ++d)  // ... then anywhere
      for (int q : {p - d, p + d})
        if (best < 0 && q >= 0 && q < 128 && present.count(q)) best = q;
    out += fmt::format(" {}{}\n", p, present.at(best));
  }
  return out;
}

}  // namespace mgc::synth
