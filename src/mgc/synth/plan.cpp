#include "mgc/synth/plan.h"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "mgc/core/hash.h"
#include "mgc/core/random.h"
#include "mgc/synth/arrangement.h"
#include "mgc/synth/profiles.h"

namespace mgc::synth {
namespace {

std::string fmt_double(double v) { return fmt::format("{:.3f}", v); }

// A genre's groove files: indices into its grooves, one list per file, in table order.
std::vector<std::vector<size_t>> groove_files(const std::vector<GrooveEntry>& grooves) {
  std::vector<std::vector<size_t>> files;
  for (size_t i = 0; i < grooves.size(); ++i) {
    if (i == 0 || grooves[i].library != grooves[i - 1].library || grooves[i].file != grooves[i - 1].file)
      files.emplace_back();
    files.back().push_back(i);
  }
  return files;
}

// The groove of clip `index`: files first, so that every groove file of the genre weighs the same however many
// grooves it holds (the file is what a split by groove_file holds out). A seeded permutation of the genre's files
// is walked by clip index, so the first n clips use n different files and the files' clip counts differ by at most
// one; the k-th visit to a file takes the k-th groove of a seeded permutation of that file's grooves. A retry takes
// the file half the list away (another file, usually another library).
GrooveEntry pick_groove(const std::vector<GrooveEntry>& grooves, const std::vector<std::vector<size_t>>& files,
                        uint64_t seed, const std::string& genre, int index, int attempt) {
  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  SplitMix64(splitmix64(seed ^ fnv1a64(genre) ^ 0x5eedull)).shuffle(order);
  const size_t slot = static_cast<size_t>(index) + static_cast<size_t>(attempt) * (files.size() / 2 + 1);
  const size_t file = order[slot % files.size()];
  std::vector<size_t> in_file = files[file];
  SplitMix64(splitmix64(seed ^ fnv1a64(genre) ^ fnv1a64(grooves[in_file[0]].file) ^ 0xf11eull)).shuffle(in_file);
  return grooves[in_file[(slot / files.size()) % in_file.size()]];
}

// One progression of the shared pool, drawn by the genre's weights (one draw from `rng`).
const Progression& pick_progression(const GenreProfile& prof, SplitMix64& rng) {
  double total = 0;
  for (const auto& w : prof.progressions) total += w.weight;
  double u = rng.uniform(0.0, total);
  for (const auto& w : prof.progressions) {
    if (u < w.weight) return progression_named(w.name);
    u -= w.weight;
  }
  return progression_named(prof.progressions.back().name);  // u == total by rounding
}

const char* colour_name(ChordColour c) {
  switch (c) {
    case ChordColour::sevenths: return "sevenths";
    case ChordColour::dominant: return "dominant sevenths";
    case ChordColour::power: return "power chords";
    case ChordColour::triads: break;
  }
  return "triads";
}

// The synthesis path of clip `index` (see plan_clip's contract).
SynthPath pick_path(const std::vector<std::string>& specs, uint64_t seed, const std::string& genre, int index,
                    size_t files) {
  std::vector<size_t> order(specs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  SplitMix64(splitmix64(seed ^ fnv1a64(genre) ^ 0x5717e5ull)).shuffle(order);
  const size_t i = static_cast<size_t>(index);
  return parse_synth_path(specs[order[(i % files + i / files) % order.size()]]);
}

}  // namespace

ClipPlan plan_clip(const SynthConfig& config, const std::string& genre, int index, int attempt) {
  const GenreProfile& prof = profile_of(genre);
  ClipPlan plan;
  plan.genre = genre;
  plan.index = index;
  plan.seed = splitmix64(splitmix64(config.seed ^ fnv1a64(genre)) + static_cast<uint64_t>(index));
  const std::vector<GrooveEntry>& grooves = grooves_of(genre);
  const auto files = groove_files(grooves);
  plan.groove = pick_groove(grooves, files, config.seed, genre, index, attempt);
  plan.synth = pick_path(config.resolved_synth_paths(), config.seed, genre, index, files.size());
  plan.production = config.production ? plan_production(plan.seed, config.sample_rate) : no_production();
  const GrooveEntry& g = plan.groove;

  SplitMix64 rng(plan.seed + static_cast<uint64_t>(attempt) * 0x9e3779b97f4a7c15ull);
  plan.tempo = rng.range(g.tempo_min, g.tempo_max);
  const Progression& prog = pick_progression(prof, rng);
  plan.progression = prog.name;
  const bool coloured = rng.chance(prof.colour_chance);
  const std::string chords = colour_chords(prog.bars, coloured ? prof.colour : ChordColour::triads);
  const int tonic = prof.keys.empty() ? rng.range(0, 11) : rng.pick(prof.keys);
  plan.key = key_name(tonic, prog.mode);

  // Length: skip 1..2 bars (the clip starts inside the music, not on the first downbeat), then `seconds`, then two
  // spare bars for the release.
  const double bar_seconds = g.beats * 60.0 / plan.tempo;
  plan.offset = bar_seconds * rng.uniform(1.0, 2.0);
  plan.bars = static_cast<int>(std::ceil((plan.offset + config.seconds) / bar_seconds)) + 2;
  plan.gain_db = rng.uniform(-6.0, 0.0);

  // Room: reverb and chorus inside the genre's range.
  const double room_size = rng.uniform(prof.room_size_min, prof.room_size_max);
  const double damp = rng.uniform(0.0, 0.6);
  const double width = rng.uniform(0.3, 1.0);
  plan.reverb_level = rng.uniform(prof.reverb_level_min, prof.reverb_level_max);
  plan.chorus_level = rng.uniform(0.0, prof.chorus_level_max);
  plan.fluidsynth_options = {
      "synth.reverb.room-size=" + fmt_double(room_size),
      "synth.reverb.damp=" + fmt_double(damp),
      "synth.reverb.width=" + fmt_double(width),
      "synth.reverb.level=" + fmt_double(plan.reverb_level),
      "synth.chorus.level=" + fmt_double(plan.chorus_level),
      "synth.chorus.depth=" + fmt_double(rng.uniform(3.0, 12.0)),
      "synth.chorus.speed=" + fmt_double(rng.uniform(0.2, 0.6)),
  };

  plan.mma_source = fmt::format("// mgc synth: {} clip {} attempt {} (seed {}), {} in {}, {} bpm, progression '{}'{}\n",
                                genre, index, attempt + 1, plan.seed, g.mma_name(), plan.key, plan.tempo, prog.name,
                                coloured ? fmt::format(" ({})", colour_name(prof.colour)) : std::string());
  plan.mma_source += arrange_clip({.profile = prof,
                                   .groove = g,
                                   .chords = chords,
                                   .tempo = plan.tempo,
                                   .tonic = tonic,
                                   .bars = plan.bars,
                                   .seed = plan.seed},
                                  rng);
  return plan;
}

}  // namespace mgc::synth
