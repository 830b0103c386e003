#include "mgc/synth/profiles.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "mgc/core/error.h"
#include "mgc/synth/grooves.h"
#include "mgc/synth/text.h"

namespace mgc::synth {
namespace {

// Substitutions inside one General MIDI family that any genre keeps.
const std::vector<VoiceRule> kCommonVoices = {
    {"Piano2", "Piano2 Piano1"},
    {"RhodesPiano", "RhodesPiano EPiano"},
    {"EPiano", "EPiano RhodesPiano"},
    {"Organ1", "Organ1 Organ2 Organ3"},
    {"Organ2", "Organ2 Organ1 Organ3"},
    {"Organ3", "Organ3 Organ1 Organ2"},
    {"PickedBass", "PickedBass FingeredBass"},
    {"SynthBass1", "SynthBass1 SynthBass2"},
    {"SynthBass2", "SynthBass2 SynthBass1"},
    {"SlowStrings", "SlowStrings Strings"},
    {"SynthStrings1", "SynthStrings1 SynthStrings2"},
    {"SlapBass1", "SlapBass1 SlapBass2"},
    {"AltoSax", "AltoSax TenorSax"},
    {"WarmPad", "WarmPad HaloPad PolySynth"},
};

// Rhythms of lead lines, by feel: MMA sequences ("offset duration velocity" events) for a 4-beat bar.
const std::vector<std::string> kStraightLeads = {
    "1 4 90; 2 8 80; 2.5 8 80; 3 4 90; 4 4 80",
    "1 2 90; 3 4 80; 4 4 85",
    "1 8 90; 1.5 8 80; 2 4 85; 3 8 90; 3.5 8 80; 4 4 85",
    "1.5 8 85; 2 4 90; 3 2 85",
    "1 4. 90; 2.5 8 80; 3 4 85; 4 4 80",
};
const std::vector<std::string> kSwingLeads = {
    "1 4 90; 2.66 8 80; 3 8 85; 3.66 8 80; 4 4 85",
    "1.66 8 85; 2 4 90; 3.66 8 85; 4 4 90",
    "1 8 90; 1.66 8 75; 2 8 85; 2.66 8 75; 3 4 90",
    "1 2 90; 3.66 8 80; 4 4 85",
};
const std::vector<std::string> kSparseLeads = {
    "1 4 85; 2.5 8 80; 4 4 80",
    "1.5 8 80; 2 4 85",
    "1 2 85; 3.5 8 75",
    "2 8 80; 2.5 8 75; 3 4 85",
};
const std::vector<std::string> kLongLeads = {"1 1 85", "1 2 85; 3 2 80", "1 2. 85; 4 4 75"};
const std::vector<std::string> kShredLeads = {
    "1 16 95; 1.25 16 85; 1.5 16 90; 1.75 16 85; 2 8 95; 2.5 8 90; 3 4 95; 4 8 90; 4.5 8 85",
    "1 8 95; 1.5 8 90; 2 8 95; 2.5 8 90; 3 2 95",
    "1 4 95; 2 4 90; 3 16 90; 3.25 16 85; 3.5 16 90; 3.75 16 85; 4 4 95",
};

// The shared pool of progressions (see progression_pool()). Plain triads where a genre's colour should decide the
// chord's extension (the 12-bar form is written in triads: blues plays it in dominant sevenths, rock as written,
// metal in power chords); explicit qualities where the progression is defined by them (a V7 resolving, ii7-V7
// cycles).
const std::vector<Progression> kProgressionPool = {
    // Major: the three-chord and four-chord songs shared by rock, country, pop, reggae and blues.
    {"I-IV-V", Mode::major, "1: 1: 4: 4: 5: 5: 1: 1:"},
    {"I-IV-I-V", Mode::major, "1: 4: 1: 5:"},
    {"I-IV", Mode::major, "1: 4:"},
    {"I-IV-V-IV", Mode::major, "1: 4: 5: 4:"},
    {"I-V-IV", Mode::major, "1: 5: 4: 4:"},
    {"I-V-vi-IV", Mode::major, "1: 5: 6:m 4:"},
    {"vi-IV-I-V", Mode::major, "6:m 4: 1: 5:"},
    {"50s", Mode::major, "1: 6:m 4: 5:"},
    {"I-IV-vi-V", Mode::major, "1: 4: 6:m 5:"},
    {"IV-I-V-vi", Mode::major, "4: 1: 5: 6:m"},
    {"I-iii-IV-V", Mode::major, "1: 3:m 4: 5:"},
    {"I-ii", Mode::major, "1: 2:m"},
    {"mixolydian", Mode::major, "1: b7: 4: 1:"},
    {"two-step", Mode::major, "1: 1: 4: 1: 5:7 5:7 1: 1:"},
    {"secondary dominants", Mode::major, "1: 1: 2:7 2:7 5:7 5:7 1: 1:"},
    // Blues forms.
    {"12-bar", Mode::major, "1: 4: 1: 1: 4: 4: 1: 1: 5: 4: 1: 5:"},
    {"12-bar quick change", Mode::major, "1: 4: 1: 1: 4: 4: 1: 1: 5: 4: 1:/4: 1:/5:"},
    {"8-bar blues", Mode::major, "1: 5: 4: 4: 1: 5: 1: 5:"},
    {"minor blues", Mode::minor, "1:m 1:m 1:m 1:m 4:m 4:m 1:m 1:m b6:7 5:7 1:m 5:7"},
    // Cadences and cycles: classical, jazz and the songs that borrow them.
    {"authentic cadence", Mode::major, "1: 4: 5:7 1:"},
    {"Pachelbel", Mode::major, "1: 5: 6:m 3:m 4: 1: 4: 5:"},
    {"I-vi-ii-V", Mode::major, "1: 6:m 2:m 5:7"},
    {"circle of fifths", Mode::major, "1: 4: 7:dim 3:m 6:m 2:m 5:7 1:"},
    {"romantic", Mode::major, "1: 3:m 4: 4:m 1: 2:7 5:7 1:"},
    {"ii-V-I", Mode::major, "2:m 5:7 1: 1:"},
    {"soul descent", Mode::major, "4: 3:m 2:m 1:"},
    {"rhythm bridge", Mode::major, "3:7 3:7 6:7 6:7 2:7 2:7 5:7 5:7"},
    {"minor cadence", Mode::minor, "1:m 4:m 5:7 1:m"},
    {"minor ii-V-i", Mode::minor, "2:dim 5:7 1:m 1:m"},
    {"autumn changes", Mode::minor, "4:m b7: b3: b6: 2:dim 5:7 1:m 1:m"},
    {"Andalusian", Mode::minor, "1:m b7: b6: 5:7"},
    // Minor loops and riffs.
    {"i-iv", Mode::minor, "1:m 1:m 4:m 4:m"},
    {"i-v", Mode::minor, "1:m 5:m"},
    {"i-VII", Mode::minor, "1:m b7:"},
    {"dorian vamp", Mode::minor, "1:m 1:m 4: 4:"},
    {"dark loop", Mode::minor, "1:m 1:m b6: b6:"},
    {"aeolian", Mode::minor, "1:m b7: b6: b7:"},
    {"i-VI-VII", Mode::minor, "1:m b6: b7: 1:m"},
    {"i-III-iv", Mode::minor, "1:m b3: 4:m 4:m"},
    {"phrygian", Mode::minor, "1:m 1:m b2: 1:m"},
    {"pedal", Mode::minor, "1:m 1:m 1:m b6: 1:m 1:m b7: b6:"},
};

// One chord token "deg:quality" coloured (see colour_chords).
std::string colour_chord(const std::string& token, ChordColour colour) {
  const size_t colon = token.find(':');
  if (colon == std::string::npos) throw make_error("synth", "bad chord token '{}' (want degree:quality)", token);
  const std::string degree = token.substr(0, colon), quality = token.substr(colon + 1);
  std::string q = quality;
  switch (colour) {
    case ChordColour::triads:
      break;
    case ChordColour::sevenths:
      if (quality.empty())
        q = degree == "5" || degree == "b7" ? "7" : "maj7";
      else if (quality == "m")
        q = "m7";
      else if (quality == "dim")
        q = "m7b5";
      break;
    case ChordColour::dominant:
      if (quality.empty())
        q = "7";
      else if (quality == "m")
        q = "m7";
      break;
    case ChordColour::power:
      q = "5";
      break;
  }
  return degree + ":" + q;
}

std::vector<std::string> join(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

const std::vector<GenreProfile>& genre_profiles() {
  static const std::vector<GenreProfile> profiles = {
      {
          .genre = "blues",
          .progressions = {{"12-bar", 5},
                           {"12-bar quick change", 3},
                           {"8-bar blues", 2},
                           {"minor blues", 2},
                           {"I-IV-V", 1},
                           {"I-IV", 1},
                           {"mixolydian", 1},
                           {"i-iv", 1}},
          .colour = ChordColour::dominant,
          .colour_chance = 0.8,
          .keys = {pitch::E, pitch::A, pitch::G, pitch::C, pitch::D, pitch::Bb, pitch::F},
          .voices = {{"Piano1", "Piano1 Piano2 Honky-TonkPiano"},
                     {"CleanGuitar", "CleanGuitar JazzGuitar OverDriveGuitar"},
                     {"JazzGuitar", "JazzGuitar CleanGuitar"},
                     {"FingeredBass", "FingeredBass AcousticBass"},
                     {"TenorSax", "TenorSax AltoSax"}},
          .lead_chance = 0.5,
          .lead_voices = {"Harmonica:5", "OverDriveGuitar:5", "CleanGuitar:5", "TenorSax:4"},
          .lead_rhythms = join(kSwingLeads, kLongLeads),
          .lead_scale = "Chord",
          .room_size_min = 0.2,
          .room_size_max = 0.6,
          .reverb_level_min = 0.2,
          .reverb_level_max = 0.6,
          .chorus_level_max = 1.5,
      },
      {
          .genre = "classical",
          .progressions = {{"authentic cadence", 3},
                           {"Pachelbel", 2},
                           {"I-vi-ii-V", 2},
                           {"circle of fifths", 2},
                           {"minor cadence", 2},
                           {"Andalusian", 1},
                           {"romantic", 2},
                           {"I-IV-V", 1},
                           {"50s", 1},
                           {"i-iv", 1},
                           {"minor ii-V-i", 1}},
          .keys = {},
          // Not variations: these make the arrangement orchestral (guitars -> harp, electric bass -> bowed strings).
          .voices = {{"JazzGuitar", "OrchestralHarp"},
                     {"CleanGuitar", "OrchestralHarp"},
                     {"NylonGuitar", "OrchestralHarp PizzicatoString"},
                     {"SteelGuitar", "OrchestralHarp"},
                     {"MutedGuitar", "PizzicatoString"},
                     {"FingeredBass", "ContraBass Cello"},
                     {"FretlessBass", "Cello"},
                     {"PickedBass", "ContraBass"},
                     {"AcousticBass", "ContraBass Cello"},
                     {"Strings", "Strings SlowStrings TremoloStrings"},
                     {"SynthStrings1", "Strings"},
                     {"VoiceOohs", "ChoirAahs VoiceOohs"},
                     {"MusicBox", "MusicBox Celesta Glockenspiel"},
                     {"Vibraphone", "Celesta"},
                     {"RhodesPiano", "Piano1"},
                     {"EPiano", "Piano1"},
                     {"Organ1", "ChurchOrgan"},
                     {"Organ2", "ChurchOrgan"},
                     {"Organ3", "ChurchOrgan"},
                     {"Piano2", "Piano1"}},
          .common_voices = false,
          .lead_chance = 0.6,
          .lead_voices = {"Violin:5", "Flute:5", "Oboe:5", "Clarinet:5", "Cello:4", "FrenchHorn:4"},
          .lead_rhythms = join(kStraightLeads, kLongLeads),
          .lead_scale = "Scale",
          .room_size_min = 0.6,
          .room_size_max = 0.9,
          .reverb_level_min = 0.5,
          .reverb_level_max = 0.9,
          .chorus_level_max = 0.6,
      },
      {
          .genre = "country",
          .progressions = {{"I-IV-V", 4},
                           {"I-IV-I-V", 3},
                           {"two-step", 2},
                           {"secondary dominants", 2},
                           {"50s", 2},
                           {"I-V-IV", 2},
                           {"I-V-vi-IV", 2},
                           {"12-bar", 1},
                           {"I-IV", 1},
                           {"mixolydian", 1},
                           {"authentic cadence", 1},
                           {"rhythm bridge", 1}},
          .keys = {pitch::G, pitch::D, pitch::A, pitch::C, pitch::E, pitch::F},
          .voices = {{"Piano1", "Piano1 Honky-TonkPiano Piano2"},
                     {"SteelGuitar", "SteelGuitar NylonGuitar"},
                     {"CleanGuitar", "CleanGuitar SteelGuitar"},
                     {"Violin", "Violin Fiddle"},
                     {"Fiddle", "Fiddle Violin"},
                     {"AcousticBass", "AcousticBass FingeredBass"},
                     {"FingeredBass", "FingeredBass AcousticBass"}},
          .lead_chance = 0.6,
          .lead_voices = {"Fiddle:5", "SteelGuitar:5", "Harmonica:5", "Violin:5", "CleanGuitar:5"},
          .lead_rhythms = kStraightLeads,
          .lead_scale = "Scale",
          .room_size_min = 0.2,
          .room_size_max = 0.6,
          .reverb_level_min = 0.2,
          .reverb_level_max = 0.6,
          .chorus_level_max = 1.5,
      },
      {
          .genre = "disco",
          .progressions = {{"dorian vamp", 3},
                           {"i-iv", 2},
                           {"i-VII", 2},
                           {"I-ii", 2},
                           {"ii-V-I", 1},
                           {"I-V-vi-IV", 1},
                           {"vi-IV-I-V", 1},
                           {"autumn changes", 1},
                           {"i-v", 1},
                           {"50s", 1},
                           {"I-IV", 1}},
          .colour = ChordColour::sevenths,
          .colour_chance = 0.6,
          .keys = {},
          .voices = {{"Piano1", "Piano1 Piano2 RhodesPiano"},
                     {"BrassSection", "BrassSection SynthBrass1"},
                     {"CleanGuitar", "CleanGuitar MutedGuitar"},
                     {"FingeredBass", "FingeredBass SlapBass1 SynthBass1"},
                     {"Strings", "Strings SynthStrings1 SlowStrings"}},
          .lead_chance = 0.4,
          .lead_voices = {"Strings:5", "SynthBrass1:5", "BrassSection:5", "Flute:5", "SynthStrings1:5"},
          .lead_rhythms = join(kStraightLeads, kSparseLeads),
          .lead_scale = "Chord",
          .room_size_min = 0.2,
          .room_size_max = 0.6,
          .reverb_level_min = 0.2,
          .reverb_level_max = 0.6,
          .chorus_level_max = 2.0,
      },
      {
          .genre = "hiphop",
          .progressions = {{"i-iv", 2},
                           {"i-v", 2},
                           {"dark loop", 3},
                           {"ii-V-I", 1},
                           {"soul descent", 2},
                           {"i-VII", 1},
                           {"aeolian", 1},
                           {"Andalusian", 1},
                           {"vi-IV-I-V", 1},
                           {"dorian vamp", 1},
                           {"phrygian", 1}},
          .colour = ChordColour::sevenths,
          .colour_chance = 0.6,
          .keys = {},
          .voices = {{"Piano1", "Piano1 RhodesPiano EPiano"},
                     {"FingeredBass", "FingeredBass SynthBass1 SynthBass2"},
                     {"Strings", "Strings SynthStrings1 SlowStrings"}},
          .lead_chance = 0.4,
          .lead_voices = {"RhodesPiano:5", "Flute:5", "Vibraphone:5", "Strings:5", "SquareWave:5"},
          .lead_rhythms = kSparseLeads,
          .lead_scale = "Chord",
          .room_size_min = 0.1,
          .room_size_max = 0.5,
          .reverb_level_min = 0.1,
          .reverb_level_max = 0.5,
          .chorus_level_max = 1.0,
      },
      {
          .genre = "jazz",
          .progressions = {{"ii-V-I", 4},
                           {"I-vi-ii-V", 3},
                           {"minor ii-V-i", 2},
                           {"12-bar", 2},
                           {"autumn changes", 2},
                           {"rhythm bridge", 2},
                           {"circle of fifths", 1},
                           {"soul descent", 1},
                           {"50s", 1},
                           {"two-step", 1},
                           {"I-ii", 1},
                           {"12-bar quick change", 1},
                           {"minor blues", 1},
                           {"secondary dominants", 1}},
          .colour = ChordColour::sevenths,
          .colour_chance = 0.9,
          .keys = {pitch::F, pitch::Bb, pitch::Eb, pitch::Ab, pitch::C, pitch::G, pitch::D},
          .voices = {{"Piano1", "Piano1 Piano2"},
                     {"JazzGuitar", "JazzGuitar CleanGuitar"},
                     {"Trumpet", "Trumpet MutedTrumpet"},
                     {"TenorSax", "TenorSax AltoSax"}},
          .lead_chance = 0.6,
          .lead_voices = {"TenorSax:4", "AltoSax:5", "Trumpet:5", "MutedTrumpet:5", "Vibraphone:5", "Trombone:4"},
          .lead_rhythms = kSwingLeads,
          .lead_scale = "Chord",
          .room_size_min = 0.3,
          .room_size_max = 0.6,
          .reverb_level_min = 0.3,
          .reverb_level_max = 0.6,
          .chorus_level_max = 1.0,
      },
      {
          .genre = "metal",
          .progressions = {{"i-VI-VII", 3},
                           {"phrygian", 2},
                           {"i-III-iv", 2},
                           {"aeolian", 2},
                           {"pedal", 2},
                           {"Andalusian", 1},
                           {"i-iv", 1},
                           {"I-IV-V-IV", 1},
                           {"i-VII", 1},
                           {"dark loop", 1},
                           {"minor cadence", 1}},
          .colour = ChordColour::power,
          .colour_chance = 0.85,
          .keys = {pitch::E, pitch::D, pitch::Db, pitch::A, pitch::B, pitch::Gb, pitch::C},
          .voices = {{"DistortonGuitar", "DistortionGuitar OverDriveGuitar"},
                     {"DistortionGuitar", "DistortionGuitar OverDriveGuitar"},
                     {"OverDriveGuitar", "OverDriveGuitar DistortionGuitar"},
                     {"CleanGuitar", "CleanGuitar DistortionGuitar"},
                     {"FingeredBass", "FingeredBass PickedBass"}},
          .lead_chance = 0.5,
          .lead_voices = {"DistortionGuitar:5", "OverDriveGuitar:5"},
          .lead_rhythms = join(kShredLeads, kLongLeads),
          .lead_scale = "Scale",
          .room_size_min = 0.2,
          .room_size_max = 0.5,
          .reverb_level_min = 0.2,
          .reverb_level_max = 0.5,
          .chorus_level_max = 1.0,
      },
      {
          .genre = "pop",
          .progressions = {{"I-V-vi-IV", 4},
                           {"vi-IV-I-V", 3},
                           {"50s", 2},
                           {"I-IV-vi-V", 2},
                           {"IV-I-V-vi", 2},
                           {"I-iii-IV-V", 1},
                           {"I-IV-V", 1},
                           {"aeolian", 1},
                           {"i-VI-VII", 1},
                           {"I-IV", 1},
                           {"Pachelbel", 1},
                           {"romantic", 1}},
          .keys = {},
          .voices = {{"Piano1", "Piano1 Piano2 Piano3"},
                     {"Strings", "Strings SynthStrings1 SlowStrings"},
                     {"CleanGuitar", "CleanGuitar SteelGuitar"},
                     {"FingeredBass", "FingeredBass PickedBass SynthBass1"}},
          .lead_chance = 0.5,
          .lead_voices = {"SquareWave:5", "SawWave:5", "Piano2:5", "Flute:5", "VoiceOohs:5", "SteelGuitar:5"},
          .lead_rhythms = join(kStraightLeads, kSparseLeads),
          .lead_scale = "Chord",
          .room_size_min = 0.2,
          .room_size_max = 0.6,
          .reverb_level_min = 0.2,
          .reverb_level_max = 0.6,
          .chorus_level_max = 2.0,
      },
      {
          .genre = "reggae",
          .progressions = {{"I-IV", 3},
                           {"I-IV-V-IV", 2},
                           {"i-iv", 2},
                           {"i-VII", 2},
                           {"I-ii", 2},
                           {"50s", 1},
                           {"I-V-vi-IV", 1},
                           {"vi-IV-I-V", 1},
                           {"I-IV-V", 1},
                           {"i-v", 1},
                           {"IV-I-V-vi", 1}},
          .keys = {},
          .voices = {{"Piano1", "Piano1 Piano2"},
                     {"CleanGuitar", "CleanGuitar MutedGuitar JazzGuitar"},
                     {"FingeredBass", "FingeredBass AcousticBass"}},
          .lead_chance = 0.5,
          .lead_voices = {"Organ1:5", "Harmonica:5", "TenorSax:4", "Trombone:4", "Trumpet:5", "CleanGuitar:5"},
          .lead_rhythms = kSparseLeads,
          .lead_scale = "Chord",
          .room_size_min = 0.3,
          .room_size_max = 0.7,
          .reverb_level_min = 0.3,
          .reverb_level_max = 0.7,
          .chorus_level_max = 1.0,
      },
      {
          .genre = "rock",
          .progressions = {{"I-IV-V-IV", 3},
                           {"mixolydian", 2},
                           {"I-V-IV", 2},
                           {"aeolian", 2},
                           {"12-bar", 2},
                           {"i-III-iv", 1},
                           {"I-IV-V", 2},
                           {"I-V-vi-IV", 2},
                           {"i-VI-VII", 1},
                           {"I-IV-vi-V", 1},
                           {"pedal", 1},
                           {"I-iii-IV-V", 1},
                           {"8-bar blues", 1},
                           {"I-IV-I-V", 1}},
          .colour = ChordColour::power,
          .colour_chance = 0.3,
          .keys = {pitch::E, pitch::A, pitch::D, pitch::G, pitch::C, pitch::F},
          .voices = {{"Piano1", "Piano1 Piano2"},
                     {"OverDriveGuitar", "OverDriveGuitar DistortionGuitar"},
                     {"DistortonGuitar", "DistortionGuitar OverDriveGuitar"},
                     {"CleanGuitar", "CleanGuitar OverDriveGuitar MutedGuitar"},
                     {"FingeredBass", "FingeredBass PickedBass"}},
          .lead_chance = 0.5,
          .lead_voices = {"OverDriveGuitar:5", "DistortionGuitar:5", "Organ3:5", "Piano2:5"},
          .lead_rhythms = kStraightLeads,
          .lead_scale = "Scale",
          .room_size_min = 0.2,
          .room_size_max = 0.5,
          .reverb_level_min = 0.2,
          .reverb_level_max = 0.5,
          .chorus_level_max = 1.5,
      },

  };
  return profiles;
}

const std::vector<Progression>& progression_pool() { return kProgressionPool; }

const Progression& progression_named(const std::string& name) {
  for (const auto& p : kProgressionPool)
    if (name == p.name) return p;
  throw make_error("synth", "unknown progression '{}'", name);
}

std::string colour_chords(const std::string& bars, ChordColour colour) {
  std::string out;
  for (const std::string& bar : detail::split_words(bars)) {
    if (!out.empty()) out += ' ';
    const auto chords = detail::split(bar, '/');
    for (size_t i = 0; i < chords.size(); ++i) out += (i ? "/" : "") + colour_chord(chords[i], colour);
  }
  return out;
}

const GenreProfile& profile_of(const std::string& genre) {
  for (const auto& p : genre_profiles())
    if (genre == p.genre) return p;
  throw make_error("synth", "unknown genre '{}' (known: {})", genre, fmt::join(genre_names(), ", "));
}

const std::vector<VoiceRule>& common_voices() { return kCommonVoices; }

}  // namespace mgc::synth
