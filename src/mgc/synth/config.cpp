#include "mgc/synth/config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "mgc/core/error.h"
#include "mgc/synth/grooves.h"
#include "mgc/synth/paths.h"

namespace mgc::synth {

void SynthConfig::validate() const {
  if (out_dir.empty()) throw make_error("synth", "out_dir is empty: give the corpus folder (--out DIR)");
  if (clips_per_genre < 1 || clips_per_genre > 99999)
    throw make_error("synth", "clips_per_genre must be 1..99999, got {}", clips_per_genre);
  if (!(seconds > 0) || seconds > 600) throw make_error("synth", "seconds must be in (0, 600], got {}", seconds);
  if (sample_rate < 8000 || sample_rate > 96000)
    throw make_error("synth", "sample_rate must be 8000..96000 Hz (FluidSynth's range), got {}", sample_rate);
  if (threads < 0) throw make_error("synth", "threads must be >= 0 (0 = all cores), got {}", threads);
  for (const auto& spec : resolved_synth_paths()) parse_synth_path(spec);  // throws on an unknown one
  const auto& known = genre_names();
  for (const auto& g : genres)
    if (std::find(known.begin(), known.end(), g) == known.end())
      throw make_error("synth", "genres: unknown genre '{}' (known: {})", g, fmt::join(known, ", "));
}

std::vector<std::string> SynthConfig::resolved_synth_paths() const {
  const std::vector<std::string>& given = synth_paths.empty() ? default_synth_paths() : synth_paths;
  std::vector<std::string> out;
  for (const auto& spec : given)
    if (std::find(out.begin(), out.end(), spec) == out.end()) out.push_back(spec);
  return out;
}

int64_t SynthConfig::clip_frames() const { return static_cast<int64_t>(std::llround(seconds * sample_rate)); }

}  // namespace mgc::synth
