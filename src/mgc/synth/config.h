#pragma once
// The corpus generator's settings (mgc synth's options), shared by clip planning, rendering and the corpus loop.
#include <cstdint>
#include <string>
#include <vector>

namespace mgc::synth {

struct SynthConfig {
  std::string out_dir;                                             // corpus root; created if missing
  int clips_per_genre = 80;                                        // >= 1
  double seconds = 15;                                             // clip length, (0, 600]
  uint64_t seed = 0;                                               // everything random derives from it
  // Synthesis paths (paths.h specs: built-in names, or fluidsynth:FILE.sf2 / timidity:FILE.cfg); each clip is
  // rendered through one, dealt evenly within each genre. Empty = default_synth_paths().
  std::vector<std::string> synth_paths;
  int sample_rate = 22050;                                         // Hz, 8000..96000 (FluidSynth's range)
  int threads = 0;                                                 // clips rendered at once; 0 = all cores
  bool quiet = false;                                              // no progress bar
  std::vector<std::string> genres;                                 // subset of genre_names(); empty = all ten
  std::string mma = "mma";                                         // program name (looked up in PATH) or path
  std::string fluidsynth = "fluidsynth";                           // program name (looked up in PATH) or path
  std::string timidity = "timidity";                               // program name (looked up in PATH) or path
  std::string ffmpeg = "ffmpeg";                                   // program name (looked up in PATH) or path
  bool production = true;  // per-clip production (production.h: EQ, compression, noise, lossy codecs); false =
                           // the synthesiser's output mixed to mono as it is

  // Throws mgc::Error ("synth: ...") naming the first field that is out of range.
  void validate() const;

  // The synthesis paths' specs after resolving an empty list to the defaults, without duplicates, in order.
  std::vector<std::string> resolved_synth_paths() const;

  // Frames of one clip: seconds * sample_rate, rounded to the nearest integer.
  int64_t clip_frames() const;
};

}  // namespace mgc::synth
