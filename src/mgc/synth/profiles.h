#pragma once
// Genre profiles: what a genre's clips play over their groove. Harmony (weights over one shared pool of chord
// progressions in scale degrees, how the genre colours their chords, the keys they are played in), timbre
// (General MIDI substitutions inside one instrument family), the chance and kind of a lead line, and the room
// (FluidSynth's reverb and chorus). Data only: plan_clip draws from it and arrange_clip writes it out.
#include <string>
#include <vector>

namespace mgc::synth {

// Pitch classes by the names the clips' chords use (0 = C).
namespace pitch {
enum : int { C = 0, Db, D, Eb, E, F, Gb, G, Ab, A, Bb, B };
}

enum class Mode { major, minor };

// A chord progression of the shared pool, independent of key and genre.
struct Progression {
  const char* name;  // "12-bar", "ii-V-I": the clip's comment line and ClipPlan::progression (manifest column)
  Mode mode;         // of the key it is played in: names the key "F#m" (minor) or "F#" (major)
  const char* bars;  // "deg:quality" per bar, two chords in a bar joined by '/'; degrees 1 b2 2 b3 3 4 #4 b5 5 b6 6
                     // b7 7; quality as MMA spells chords ("7", "m7", "maj7", "m7b5", "5", "" = major triad, "m" =
                     // minor triad). Plain triads are what a genre's ChordColour may change.
};

// How a genre plays the pool's plain triads ("" and "m"; "dim" for sevenths); other qualities are kept, except
// under `power`, which plays every chord as root and fifth.
enum class ChordColour {
  triads,    // as written
  sevenths,  // major -> maj7 (on degree 5: 7), minor -> m7, dim -> m7b5 (jazz, soul)
  dominant,  // major -> 7, minor -> m7 (blues)
  power,     // every chord -> "5" (metal, hard rock)
};

// A genre's weight for one progression of the pool (progression_pool(), by name).
struct ProgressionWeight {
  const char* name;
  double weight;  // > 0; relative to the genre's other weights
};

// A timbre substitution: MMA's VoiceTr replaces voice `from` of the groove by one of `to`.
struct VoiceRule {
  const char* from;  // voice name as the groove files write it
  const char* to;    // space-separated alternatives (the original among them = sometimes kept)
};

struct GenreProfile {
  const char* genre;                            // one of genre_names()
  std::vector<ProgressionWeight> progressions;  // names of the pool; one is drawn per clip, by weight
  ChordColour colour = ChordColour::triads;     // applied to a clip's chords with probability colour_chance
  double colour_chance = 0;
  std::vector<int> keys;                  // tonic pitch classes (pitch::C ...); empty = all twelve
  std::vector<VoiceRule> voices;          // substitutions of this genre; they win over common_voices()
  bool common_voices = true;              // also apply common_voices() (false where `voices` is not variation but
                                          // a change of band: classical makes its arrangements orchestral)
  double lead_chance = 0;                 // probability that a clip has a lead line (MMA Aria track)
  std::vector<std::string> lead_voices;   // "Voice:octave"
  std::vector<std::string> lead_rhythms;  // MMA sequences written for a 4-beat bar
  const char* lead_scale;                 // the lead's Aria ScaleType ("Chord" or "Scale")
  // The room: FluidSynth settings drawn per clip, synth.reverb.room-size in [room_size_min, room_size_max),
  // synth.reverb.level in [reverb_level_min, reverb_level_max) and synth.chorus.level in [0, chorus_level_max).
  double room_size_min = 0;
  double room_size_max = 0;
  double reverb_level_min = 0;
  double reverb_level_max = 0;
  double chorus_level_max = 0;
};

// The shared pool of chord progressions. Every genre draws from it with its own weights, and every progression
// has weight in at least two genres (the same I-IV-V in rock, country, pop and reggae; the 12-bar form in blues,
// rock and jazz), so that no progression names one genre.
const std::vector<Progression>& progression_pool();

// The pool's progression called `name`. Throws mgc::Error ("synth: unknown progression ...") if there is none.
const Progression& progression_named(const std::string& name);

// `bars` (Progression::bars) with every chord coloured as `colour` says; the same text for ChordColour::triads.
// Throws mgc::Error for a chord token without ':'.
std::string colour_chords(const std::string& bars, ChordColour colour);

// The profiles of the ten genres, in genre_names() order.
const std::vector<GenreProfile>& genre_profiles();

// The profile of `genre`. Throws mgc::Error ("synth: unknown genre ...") if it is not one of genre_names().
const GenreProfile& profile_of(const std::string& genre);

// Substitutions inside one General MIDI family that any genre keeps (see GenreProfile::common_voices).
const std::vector<VoiceRule>& common_voices();

}  // namespace mgc::synth
