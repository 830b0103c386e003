// The corpus generator's pure parts, without mma or fluidsynth: clip plans (determinism, groove coverage, ranges),
// the arrangement's MMA text helpers, the genre profiles, and the manifest's cells.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/core/random.h"
#include "mgc/synth/arrangement.h"
#include "mgc/synth/grooves.h"
#include "mgc/synth/paths.h"
#include "mgc/synth/plan.h"
#include "mgc/synth/production.h"
#include "mgc/synth/profiles.h"

namespace {

namespace synth = mgc::synth;
using synth::ClipPlan;
using synth::SynthConfig;
namespace pitch = synth::pitch;

SynthConfig config(uint64_t seed, double seconds = 15) {
  SynthConfig c;
  c.seed = seed;
  c.seconds = seconds;
  return c;
}

void expect_same_plan(const ClipPlan& a, const ClipPlan& b) {
  EXPECT_EQ(a.genre, b.genre);
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.groove.mma_name(), b.groove.mma_name());
  EXPECT_EQ(a.tempo, b.tempo);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.progression, b.progression);
  EXPECT_EQ(a.bars, b.bars);
  EXPECT_EQ(a.offset, b.offset);
  EXPECT_EQ(a.gain_db, b.gain_db);
  EXPECT_EQ(a.fluidsynth_options, b.fluidsynth_options);
  EXPECT_EQ(a.reverb_level, b.reverb_level);
  EXPECT_EQ(a.chorus_level, b.chorus_level);
  EXPECT_EQ(a.synth.name, b.synth.name);
  EXPECT_EQ(a.production.filters, b.production.filters);
  EXPECT_EQ(a.production.codec, b.production.codec);
  EXPECT_EQ(a.production.bitrate_kbps, b.production.bitrate_kbps);
  EXPECT_EQ(a.production.left_weight, b.production.left_weight);
  EXPECT_EQ(a.production.hiss_db, b.production.hiss_db);
  EXPECT_EQ(a.production.crackle_per_s, b.production.crackle_per_s);
  EXPECT_EQ(a.production.summary, b.production.summary);
  EXPECT_EQ(a.mma_source, b.mma_source);
}

// The number after "name=" in a fluidsynth option list.
double option_value(const std::vector<std::string>& options, const std::string& name) {
  for (const auto& o : options)
    if (o.rfind(name + "=", 0) == 0) return std::stod(o.substr(name.size() + 1));
  ADD_FAILURE() << "no option " << name;
  return 0;
}

// ----------------------------------------------------------------------------------------------------------------
// Plans.

TEST(SynthPlanUnit, SameArgumentsGiveTheSamePlanInEveryField) {
  for (const auto& genre : synth::genre_names())
    for (int i : {0, 1, 17, 99999})
      for (int attempt : {0, 1}) {
        SCOPED_TRACE(genre + " clip " + std::to_string(i) + " attempt " + std::to_string(attempt));
        expect_same_plan(synth::plan_clip(config(7), genre, i, attempt),
                         synth::plan_clip(config(7), genre, i, attempt));
      }
}

TEST(SynthPlanUnit, ClipsOfAGenreDifferFromEachOther) {
  for (const auto& genre : synth::genre_names()) {
    std::set<uint64_t> seeds;
    std::set<std::string> sources;
    for (int i = 0; i < 50; ++i) {
      const ClipPlan p = synth::plan_clip(config(7), genre, i);
      EXPECT_EQ(p.genre, genre);
      EXPECT_EQ(p.index, i);
      seeds.insert(p.seed);
      sources.insert(p.mma_source);
    }
    EXPECT_EQ(seeds.size(), 50u) << genre << ": every clip has its own seed";
    EXPECT_EQ(sources.size(), 50u) << genre << ": every clip has its own MMA file";
  }
  EXPECT_NE(synth::plan_clip(config(7), "rock", 0).seed, synth::plan_clip(config(7), "pop", 0).seed);
  EXPECT_NE(synth::plan_clip(config(7), "rock", 0).seed, synth::plan_clip(config(8), "rock", 0).seed);
}

// The first n clips of a genre with n groove files use every file once, and a retry takes another file.
TEST(SynthPlanUnit, EveryGrooveFileOfEveryGenreIsReached) {
  for (uint64_t seed : {0, 7, 12345}) {
    for (const auto& genre : synth::genre_names()) {
      std::set<std::string> files;
      for (const auto& g : synth::grooves_of(genre)) files.insert(g.library + "/" + g.file);
      std::set<std::string> used;
      for (int i = 0; i < static_cast<int>(files.size()); ++i) {
        const ClipPlan first = synth::plan_clip(config(seed), genre, i);
        const ClipPlan retry = synth::plan_clip(config(seed), genre, i, 1);
        used.insert(first.groove.library + "/" + first.groove.file);
        EXPECT_NE(first.groove.library + "/" + first.groove.file, retry.groove.library + "/" + retry.groove.file)
            << genre << " clip " << i << " seed " << seed;
        EXPECT_EQ(retry.seed, first.seed) << "a retry is the same clip";
        EXPECT_NE(retry.mma_source.find("attempt 2 "), std::string::npos);
      }
      EXPECT_EQ(used, files) << genre << " seed " << seed;
    }
  }
}

// Synthesis paths (issue #30): dealt evenly within a genre, every groove file meets every path over the clips,
// and the paths configured change nothing else about a clip.
TEST(SynthPlanUnit, SynthesisPathsAreDealtEvenlyAndIndependentlyOfTheRest) {
  const auto& paths = synth::default_synth_paths();
  for (uint64_t seed : {0, 7}) {
    for (const auto& genre : synth::genre_names()) {
      std::set<std::string> files;
      for (const auto& g : synth::grooves_of(genre)) files.insert(g.library + "/" + g.file);
      const int n = static_cast<int>(files.size() * paths.size());
      std::map<std::string, int> per_path;
      std::map<std::string, std::set<std::string>> paths_of_file;
      for (int i = 0; i < n; ++i) {
        const ClipPlan p = synth::plan_clip(config(seed), genre, i);
        ++per_path[p.synth.name];
        paths_of_file[p.groove.library + "/" + p.groove.file].insert(p.synth.name);
      }
      ASSERT_EQ(per_path.size(), paths.size()) << genre;
      for (const auto& [name, count] : per_path) EXPECT_EQ(count, static_cast<int>(files.size())) << genre << name;
      for (const auto& [file, set] : paths_of_file) EXPECT_EQ(set.size(), paths.size()) << genre << " " << file;
    }
  }
  SynthConfig one = config(7);
  one.synth_paths = {"fluidsynth/FluidR3_GM"};
  for (int i = 0; i < 20; ++i) {
    const ClipPlan a = synth::plan_clip(config(7), "jazz", i), b = synth::plan_clip(one, "jazz", i);
    EXPECT_EQ(b.synth.name, "fluidsynth/FluidR3_GM");
    EXPECT_EQ(a.mma_source, b.mma_source);
    EXPECT_EQ(a.fluidsynth_options, b.fluidsynth_options);
  }
}

TEST(SynthPlanUnit, NumbersStayInsideTheirRanges) {
  const SynthConfig c = config(3, 4.5);
  for (const auto& genre : synth::genre_names()) {
    const synth::GenreProfile& prof = synth::profile_of(genre);
    for (int i = 0; i < 60; ++i) {
      const ClipPlan p = synth::plan_clip(c, genre, i);
      SCOPED_TRACE(genre + " clip " + std::to_string(i));
      EXPECT_EQ(p.groove.genre, genre);
      EXPECT_GE(p.tempo, p.groove.tempo_min);
      EXPECT_LE(p.tempo, p.groove.tempo_max);
      const double bar_seconds = p.groove.beats * 60.0 / p.tempo;
      EXPECT_GE(p.offset, bar_seconds);
      EXPECT_LT(p.offset, 2 * bar_seconds);
      EXPECT_GE(p.bars * bar_seconds, p.offset + c.seconds + 2 * bar_seconds - 1e-9) << "two spare bars";
      EXPECT_GE(p.gain_db, -6.0);
      EXPECT_LE(p.gain_db, 0.0);
      ASSERT_EQ(p.fluidsynth_options.size(), 7u);
      const double room = option_value(p.fluidsynth_options, "synth.reverb.room-size");
      EXPECT_GE(room, prof.room_size_min - 5e-4);
      EXPECT_LE(room, prof.room_size_max + 5e-4);
      const double level = option_value(p.fluidsynth_options, "synth.reverb.level");
      EXPECT_GE(level, prof.reverb_level_min - 5e-4);
      EXPECT_LE(level, prof.reverb_level_max + 5e-4);
      EXPECT_LE(option_value(p.fluidsynth_options, "synth.chorus.level"), prof.chorus_level_max + 5e-4);
      EXPECT_NE(p.mma_source.find("Groove " + p.groove.mma_name() + "\n"), std::string::npos);
      EXPECT_NE(p.mma_source.find("\n" + std::to_string(p.bars) + " "), std::string::npos) << "one chord line a bar";
      EXPECT_EQ(p.mma_source.find("\n" + std::to_string(p.bars + 1) + " "), std::string::npos);
      if (p.groove.band == "orchestra") {
        EXPECT_NE(p.mma_source.find("AllTracks Drum Off\n"), std::string::npos);
      } else if (!p.groove.band.empty()) {
        EXPECT_NE(p.mma_source.find("// band: " + p.groove.band + "\n"), std::string::npos);
      }
    }
  }
}

// ----------------------------------------------------------------------------------------------------------------
// Arrangement.

TEST(SynthArrangement, TilesFourBeatPatternsOntoOtherBars) {
  EXPECT_EQ(synth::tile_pattern("1 4 90; 2.5 8 80", 4), "1 4 90; 2.5 8 80");
  EXPECT_EQ(synth::tile_pattern("1 4 90; 2.5 8 80; 4 4 70", 3), "1 4 90; 2.5 8 80");
  EXPECT_EQ(synth::tile_pattern("1 4 90; 2.5 8 80; 4 4 70", 6), "1 4 90; 2.5 8 80; 4 4 70; 5 4 90; 6.5 8 80");
}

TEST(SynthArrangement, WritesChordsInTheKey) {
  EXPECT_EQ(synth::bar_chords("1:7", pitch::C, 4), "C7");
  EXPECT_EQ(synth::bar_chords("b7:maj7", pitch::C, 4), "Bbmaj7");
  EXPECT_EQ(synth::bar_chords("5:", pitch::A, 4), "E");
  EXPECT_EQ(synth::bar_chords("1:7/4:7", pitch::C, 4), "C7 / F7 /");
  EXPECT_EQ(synth::bar_chords("1:7/4:7", pitch::C, 3), "C7 / F7");
  EXPECT_EQ(synth::bar_chords("1:m/5:7", pitch::E, 6), "Em / / B7 / /");
  EXPECT_THROW(synth::bar_chords("9:7", 0, 4), mgc::Error);
  EXPECT_THROW(synth::bar_chords("C7", 0, 4), mgc::Error);
  EXPECT_EQ(synth::key_name(pitch::Bb, synth::Mode::major), "Bb");
  EXPECT_EQ(synth::key_name(pitch::Gb, synth::Mode::minor), "F#m");
}

// ----------------------------------------------------------------------------------------------------------------
// Profiles.

TEST(SynthProfiles, OnePerGenreAndEveryProgressionPlaysInEveryKey) {
  const auto& profiles = synth::genre_profiles();
  ASSERT_EQ(profiles.size(), synth::genre_names().size());
  for (size_t i = 0; i < profiles.size(); ++i) {
    const synth::GenreProfile& p = profiles[i];
    EXPECT_EQ(p.genre, synth::genre_names()[i]);
    EXPECT_EQ(&synth::profile_of(p.genre), &p);
    EXPECT_FALSE(p.progressions.empty()) << p.genre;
    std::set<std::string> named;
    for (const auto& w : p.progressions) {
      EXPECT_GT(w.weight, 0) << p.genre << " " << w.name;
      EXPECT_TRUE(named.insert(w.name).second) << p.genre << " names " << w.name << " twice";
      EXPECT_NO_THROW(synth::progression_named(w.name)) << p.genre << " " << w.name;
    }
    EXPECT_GE(p.colour_chance, 0) << p.genre;
    EXPECT_LE(p.colour_chance, 1) << p.genre;
    for (int key : p.keys) EXPECT_TRUE(key >= 0 && key < 12) << p.genre;
    EXPECT_FALSE(p.lead_voices.empty()) << p.genre;
    for (const auto& v : p.lead_voices) EXPECT_NE(v.find(':'), std::string::npos) << p.genre << " " << v;
    EXPECT_FALSE(p.lead_rhythms.empty()) << p.genre;
    EXPECT_LE(p.room_size_min, p.room_size_max) << p.genre;
    EXPECT_LE(p.reverb_level_min, p.reverb_level_max) << p.genre;
  }
  // Every progression of the pool, in every colour, plays in every key.
  for (const auto& prog : synth::progression_pool())
    for (auto colour : {synth::ChordColour::triads, synth::ChordColour::sevenths, synth::ChordColour::dominant,
                        synth::ChordColour::power}) {
      std::istringstream bars(synth::colour_chords(prog.bars, colour));
      for (std::string bar; bars >> bar;)
        for (int tonic = 0; tonic < 12; ++tonic)
          EXPECT_NO_THROW(synth::bar_chords(bar, tonic, 4)) << prog.name << " " << bar;
    }
  EXPECT_THROW(synth::profile_of("polka"), mgc::Error);
}

// The pool is shared: every progression is played by at least two genres, the ones real music shares by many
// (issue #30: I-IV-V in rock, country, pop and reggae; the 12-bar form in blues, rock and jazz), and no genre
// draws more than 40 % of its clips from one progression.
TEST(SynthProfiles, ProgressionsComeFromOneSharedPool) {
  std::map<std::string, std::set<std::string>> genres_of;
  for (const auto& p : synth::genre_profiles()) {
    double total = 0, top = 0;
    for (const auto& w : p.progressions) {
      genres_of[w.name].insert(p.genre);
      total += w.weight;
      top = std::max(top, w.weight);
    }
    EXPECT_LE(top / total, 0.4) << p.genre;
  }
  std::set<std::string> names;
  for (const auto& prog : synth::progression_pool()) {
    EXPECT_TRUE(names.insert(prog.name).second) << prog.name << " is in the pool twice";
    EXPECT_GE(genres_of[prog.name].size(), 2u) << prog.name << " is played by " << genres_of[prog.name].size()
                                                << " genre(s)";
  }
  EXPECT_EQ(genres_of.size(), names.size());  // no genre names a progression outside the pool
  auto played_by = [&](const std::string& prog, std::set<std::string> genres) {
    for (const auto& g : genres) EXPECT_TRUE(genres_of[prog].count(g)) << prog << " in " << g;
  };
  played_by("I-IV-V", {"rock", "country", "pop", "reggae", "blues"});
  played_by("I-V-vi-IV", {"rock", "country", "pop", "reggae"});
  played_by("12-bar", {"blues", "rock", "jazz", "country"});
  EXPECT_THROW(synth::progression_named("Giant Steps"), mgc::Error);
}

TEST(SynthProfiles, ColoursChangeOnlyWhatTheySay) {
  using synth::ChordColour;
  const std::string bars = "1: 6:m 2:dim/5:7 b7: 5: 4:maj7";
  EXPECT_EQ(synth::colour_chords(bars, ChordColour::triads), bars);
  EXPECT_EQ(synth::colour_chords(bars, ChordColour::sevenths), "1:maj7 6:m7 2:m7b5/5:7 b7:7 5:7 4:maj7");
  EXPECT_EQ(synth::colour_chords(bars, ChordColour::dominant), "1:7 6:m7 2:dim/5:7 b7:7 5:7 4:maj7");
  EXPECT_EQ(synth::colour_chords(bars, ChordColour::power), "1:5 6:5 2:5/5:5 b7:5 5:5 4:5");
  EXPECT_THROW(synth::colour_chords("1: 4", ChordColour::power), mgc::Error);
}

// Over many clips a genre plays the progressions its weights name, and only those; the clip's comment line names
// the progression, and its chord lines are the progression's (coloured or not).
TEST(SynthPlan, ProgressionsFollowTheGenresWeights) {
  for (const std::string genre : {"jazz", "metal", "reggae"}) {
    const auto& prof = synth::profile_of(genre);
    std::set<std::string> allowed, seen;
    for (const auto& w : prof.progressions) allowed.insert(w.name);
    int coloured = 0;
    const int n = 400;
    for (int i = 0; i < n; ++i) {
      const ClipPlan plan = synth::plan_clip(config(3), genre, i);
      EXPECT_TRUE(allowed.count(plan.progression)) << genre << " played " << plan.progression;
      seen.insert(plan.progression);
      const std::string first_line = plan.mma_source.substr(0, plan.mma_source.find('\n'));
      EXPECT_NE(first_line.find("progression '" + plan.progression + "'"), std::string::npos) << first_line;
      if (first_line.back() == ')') ++coloured;  // "... progression 'i-VII' (power chords)"
    }
    EXPECT_EQ(seen, allowed) << genre;  // 400 draws reach every weight of at least 1 in 40
    // The colour's chance within 5 standard deviations of its binomial count.
    const double p = prof.colour_chance, sd = std::sqrt(n * p * (1 - p));
    EXPECT_NEAR(coloured, n * p, 5 * sd + 1) << genre;
  }
}

// ----------------------------------------------------------------------------------------------------------------
// Production.

// The number after "key=" in an FFmpeg filter ("equalizer=f=120.0:t=q:..."), or -1.
double filter_value(const std::string& filter, const std::string& key) {
  const size_t at = filter.find(key + "=");
  return at == std::string::npos ? -1 : std::stod(filter.substr(at + key.size() + 1));
}

// Every clip's production is drawn within its ranges, from the clip's seed alone (so the same for every genre: it
// cannot name one), each effect about as often as its chance says; --no-production gives none.
TEST(SynthProduction, DrawnWithinRangesFromTheClipsSeedAlone) {
  const int rate = 22050, n = 2000;
  std::map<std::string, int> seen;  // summary part -> clips
  for (int i = 0; i < n; ++i) {
    const auto p = synth::plan_production(mgc::splitmix64(static_cast<uint64_t>(i)), rate);
    EXPECT_GE(p.left_weight, 0.25);
    EXPECT_LE(p.left_weight, 0.75);
    for (const auto& f : p.filters) {
      const double hz = filter_value(f, "f");
      if (hz >= 0) {
        EXPECT_GT(hz, 20) << f;
        EXPECT_LT(hz, rate / 2.0) << f;
      }
    }
    if (p.codec == "mp3") {
      EXPECT_TRUE(std::set<int>({32, 48, 64, 96, 128, 160}).count(p.bitrate_kbps)) << p.bitrate_kbps;
    } else if (p.codec == "opus") {
      EXPECT_TRUE(std::set<int>({16, 24, 32, 48, 64, 96}).count(p.bitrate_kbps)) << p.bitrate_kbps;
    } else {
      EXPECT_EQ(p.codec, "");
      EXPECT_EQ(p.bitrate_kbps, 0);
    }
    EXPECT_EQ(mgc::csv::cell(p.summary), p.summary);
    EXPECT_EQ(p.needs_ffmpeg(), !p.filters.empty() || !p.codec.empty());
    std::istringstream parts(p.summary);
    for (std::string part; std::getline(parts, part, '+');) ++seen[part.substr(0, part.find('@'))];
  }
  // Each effect's share within 5 standard deviations of its chance.
  const std::map<std::string, double> chance = {{"hp", 0.5},  {"lp", 0.35},   {"eq", 0.75},  {"shelves", 0.5},
                                                {"comp", 0.5}, {"echo", 0.2}, {"mp3", 0.25}, {"opus", 0.25},
                                                {"hiss", 0.3}, {"crackle", 0.15}};
  for (const auto& [part, p] : chance)
    EXPECT_NEAR(seen[part], n * p, 5 * std::sqrt(n * p * (1 - p))) << part;
  // A clip's plan carries the production of its seed, whatever its genre; off, none.
  SynthConfig c = config(5);
  for (const std::string genre : {"classical", "metal"}) {
    const ClipPlan plan = synth::plan_clip(c, genre, 3);
    EXPECT_EQ(plan.production.summary, synth::plan_production(plan.seed, c.sample_rate).summary);
    EXPECT_EQ(plan.production.filters, synth::plan_production(plan.seed, c.sample_rate).filters);
  }
  c.production = false;
  const ClipPlan plain = synth::plan_clip(c, "metal", 3);
  EXPECT_EQ(plain.production.summary, "none");
  EXPECT_FALSE(plain.production.needs_ffmpeg());
  EXPECT_EQ(plain.production.left_weight, 0.5);
  EXPECT_EQ(plain.mma_source, synth::plan_clip(config(5), "metal", 3).mma_source);  // the music is the same
}

// ----------------------------------------------------------------------------------------------------------------
// The manifest: its text cells are written as they are (no quotes, no formula guard), so a plain comma split reads
// it (tests/synth/test_synth.cpp does).

TEST(SynthManifest, CellsNeedNoQuoting) {
  auto plain = [](const std::string& v) { EXPECT_EQ(mgc::csv::cell(v), v); };
  for (const auto& e : synth::groove_table()) {
    plain(e.genre);
    plain(e.groove);
    plain(e.library + "/" + e.file);
  }
  for (int tonic = 0; tonic < 12; ++tonic) {
    plain(synth::key_name(tonic, synth::Mode::major));
    plain(synth::key_name(tonic, synth::Mode::minor));
  }
  for (const auto& prog : synth::progression_pool()) plain(prog.name);
}

}  // namespace
