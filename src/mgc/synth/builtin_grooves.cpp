// The built-in ("mgc") grooves: drum patterns for styles that MMA's libraries lack (reggae's one-drop, rockers,
// steppers and dembow; hip-hop's boom-bap; metal's gallop, double-kick, thrash and doom beats). Their rows are in
// the groove table (grooves.cpp) with band = the genre, so mgc adds bass and chords.
#include <fmt/format.h>

#include <map>
#include <string>

#include "mgc/core/error.h"
#include "mgc/synth/grooves.h"

namespace mgc::synth {
namespace {

// One drum track of a built-in groove, in MMA's own language: `sequence` is "offset duration velocity" events
// (offsets in beats, 1 = the downbeat; velocities 1..127); `rvolume` is MMA's RVolume, the random velocity change
// in percent.
std::string drum(const char* name, const char* tone, const char* sequence, int rvolume = 8) {
  return fmt::format("Begin Drum-{}\n  Tone {}\n  Sequence {{ {} }}\n  RVolume {}\n  RTime 2\nEnd\n", name, tone,
                     sequence, rvolume);
}

const std::map<std::string, std::string>& builtin_sources() {
  static const std::map<std::string, std::string> sources = [] {
    const std::string head = "SeqClear\nSeqSize 1\nTime 4\n";
    const char* hats8 = "1 0 80; 1.5 0 55; 2 0 80; 2.5 0 55; 3 0 80; 3.5 0 55; 4 0 80; 4.5 0 55";
    const char* hats16 =
        "1 0 75; 1.25 0 45; 1.5 0 65; 1.75 0 45; 2 0 75; 2.25 0 45; 2.5 0 65; 2.75 0 45; 3 0 75; 3.25 0 45; "
        "3.5 0 65; 3.75 0 45; 4 0 75; 4.25 0 45; 4.5 0 65; 4.75 0 45";
    std::map<std::string, std::string> m;
    // Reggae. One drop: nothing on 1, kick and rim-shot together on 3.
    m["MgcOneDrop"] = head + drum("Kick", "KickDrum1", "3 0 115") + drum("Rim", "SideKick", "3 0 100") +
                      drum("HH", "ClosedHiHat", hats8, 12) + drum("OHH", "OpenHiHat", "4.5 0 50") +
                      "DefGroove MgcOneDrop\n";
    m["MgcOneDropShuffle"] =
        head + drum("Kick", "KickDrum1", "3 0 115") + drum("Rim", "SideKick", "3 0 100") +
        drum("HH", "ClosedHiHat", "1 0 75; 1.66 0 45; 2 0 75; 2.66 0 45; 3 0 75; 3.66 0 45; 4 0 75; 4.66 0 50", 12) +
        drum("Tom", "LowTom1", "4.66 0 60") + "DefGroove MgcOneDropShuffle\n";
    m["MgcRockers"] = head + drum("Kick", "KickDrum1", "1 0 110; 3 0 110") + drum("Rim", "SideKick", "3 0 95") +
                      drum("Snare", "SnareDrum1", "4.75 0 60") + drum("HH", "ClosedHiHat", hats16, 12) +
                      drum("OHH", "OpenHiHat", "2.5 0 55") + "DefGroove MgcRockers\n";
    m["MgcSteppers"] = head + drum("Kick", "KickDrum1", "1 0 110; 2 0 105; 3 0 110; 4 0 105") +
                       drum("Snare", "SnareDrum1", "3 0 100") +
                       drum("HH", "OpenHiHat", "1.5 0 60; 2.5 0 60; 3.5 0 60; 4.5 0 60", 10) +
                       drum("CHH", "ClosedHiHat", "1 0 60; 2 0 60; 3 0 60; 4 0 60") + "DefGroove MgcSteppers\n";
    m["MgcDembow"] = head + drum("Kick", "KickDrum1", "1 0 112; 2 0 105; 3 0 112; 4 0 105") +
                     drum("Snare", "SnareDrum2", "1.75 0 95; 2.5 0 90; 3.75 0 95; 4.5 0 90") +
                     drum("HH", "ClosedHiHat", hats8, 12) + drum("Shaker", "Maracas", "1.5 0 50; 3.5 0 50") +
                     "DefGroove MgcDembow\n";
    // Hip-hop.
    m["MgcBoomBap1"] = head + drum("Kick", "KickDrum1", "1 0 118; 2.75 0 95; 3.5 0 105") +
                       drum("Snare", "SnareDrum1", "2 0 112; 4 0 112") + drum("HH", "ClosedHiHat", hats8, 12) +
                       "DefGroove MgcBoomBap1\n";
    m["MgcBoomBap2"] = head + drum("Kick", "KickDrum2", "1 0 118; 1.75 0 90; 3.25 0 100; 3.5 0 105") +
                       drum("Snare", "SnareDrum1", "2 0 112; 4 0 112; 4.75 0 55") +
                       drum("Clap", "HandClap", "2 0 70; 4 0 70") + drum("HH", "ClosedHiHat", hats16, 14) +
                       drum("OHH", "OpenHiHat", "4.5 0 60") + "DefGroove MgcBoomBap2\n";
    m["MgcBoomBapSwing"] =
        head + drum("Kick", "KickDrum1", "1 0 118; 2.66 0 90; 3.33 0 105") +
        drum("Snare", "SnareDrum2", "2 0 110; 4 0 110") +
        drum("HH", "ClosedHiHat", "1 0 80; 1.66 0 55; 2 0 80; 2.66 0 55; 3 0 80; 3.66 0 55; 4 0 80; 4.66 0 55", 14) +
        "DefGroove MgcBoomBapSwing\n";
    m["MgcHalfTime"] = head + drum("Kick", "KickDrum1", "1 0 118; 1.75 0 95; 2.5 0 105; 4.25 0 90") +
                       drum("Snare", "SnareDrum1", "3 0 118") + drum("Clap", "HandClap", "3 0 80") +
                       drum("HH", "ClosedHiHat", hats16, 16) + "DefGroove MgcHalfTime\n";
    // Metal.
    m["MgcGallop"] =
        head +
        drum("Kick", "KickDrum1",
             "1 0 115; 1.5 0 100; 1.75 0 100; 2 0 115; 2.5 0 100; 2.75 0 100; 3 0 115; 3.5 0 100; 3.75 0 100; "
             "4 0 115; 4.5 0 100; 4.75 0 100",
             5) +
        drum("Snare", "SnareDrum1", "2 0 120; 4 0 120", 5) + drum("Crash", "CrashCymbal1", "1 0 110") +
        drum("Ride", "RideCymbal1", "1 0 90; 2 0 80; 3 0 90; 4 0 80") + "DefGroove MgcGallop\n";
    m["MgcDoubleKick"] =
        head +
        drum("Kick", "KickDrum1",
             "1 0 112; 1.25 0 100; 1.5 0 108; 1.75 0 100; 2 0 112; 2.25 0 100; 2.5 0 108; 2.75 0 100; 3 0 112; "
             "3.25 0 100; 3.5 0 108; 3.75 0 100; 4 0 112; 4.25 0 100; 4.5 0 108; 4.75 0 100",
             5) +
        drum("Snare", "SnareDrum1", "2 0 122; 4 0 122", 5) + drum("Crash", "CrashCymbal1", "1 0 115") +
        drum("China", "ChineseCymbal", "1 0 90; 2 0 85; 3 0 90; 4 0 85") + "DefGroove MgcDoubleKick\n";
    m["MgcThrash"] = head + drum("Kick", "KickDrum1", "1 0 115; 2 0 110; 3 0 115; 4 0 110", 5) +
                     drum("Snare", "SnareDrum1", "1.5 0 115; 2.5 0 112; 3.5 0 115; 4.5 0 112", 5) +
                     drum("Crash", "CrashCymbal2", "1 0 110; 3 0 100") +
                     drum("Ride", "RideCymbal1", "1 0 85; 2 0 85; 3 0 85; 4 0 85") + "DefGroove MgcThrash\n";
    m["MgcDoom"] =
        head + drum("Kick", "KickDrum1", "1 0 118; 2.5 0 105") + drum("Snare", "SnareDrum1", "3 0 122") +
        drum("Crash", "CrashCymbal1", "1 0 115") +
        drum("Ride", "RideCymbal2", "1 0 80; 1.5 0 65; 2 0 80; 2.5 0 65; 3 0 80; 3.5 0 65; 4 0 80; 4.5 0 65") +
        drum("Tom", "LowTom2", "4.5 0 95; 4.75 0 90") + "DefGroove MgcDoom\n";
    return m;
  }();
  return sources;
}

}  // namespace

std::string builtin_groove_source(const GrooveEntry& entry) {
  if (entry.library != "mgc") return "";
  const auto it = builtin_sources().find(entry.groove);
  if (it == builtin_sources().end()) throw make_error("synth", "built-in groove '{}' has no source", entry.groove);
  return it->second;
}

}  // namespace mgc::synth
