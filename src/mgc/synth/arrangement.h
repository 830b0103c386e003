#pragma once
// Arrangement: the MMA (Musical MIDI Accompaniment) text of a clip. The groove with voice substitutions, the band
// parts mgc adds to drums-only grooves, the mix balance, an optional lead line, and the chords of the
// progression. Pure: text in, text out; every random choice comes from the caller's generator.
#include <cstdint>
#include <string>

#include "mgc/core/random.h"
#include "mgc/synth/grooves.h"
#include "mgc/synth/profiles.h"

namespace mgc::synth {

// The choices an arrangement is written from (plan_clip draws them).
struct ArrangementSpec {
  const GenreProfile& profile;     // its voice substitutions and lead lines
  const GrooveEntry& groove;       // loaded by name; its band says what mgc adds
  const std::string& chords;       // the progression's bars, coloured (colour_chords); looped from bar 1
  int tempo = 0;                   // bpm
  int tonic = 0;                   // pitch class of the key (pitch::C ...)
  int bars = 0;                    // bars of chords written
  uint64_t seed = 0;               // the clip's seed: MMA's RndSeed is seed % 1000000007
};

// The clip's .mma text after its first (comment) line: RndSeed, VoiceTr, the built-in groove's source if any,
// Tempo and Groove, master volume, drums muted (band "orchestra") or the band's added parts, MIDI channel volumes
// for drums, bass and harmony, the lead line (with probability profile.lead_chance) and one chord line per bar.
// Draws from `rng` in that order, so one generator state gives one text. Throws mgc::Error for a progression
// token that is not "degree:quality" or names an unknown degree.
std::string arrange_clip(const ArrangementSpec& spec, SplitMix64& rng);

// A key's name as the manifest writes it: "Bb" (major), "F#m" (minor). `tonic` is a pitch class 0..11.
std::string key_name(int tonic, Mode mode);

// One bar of MMA chord data for `bar` ("b7:maj7", or two chords "1:7/4:7") in the key of `tonic`: "Bbmaj7", or
// "C7 / F7 /" for two chords in 4 beats (the second on the middle beat, (beats + 1) / 2). Throws mgc::Error for
// a bad token.
std::string bar_chords(const std::string& bar, int tonic, int beats);

// Re-lays a pattern written for a 4-beat bar ("1 4 90; 2.5 8 80") onto a bar of `beats` beats: beat b of the new
// bar plays what beat (b mod 4) of the original played. Returned unchanged when beats == 4.
std::string tile_pattern(const std::string& pattern4, int beats);

}  // namespace mgc::synth
