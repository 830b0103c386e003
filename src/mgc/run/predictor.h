#pragma once
// Prediction with a trained run: decode, log-mel, fixed windows, batched inference, mean over windows.
// Header kept free of libtorch.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mgc/features/spectrogram.h"

namespace mgc::audio {
struct Audio;
}

namespace mgc::run {

struct RunInfo;

struct SegmentResult {
  double start_seconds = 0.0;
  double end_seconds = 0.0;
  std::vector<float> probs;  // softmax over classes
};

struct FilePrediction {
  std::string path;
  std::vector<float> probs;              // the file's vote: the mean of the segment probabilities, combined with
                                         // the harmony model's when the run has one (harmony == true)
  bool harmony = false;                  // probs = fuse_probabilities(cnn_probs, harmony_probs) (run/harmony.h)
  std::vector<float> cnn_probs;          // with harmony: the mean of the segment probabilities alone
  std::vector<float> harmony_probs;      // with harmony: the harmony model's probabilities alone
  std::vector<SegmentResult> segments;   // the timeline
  double audio_seconds = 0.0;            // the decoded length (predict_features: the frames' span)
  double milliseconds = 0.0;             // decode + features + inference
  bool streamed = false;                 // decoded block by block (memory bounded by a block, not the file)
  // The file's level: the RMS of its samples around their mean (a constant offset is no sound), dBFS; -inf when
  // they do not vary (digital silence, a constant offset). Below kNoMusicDbfs the file is "no music": music == false, probs are spread evenly over the
  // classes (no genre is claimed), harmony == false. Not set by predict_features (no audio there).
  double level_dbfs = 0.0;
  bool music = true;
  int top() const;                       // index of the most probable class
};

// The level below which a file is called no music (silence, a constant offset, a faint hum or hiss): -60 dBFS
// RMS is 60 dB below a full-scale square wave, far below any mastered recording.
inline constexpr double kNoMusicDbfs = -60.0;

// The level of n samples as FilePrediction::level_dbfs defines it (-inf for none or constant ones).
double level_dbfs(const float* samples, int64_t n);
// Records level_dbfs in `out`; below kNoMusicDbfs the file is no music: its probs are spread evenly over the
// classes, and harmony, cnn_probs and harmony_probs are cleared.
void apply_level(FilePrediction& out, double level_dbfs);

// When predict_file decodes block by block instead of loading the whole file. Streaming takes two passes over the
// file (the dB reference is the whole file's maximum) and gives the same windows as the in-memory path; only the
// resampler's rounding can differ (1e-6 dB). Used for WAV, AIFF, AU, W64, RF64, CAF and FLAC (exact lengths and
// seeks); other formats are always loaded whole.
struct StreamConfig {
  double min_seconds = 600.0;   // files at least this long (by their header) stream; <= 0: never stream
  double block_seconds = 60.0;  // audio decoded at once (whole seconds, >= 1)

  // Throws mgc::Error naming the field if block_seconds < 1 or a value is not finite.
  void validate() const;
};

class Predictor {
 public:
  // Loads run_dir's config.json, run.json (classes) and weights (default run_dir/best.safetensors).
  // threads: intra-op threads (0 = all cores). Throws mgc::Error naming the file on a missing or bad run.
  explicit Predictor(const std::string& run_dir, int threads = 0, const std::string& device = "cpu",
                     const std::string& weights = "");
  // The same for a run already read (run/run_dir.h), so a caller that needs its config too reads it once.
  explicit Predictor(const RunInfo& run, int threads = 0, const std::string& device = "cpu",
                     const std::string& weights = "");
  ~Predictor();
  Predictor(Predictor&&) noexcept;

  const std::vector<std::string>& classes() const;
  const std::string& model_name() const;
  double segment_seconds() const;

  // Long files: see StreamConfig. Throws mgc::Error on an invalid config.
  void set_streaming(const StreamConfig& config);
  const StreamConfig& streaming() const;

  // Whether predict_file combines the CNN with the run's harmony model (RUN/harmony.json, loaded by the
  // constructor when it exists; on by default then). Throws mgc::Error if turned on for a run without one.
  bool has_harmony() const;
  void set_use_harmony(bool use);
  bool uses_harmony() const;

  // Decodes and classifies a file; long files stream (StreamConfig). With the harmony model, files the streaming
  // path would take (whose whole audio is not held at once) and files shorter than the model's longest lag keep
  // the CNN's vote alone (harmony == false). Throws mgc::Error naming the file when it cannot be decoded.
  FilePrediction predict_file(const std::string& path) const;
  // Classifies decoded audio as predict_file classifies a file it loads whole: the CNN's windows and, with the
  // harmony model, the combined vote. `mono` must be one channel at sample_rate() (audio::load_audio with that
  // rate); `name` becomes the prediction's path and labels errors. When mel is not null it receives the log-mel the
  // CNN classified. Throws mgc::Error ("features: ...") on other audio.
  FilePrediction predict_audio(const audio::Audio& mono, const std::string& name,
                               features::Spectrogram* mel = nullptr) const;
  // Classifies `paths` in order as predict_file classifies each, calling `done` in that order: with the
  // prediction, or with nullptr and the error's message when a file cannot be classified (the others go on).
  // With ahead > 0 a second thread decodes the next files and computes their log-mels (and harmony features)
  // while this one runs the CNN, holding at most `ahead` files ready (memory: their audio and log-mels; files that
  // stream are decoded when their turn comes); a prediction's milliseconds are its own decode, features and
  // inference. ahead == 0: one file after another on this thread. The predictions are the same either way.
  // An exception from `done` stops the work and propagates. Throws mgc::Error if ahead < 0.
  using FileDone = std::function<void(size_t index, FilePrediction* prediction, const std::string& error)>;
  void predict_files(const std::vector<std::string>& paths, int ahead, const FileDone& done) const;
  int sample_rate() const;  // Hz: the run's feature sample rate
  // Classifies a log-mel [n_mels, frames] in dB made with the run's feature settings: the CNN alone.
  FilePrediction predict_features(const features::Spectrogram& mel) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The arithmetic mean of several runs' probability vectors over the same classes (mgc eval/predict --fuse: each run
// weighs the same). Throws mgc::Error if there are none or their lengths differ.
std::vector<float> mean_votes(const std::vector<std::vector<float>>& votes);

// Class indices by descending probability; equal probabilities keep the lower index first.
std::vector<int> ranked_classes(const std::vector<float>& probs);

// The prediction of one file as `mgc predict --format json` and `mgc serve` give it, the one writer of both:
//   "top": the top_k (>= 1) most probable [{"genre", "p"}] (ranked_classes), "probs": {class: p} for every class,
//   "audio_seconds", "music" and "level_dbfs" (FilePrediction; null when -inf), "harmony" (whether
//   probs combine the CNN with the harmony model) and, with harmony,
//   "cnn_probs" and "harmony_probs" ({class: p} each); with `timeline`, "timeline": one {"start", "end" (s),
//   "genre", "p", "probs"} per segment: its most probable class, and every class's probability ({class: p}).
// The caller adds what only it knows (a path, timings, the model). Throws mgc::Error if a probability vector's
// length is not classes.size().
nlohmann::json prediction_json(const FilePrediction& prediction, const std::vector<std::string>& classes, int top_k,
                               bool timeline);

}  // namespace mgc::run
