#include "mgc/synth/arrangement.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/synth/text.h"

namespace mgc::synth {
namespace {

using detail::split;
using detail::split_words;
using detail::trim;

const char* kRootNames[12] = {"C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"};
const char* kMinorKeyNames[12] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"};

int degree_semitones(const std::string& d) {
  static const std::map<std::string, int> table = {{"1", 0}, {"b2", 1},  {"2", 2},  {"b3", 3}, {"3", 4},
                                                   {"4", 5}, {"#4", 6},  {"b5", 6}, {"5", 7},  {"b6", 8},
                                                   {"6", 9}, {"b7", 10}, {"7", 11}};
  const auto it = table.find(d);
  if (it == table.end()) throw make_error("synth", "bad scale degree '{}' in a progression", d);
  return it->second;
}

// "b7:maj7" in key `tonic` -> "Bbmaj7"-style MMA chord name.
std::string chord_name(const std::string& token, int tonic) {
  const size_t colon = token.find(':');
  if (colon == std::string::npos) throw make_error("synth", "bad chord token '{}' (want degree:quality)", token);
  const int pc = (tonic + degree_semitones(token.substr(0, colon))) % 12;
  return std::string(kRootNames[pc]) + token.substr(colon + 1);
}

// One MMA track: `pattern` (written for 4 beats) tiled to the groove's `beats`, `extra` lines before End.
std::string track(const std::string& name, const std::string& voice, int octave, const std::string& pattern, int beats,
                  const std::string& volume, const std::string& extra = "") {
  return fmt::format("Begin {}\n  Voice {}\n  Octave {}\n  Sequence {{ {} }}\n  Volume {}\n{}End\n", name, voice,
                     octave, tile_pattern(pattern, beats), volume, extra);
}

// The parts added to a drums-only groove: bass, chords and colour for its genre. Several patterns per part, picked
// per clip, so two clips on the same drum pattern still differ.
std::string band_parts(const std::string& band, SplitMix64& rng, int beats, int tempo) {
  std::string s = "// band: " + band + "\n";
  const std::string chord_extra = "  Voicing Mode=Optimal\n  Articulate 90\n";
  auto pick = [&](std::initializer_list<const char*> options) {
    std::vector<std::string> v(options.begin(), options.end());
    return rng.pick(v);
  };
  // A track whose voice and pattern are both picked. The pattern is drawn first: the order in which the first
  // version (one call, arguments evaluated right to left by GCC) drew them, kept so that a seed renders the same
  // corpus, now with every compiler.
  auto add = [&](const char* name, std::initializer_list<const char*> voices, int octave,
                 std::initializer_list<const char*> patterns, const char* volume, const std::string& extra) {
    const std::string pattern = pick(patterns);
    const std::string voice = pick(voices);
    s += track(name, voice, octave, pattern, beats, volume, extra);
  };
  if (band == "blues") {
    if (rng.chance(0.5)) {
      s += track("Walk-MgcBass", pick({"AcousticBass", "FingeredBass"}), 3, "1 4 95; 2 4 85; 3 4 92; 4 4 85", beats,
                 "mf", "  Articulate 85\n");
    } else {
      s += track("Bass-MgcBass", pick({"AcousticBass", "FingeredBass"}), 3, "1 4 1 95; 2 4 3 85; 3 4 5 92; 4 4 6 85",
                 beats, "mf", "  Articulate 80\n");
    }
    add("Chord-MgcKeys", {"Piano1", "Organ3", "Honky-TonkPiano"}, 5,
        {"2 8 80; 4 8 80", "1 4 70; 2.66 8 80; 3 4 70; 4.66 8 80", "1 2 65; 3 2 65"}, "mp", chord_extra);
    if (rng.chance(0.6)) {
      const std::string gtr = pick({"CleanGuitar", "OverDriveGuitar", "JazzGuitar"});
      s += track("Bass-MgcGtrRoot", gtr, 4,
                 "1 8 1 85; 1.66 8 1 70; 2 8 1 85; 2.66 8 1 70; 3 8 1 85; 3.66 8 1 70; 4 8 1 85; 4.66 8 1 70", beats,
                 "mp");
      s += track("Bass-MgcGtrTop", gtr, 4,
                 "1 8 5 85; 1.66 8 5 70; 2 8 6 85; 2.66 8 6 70; 3 8 5 85; 3.66 8 5 70; 4 8 6 85; 4.66 8 6 70", beats,
                 "mp");
    }
  } else if (band == "country") {
    add("Bass-MgcBass", {"FingeredBass", "AcousticBass"}, 3,
        {"1 4 1 95; 3 4 5 88", "1 4 1 95; 2.5 8 3 70; 3 4 5 88; 4.5 8 3 70"}, "mf", "  Articulate 75\n");
    add("Chord-MgcGtr", {"SteelGuitar", "NylonGuitar"}, 5,
        {"2 8 85; 4 8 85", "1 8 70; 2 8 88; 2.5 8 60; 3 8 70; 4 8 88; 4.5 8 60"}, "mf", chord_extra + "  Strum 8\n");
    if (rng.chance(0.5))
      s += track("Chord-MgcPiano", pick({"Honky-TonkPiano", "Piano1"}), 5, "2 8 70; 4 8 70", beats, "mp", chord_extra);
    if (rng.chance(0.4))
      s += track("Arpeggio-MgcBanjo", "Banjo", 5,
                 "1 16 75; 1.25 16 65; 1.5 16 70; 1.75 16 65; 2 16 75; 2.25 16 65; 2.5 16 70; 2.75 16 65; 3 16 75; "
                 "3.25 16 65; 3.5 16 70; 3.75 16 65; 4 16 75; 4.25 16 65; 4.5 16 70; 4.75 16 65",
                 beats, "p");
  } else if (band == "disco") {
    add("Bass-MgcBass", {"FingeredBass", "SlapBass1", "SynthBass1"}, 3,
        {"1 8 1 100; 1.5 8 8 85; 2 8 1 100; 2.5 8 8 85; 3 8 1 100; 3.5 8 8 85; 4 8 1 100; 4.5 8 8 85",
         "1 8 1 100; 1.5 8 8 85; 2 8 5 90; 2.5 8 8 85; 3 8 1 100; 3.5 8 8 85; 4 8 6 90; 4.5 8 8 85"},
        "mf", "  Articulate 70\n");
    add("Chord-MgcGtr", {"MutedGuitar", "CleanGuitar"}, 5,
        {"1.5 16 80; 2.5 16 85; 3.5 16 80; 4.5 16 85",
         "1 16 60; 1.25 16 50; 1.5 16 80; 2.25 16 55; 2.5 16 85; 3 16 60; 3.5 16 80; 4.25 16 55; 4.5 16 85"},
        "mp", chord_extra);
    s += track("Chord-MgcStrings", pick({"Strings", "SynthStrings1", "SlowStrings"}), 5, "1 1 60", beats, "mp",
               "  Voicing Mode=Optimal\n");
    if (rng.chance(0.5))
      s += track("Chord-MgcKeys", pick({"RhodesPiano", "Piano2", "BrassSection"}), 5, "2 8 75; 3.5 8 70; 4 8 75", beats,
                 "mp", chord_extra);
  } else if (band == "hiphop") {
    add("Bass-MgcBass", {"SynthBass1", "SynthBass2", "FingeredBass", "AcousticBass"}, 2,
        {"1 4. 1 110; 2.75 16 1 90; 3.5 8 5 95", "1 2 1 110; 3.5 4 1 95",
         "1 8 1 110; 2.5 8 1 90; 3.25 8 5 95; 4 8 8 85"},
        "f", "  Articulate 90\n");
    add("Chord-MgcKeys", {"RhodesPiano", "EPiano", "Piano1", "Vibraphone"}, 5,
        {"1 2 70; 3.5 8 60", "1 1 60", "1.5 8 65; 2.75 8 60; 4 4 65"}, "mp", chord_extra);
    if (rng.chance(0.6))
      s += track("Chord-MgcPad", pick({"WarmPad", "Strings", "HaloPad", "ChoirAahs"}), 4, "1 1 45", beats, "p",
                 "  Voicing Mode=Optimal\n");
  } else if (band == "jazz") {
    s += track("Walk-MgcBass", "AcousticBass", 3, "1 4 92; 2 4 85; 3 4 90; 4 4 85", beats, "mf", "  Articulate 85\n");
    add("Chord-MgcPiano", {"Piano1", "Piano2", "RhodesPiano"}, 5,
        {"1 4 80; 2.66 8 75", "2 8 75; 4 8 75", "1.66 8 75; 3 4 70", "1 4 75; 2.66 8 70; 4.66 8 70"}, "mp",
        chord_extra);
    if (rng.chance(0.4))
      s += track("Chord-MgcGtr", "JazzGuitar", 4, "1 4 60; 2 4 50; 3 4 60; 4 4 50", beats, "p", chord_extra);
  } else if (band == "metal") {
    const std::string gtr = pick({"DistortionGuitar", "OverDriveGuitar"});
    const std::string riff = pick(
        {"1 8 1 110; 1.5 8 1 95; 2 8 1 110; 2.5 8 1 95; 3 8 1 110; 3.5 8 1 95; 4 8 1 110; 4.5 8 1 95",
         "1 8 1 110; 1.5 16 1 95; 1.75 16 1 95; 2 8 1 110; 2.5 16 1 95; 2.75 16 1 95; 3 8 1 110; 3.5 16 1 95; "
         "3.75 16 1 95; 4 8 1 110; 4.5 16 1 95; 4.75 16 1 95",
         "1 16 1 110; 1.25 16 1 90; 1.5 16 1 100; 1.75 16 1 90; 2 16 1 110; 2.25 16 1 90; 2.5 16 1 100; 2.75 16 1 90; "
         "3 16 1 110; 3.25 16 1 90; 3.5 16 1 100; 3.75 16 1 90; 4 16 1 110; 4.25 16 1 90; 4.5 16 1 100; 4.75 16 1 90",
         "1 2 1 110; 3 4 1 105; 4 4 1 100"});
    auto with_note = [](std::string p, const char* note) {  // the same rhythm on the fifth: a power chord
      std::string out;
      for (const std::string& part : split(p, ';')) {
        auto w = split_words(part);
        if (w.size() != 4) continue;
        out += (out.empty() ? "" : "; ") + w[0] + " " + w[1] + " " + note + " " + w[3];
      }
      return out;
    };
    s += track("Bass-MgcGtrRoot", gtr, 3, riff, beats, "f", "  Articulate 80\n");
    s += track("Bass-MgcGtrFifth", gtr, 3, with_note(riff, "5"), beats, "f", "  Articulate 80\n");
    s += track("Bass-MgcBass", pick({"PickedBass", "FingeredBass"}), 2, riff, beats, "f", "  Articulate 80\n");
    if (rng.chance(0.3))
      s += track("Chord-MgcPad", pick({"Strings", "ChoirAahs", "Organ1"}), 4, "1 1 45", beats, "p",
                 "  Voicing Mode=Optimal\n");
  } else if (band == "pop") {
    add("Bass-MgcBass", {"FingeredBass", "PickedBass", "SynthBass1"}, 3,
        {"1 8 1 95; 1.5 8 1 75; 2 8 1 85; 2.5 8 1 75; 3 8 1 95; 3.5 8 1 75; 4 8 5 85; 4.5 8 1 75",
         "1 4. 1 95; 2.5 8 1 80; 3 4. 5 90; 4.5 8 1 80", "1 4 1 95; 2.5 8 1 80; 3 4 1 90; 4 8 5 80"},
        "mf", "  Articulate 85\n");
    add("Chord-MgcKeys", {"Piano1", "Piano2", "EPiano", "Piano3"}, 5,
        {"1 4 80; 2 4 70; 3 4 80; 4 4 70", "1 4. 80; 2.5 8 70; 3.5 4 75", "1 2 75; 3 2 70"}, "mp", chord_extra);
    if (rng.chance(0.6))
      s += track("Chord-MgcPad", pick({"WarmPad", "Strings", "SynthStrings1", "PolySynth"}), 4, "1 1 50", beats, "p",
                 "  Voicing Mode=Optimal\n");
    if (rng.chance(0.5))
      s += track("Chord-MgcGtr", pick({"CleanGuitar", "SteelGuitar", "MutedGuitar"}), 5,
                 "1 8 70; 1.5 8 55; 2 8 70; 2.5 8 55; 3 8 70; 3.5 8 55; 4 8 70; 4.5 8 55", beats, "p", chord_extra);
  } else if (band == "reggae") {
    const bool fast = tempo >= 110;  // ska tempo: skank on every off-beat; one-drop tempo: on 2 and 4
    s += track("Chord-MgcSkank", pick({"CleanGuitar", "MutedGuitar", "JazzGuitar"}), 5,
               fast ? "1.5 16 90; 2.5 16 90; 3.5 16 90; 4.5 16 90" : "2 16 95; 4 16 95", beats, "mf", chord_extra);
    s += track("Chord-MgcBubble", pick({"Organ1", "Organ2", "Organ3"}), 5,
               fast ? "1.5 16 55; 2.5 16 60; 3.5 16 55; 4.5 16 60" : "1.75 16 50; 2.5 16 60; 3.75 16 50; 4.5 16 60",
               beats, "mp", chord_extra);
    if (fast) {
      s += track("Bass-MgcBass", pick({"FingeredBass", "SynthBass2", "AcousticBass"}), 2,
                 "1 8 1 100; 1.5 8 1 80; 2 8 3 90; 2.5 8 3 80; 3 8 5 95; 3.5 8 5 80; 4 8 6 90; 4.5 8 5 80", beats, "f",
                 "  Articulate 90\n");
    } else {
      add("Bass-MgcBass", {"FingeredBass", "SynthBass2", "AcousticBass"}, 2,
          {"1 4. 1 105; 2.5 8 3 85; 3 4 5 95; 4 8 6 80; 4.5 8 5 80",
           "1.5 8 1 100; 2 4 1 90; 3 8 5 95; 3.5 8 3 80; 4 4 1 85",
           "1 4 1 105; 2 8 1 80; 2.5 8 3 85; 3 4. 5 95; 4.5 8 3 80"},
          "f", "  Articulate 90\n");
    }
    if (rng.chance(0.35))
      s += track("Chord-MgcHorns", pick({"BrassSection", "Trombone", "TenorSax"}), 5, "2.5 8 80; 4.5 8 80", beats, "mp",
                 chord_extra);
  } else if (band == "rock") {
    const std::string gtr = pick({"OverDriveGuitar", "DistortionGuitar", "OverDriveGuitar"});
    add("Bass-MgcBass", {"PickedBass", "FingeredBass"}, 2,
        {"1 8 1 100; 1.5 8 1 85; 2 8 1 95; 2.5 8 1 85; 3 8 1 100; 3.5 8 1 85; 4 8 1 95; 4.5 8 1 85",
         "1 4 1 100; 2 4 1 90; 3 4 1 100; 4 8 5 90; 4.5 8 1 85"},
        "f", "  Articulate 85\n");
    s += track("Chord-MgcGtr", gtr, 4,
               pick({"1 8 90; 1.5 8 80; 2 8 90; 2.5 8 80; 3 8 90; 3.5 8 80; 4 8 90; 4.5 8 80",
                     "1 4. 90; 2.5 8 85; 3 2 90", "1 2 90; 3 4 85; 4 4 85"}),
               beats, "mf", chord_extra);
    if (rng.chance(0.4))
      s += track("Chord-MgcKeys", pick({"Organ3", "Piano2", "CleanGuitar"}), 5, "1 2 60; 3 2 60", beats, "mp",
                 chord_extra);
  }
  return s;
}

}  // namespace

std::string tile_pattern(const std::string& pattern4, int beats) {
  if (beats == 4) return pattern4;
  std::vector<std::pair<double, std::string>> events;  // (offset, rest of the event)
  for (const std::string& part : split(pattern4, ';')) {
    const std::string ev = trim(part);
    if (ev.empty()) continue;
    const size_t sp = ev.find(' ');
    events.emplace_back(std::stod(ev.substr(0, sp)), sp == std::string::npos ? "" : ev.substr(sp));
  }
  std::vector<std::string> out;
  for (int b = 0; b < beats; ++b) {
    for (const auto& [offset, rest] : events) {
      const int beat = static_cast<int>(std::floor(offset)) - 1;
      if (beat != b % 4) continue;
      out.push_back(fmt::format("{:g}{}", offset - beat + b, rest));
    }
  }
  std::string s;
  for (size_t i = 0; i < out.size(); ++i) s += (i ? "; " : "") + out[i];
  return s;
}

std::string bar_chords(const std::string& bar, int tonic, int beats) {
  const auto chords = split(bar, '/');
  if (chords.size() == 1) return chord_name(chords[0], tonic);
  std::vector<std::string> slots(static_cast<size_t>(beats), "/");
  slots[0] = chord_name(chords[0], tonic);
  slots[static_cast<size_t>((beats + 1) / 2)] = chord_name(chords[1], tonic);
  std::string s;
  for (size_t i = 0; i < slots.size(); ++i) s += (i ? " " : "") + slots[i];
  return s;
}

std::string key_name(int tonic, Mode mode) {
  return mode == Mode::minor ? std::string(kMinorKeyNames[tonic]) + "m" : std::string(kRootNames[tonic]);
}

std::string arrange_clip(const ArrangementSpec& spec, SplitMix64& rng) {
  const GenreProfile& prof = spec.profile;
  const GrooveEntry& g = spec.groove;
  std::string s;
  s += fmt::format("RndSeed {}\n", spec.seed % 1000000007ull);
  // Voice substitutions must come before the groove is loaded: MMA translates when it reads a Voice command.
  std::vector<std::string> tr;
  std::vector<VoiceRule> rules = prof.voices;
  if (prof.common_voices) rules.insert(rules.end(), common_voices().begin(), common_voices().end());
  std::set<std::string> seen;
  for (const VoiceRule& r : rules) {
    if (!seen.insert(r.from).second) continue;  // genre rules win over the common ones
    const auto alternatives = split_words(r.to);
    const std::string& to = rng.pick(alternatives);
    if (to != r.from) tr.push_back(std::string(r.from) + "=" + to);
  }
  if (!tr.empty()) s += fmt::format("VoiceTr {}\n", fmt::join(tr, " "));
  s += builtin_groove_source(g);
  s += fmt::format("Tempo {}\nGroove {}\n", spec.tempo, g.mma_name());
  s += fmt::format("RndSeed {}\n", spec.seed % 1000000007ull);
  s += fmt::format("Volume {}\n", rng.pick(std::vector<std::string>{"mp", "mf", "mf", "f"}));
  if (g.band == "orchestra") s += "AllTracks Drum Off\n";
  if (!g.band.empty() && g.band != "orchestra") s += band_parts(g.band, rng, g.beats, spec.tempo);
  // Balance: drums, bass and harmony a little louder or softer (MIDI channel volume).
  s += fmt::format("AllTracks Drum MidiVolume {}\n", rng.range(85, 120));
  s += fmt::format("AllTracks Bass Walk MidiVolume {}\n", rng.range(85, 120));
  s += fmt::format("AllTracks Chord Arpeggio Plectrum Scale MidiVolume {}\n", rng.range(80, 115));
  if (rng.chance(prof.lead_chance)) {
    const std::string& lv = rng.pick(prof.lead_voices);
    const size_t colon = lv.find(':');
    const std::vector<std::string> directions = {"1 1 -1 r", "1 -1", "r", "1 1 1 -1 -1 -1", "2 -1 1 -1 r", "-1 -1 1 r"};
    // Drawn in the first version's order (see band_parts).
    const int articulate = rng.range(75, 95);
    const std::string direction = rng.pick(directions);
    const std::string volume = rng.pick(std::vector<std::string>{"mp", "mf"});
    const std::string rhythm = rng.pick(prof.lead_rhythms);
    s += track("Aria-MgcLead", lv.substr(0, colon), std::stoi(lv.substr(colon + 1)), rhythm, g.beats, volume,
               fmt::format("  ScaleType {}\n  Direction {}\n  Articulate {}\n  RVolume 10\n", prof.lead_scale,
                           direction, articulate));
  }
  // Chords: the progression looped from bar 1.
  const auto bars = split_words(spec.chords);
  for (int b = 0; b < spec.bars; ++b)
    s += fmt::format("{} {}\n", b + 1, bar_chords(bars[static_cast<size_t>(b) % bars.size()], spec.tonic, g.beats));
  return s;
}

}  // namespace mgc::synth
