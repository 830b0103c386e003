#pragma once
// The harmony model: a second, clip-level expert beside a run's CNN. It classifies a whole clip from its
// key-independent harmony statistics (features/chroma.h: constant-Q chroma -> harmony_features) with a multinomial
// logistic regression, and `mgc eval` combines its probabilities with the CNN's (fuse_probabilities).
//
// Why: the log-mel CNN hears instruments and drums but hardly harmony; on held-out groove files of the generated
// corpus the two cues were about as strong and largely independent (docs/notebook/2026-11-robustness.md,
// "Harmony"). The model is small (a few hundred features per class) and fits in seconds; it lives in
// RUN/harmony.json (run/run_dir.h), written by `mgc harmony RUN` (train/harmony_fit.h).
// Header kept free of libtorch.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mgc/features/chroma.h"
#include "mgc/features/tempo.h"

namespace mgc::audio {
struct Audio;
}

namespace mgc::run {

struct HarmonyOptions {
  features::CqtConfig cqt;            // the chroma (sample_rate is the rate clips are decoded at)
  // Lags of 0.5-4 s, the bass line from the two lowest octaves (C1-B2, below 131 Hz), and lags of 1, 2, 4 and 8
  // beats at the clip's estimated tempo (what each adds: docs/notebook/2026-11-robustness.md, "The bass line and
  // lags in beats").
  features::HarmonyConfig features{{0.5, 1.0, 2.0, 4.0}, 2, {1.0, 2.0, 4.0, 8.0}};
  features::TempoConfig tempo;  // librosa.feature.tempo's defaults; used when features.lags_beats is not empty
  double c = 0.1;                     // inverse L2 strength, as scikit-learn's C: minimises
                                      //   sum over clips of cross-entropy + ||W||^2 / (2 c)   (bias not penalised)
  int max_iterations = 500;           // L-BFGS iterations

  // Throws mgc::Error ("harmony: ...") naming the field on an out-of-range value (and validates cqt, features).
  void validate() const;
};

struct HarmonyModel {
  std::vector<std::string> classes;
  HarmonyOptions options;
  std::vector<double> mean;    // per feature, over the training clips
  std::vector<double> scale;   // per feature: the training clips' standard deviation (1 where it is 0)
  std::vector<double> weight;  // [classes, features], row-major, on standardised features
  std::vector<double> bias;    // [classes]
  int64_t train_clips = 0;
  double train_accuracy = 0.0;

  int64_t num_features() const { return static_cast<int64_t>(mean.size()); }
  // Class probabilities (softmax, sums to 1) for one clip's harmony_features. Throws mgc::Error on a wrong length.
  std::vector<float> predict(const std::vector<float>& features) const;
};

// One clip's features: decoded mono at options.cqt.sample_rate, its CQT, its tempo (when options.features has lags
// in beats), harmony_features. `engine` is options.cqt's. Throws mgc::Error naming the file when it cannot be
// decoded or is shorter than the longest lag.
std::vector<float> clip_harmony_features(const std::string& path, const features::ChromaCqt& engine,
                                         const HarmonyOptions& options);
// The same from audio already decoded (so a caller that also needs the log-mel decodes once): `mono` must be one
// channel at engine.config().sample_rate; `name` labels errors. Throws mgc::Error ("harmony: '<name>': ...") on
// other audio or a clip shorter than the longest lag.
std::vector<float> clip_harmony_features(const audio::Audio& mono, const std::string& name,
                                         const features::ChromaCqt& engine, const HarmonyOptions& options);

// clip_harmony_features of many files on `threads` threads (0 = all cores), with a progress bar labelled `label`.
// Returns one entry per path, in order: the features, or the reason the file gave none (error non-empty). Never
// throws for a bad file.
struct ClipHarmony {
  std::vector<float> features;
  std::string error;
};
std::vector<ClipHarmony> clips_harmony_features(const std::vector<std::string>& paths,
                                                const features::ChromaCqt& engine,
                                                const HarmonyOptions& options, int threads,
                                                const std::string& label, bool progress);

nlohmann::json to_json(const HarmonyModel& model);
// Throws mgc::Error ("harmony: ...") on a missing or inconsistent field.
HarmonyModel harmony_from_json(const nlohmann::json& j);
// Written atomically; load throws mgc::Error naming the file.
void save_harmony(const std::string& path, const HarmonyModel& model);
HarmonyModel load_harmony(const std::string& path);

// The combined vote: the normalised geometric mean sqrt(cnn * harmony) of two probability vectors over the same
// classes (each expert weighs the same). Throws mgc::Error if the lengths differ or either is empty.
std::vector<float> fuse_probabilities(const std::vector<float>& cnn, const std::vector<float>& harmony);

}  // namespace mgc::run
