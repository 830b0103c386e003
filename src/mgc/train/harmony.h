#pragma once
// The harmony model: a second, clip-level expert beside a run's CNN. It classifies a whole clip from its
// key-independent harmony statistics (features/chroma.h: constant-Q chroma -> harmony_features) with a multinomial
// logistic regression, and `mgc eval` combines its probabilities with the CNN's (fuse_probabilities).
//
// Why: the log-mel CNN hears instruments and drums but hardly harmony; on held-out groove files the two cues are
// about as strong and largely independent (docs/ROBUSTNESS.md, "Harmony"). The model is small (12 x (2 lags + 3)
// features per class with the bass line) and fits in a second; it lives in RUN/harmony.json, written by `mgc harmony RUN`.
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

namespace mgc::train {

struct HarmonyOptions {
  features::CqtConfig cqt;            // the chroma (sample_rate is the rate clips are decoded at)
  // Lags of 0.5-4 s, the bass line from the two lowest octaves (C1-B2, below 131 Hz), and lags of 1, 2, 4 and 8
  // beats at the clip's estimated tempo. On the default corpus's 5-fold split by groove file, the harmony model
  // alone scores 0.620 without the last two, 0.654 with the bass line (docs/ROBUSTNESS.md, "The bass line" and
  // "Beats, not seconds").
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

// Fits on rows x (harmony_features of each clip) with labels y in [0, classes.size()). Deterministic. Throws
// mgc::Error on empty or ragged input, a label out of range, or a class without a clip.
HarmonyModel fit_harmony(const std::vector<std::vector<float>>& x, const std::vector<int64_t>& y,
                         const std::vector<std::string>& classes, const HarmonyOptions& options);

nlohmann::json to_json(const HarmonyModel& model);
// Throws mgc::Error ("harmony: ...") on a missing or inconsistent field.
HarmonyModel harmony_from_json(const nlohmann::json& j);
// Written atomically; load throws mgc::Error naming the file.
void save_harmony(const std::string& path, const HarmonyModel& model);
HarmonyModel load_harmony(const std::string& path);

// The file a run keeps its harmony model in: run_dir/harmony.json.
std::string harmony_path(const std::string& run_dir);

// The combined vote: the normalised geometric mean sqrt(cnn * harmony) of two probability vectors over the same
// classes (each expert weighs the same). Throws mgc::Error if the lengths differ or either is empty.
std::vector<float> fuse_probabilities(const std::vector<float>& cnn, const std::vector<float>& harmony);

struct HarmonyFitReport {
  HarmonyModel model;
  int64_t failed = 0;       // training clips that could not be decoded (reported on stderr, left out)
  double seconds = 0.0;     // wall time, features and fit
};

// Fits a harmony model on run_dir's training clips (run.json's train side, labels from the run's dataset) and
// writes harmony_path(run_dir). threads: decoding threads (0 = all cores). Throws mgc::Error on a bad run or if
// no training clip can be decoded.
HarmonyFitReport fit_run_harmony(const std::string& run_dir, const HarmonyOptions& options = {}, int threads = 0,
                                 bool progress = true);

}  // namespace mgc::train
