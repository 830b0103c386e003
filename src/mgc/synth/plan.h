#pragma once
// Clip planning: everything random about one clip of the corpus, drawn from (seed, genre, clip index, attempt)
// alone. Pure: no files, no processes; the same arguments give the same plan on every machine.
#include <cstdint>
#include <string>
#include <vector>

#include "mgc/synth/config.h"
#include "mgc/synth/grooves.h"
#include "mgc/synth/paths.h"
#include "mgc/synth/production.h"

namespace mgc::synth {

// Everything random about one clip, drawn from (seed, genre, index) alone.
struct ClipPlan {
  std::string genre;
  int index = 0;
  uint64_t seed = 0;  // the clip's own seed (manifest column `seed`)
  GrooveEntry groove;
  int tempo = 0;                                // bpm
  std::string key;                              // "Bb", "F#m"
  std::string progression;                      // its name in progression_pool() ("12-bar", "ii-V-I", ...)
  int bars = 0;                                 // bars rendered (more than needed)
  double offset = 0;                            // seconds skipped at the start (inside the first bars)
  double gain_db = 0;                           // applied after peak normalisation to -1 dBFS; in [-6, 0]
  std::vector<std::string> fluidsynth_options;  // "-o name=value" pairs for reverb/chorus
  double reverb_level = 0, chorus_level = 0;    // the same room's levels in [0, 1], for TiMidity++
  SynthPath synth;                              // the synthesis path (manifest column `synth`)
  Production production;                        // after the synthesiser (manifest column `production`)
  std::string mma_source;                       // the complete .mma file
};

// Plans clip `index` of `genre`. `attempt` 0 is the normal groove; attempt 1 takes a groove of another file of the
// genre (the retry after a failure). Uses config.seed, config.seconds and config's synthesis paths only. Pure: no
// files, no processes. The synthesis path is dealt from a seeded order of the paths so that within a genre their
// clip counts differ by at most one and every groove file meets every path (the deal moves on by one path per
// round of files); it draws nothing from the clip's own random stream, so a clip's other fields do not depend on
// the paths configured. The production comes from a stream of its own too (plan_production), or is
// no_production() when config.production is false. Throws mgc::Error for an unknown genre or synthesis path.
ClipPlan plan_clip(const SynthConfig& config, const std::string& genre, int index, int attempt = 0);

}  // namespace mgc::synth
