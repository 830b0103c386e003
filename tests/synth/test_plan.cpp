// The corpus generator's pure parts, without mma or fluidsynth: clip plans (determinism, groove coverage, ranges),
// the arrangement's MMA text helpers, the genre profiles, and the manifest's cells.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mgc/core/csv.h"
#include "mgc/core/error.h"
#include "mgc/synth/arrangement.h"
#include "mgc/synth/grooves.h"
#include "mgc/synth/paths.h"
#include "mgc/synth/plan.h"
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
    for (const auto& prog : p.progressions) {
      std::istringstream bars(prog.bars);
      for (std::string bar; bars >> bar;)
        for (int tonic = 0; tonic < 12; ++tonic)
          EXPECT_NO_THROW(synth::bar_chords(bar, tonic, 4)) << p.genre << " " << prog.name << " " << bar;
    }
    for (int key : p.keys) EXPECT_TRUE(key >= 0 && key < 12) << p.genre;
    EXPECT_FALSE(p.lead_voices.empty()) << p.genre;
    for (const auto& v : p.lead_voices) EXPECT_NE(v.find(':'), std::string::npos) << p.genre << " " << v;
    EXPECT_FALSE(p.lead_rhythms.empty()) << p.genre;
    EXPECT_LE(p.room_size_min, p.room_size_max) << p.genre;
    EXPECT_LE(p.reverb_level_min, p.reverb_level_max) << p.genre;
  }
  EXPECT_THROW(synth::profile_of("polka"), mgc::Error);
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
}

}  // namespace
