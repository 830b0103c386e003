#pragma once
// Prediction with a trained run: decode, log-mel, fixed windows, batched inference, mean over windows.
// Header kept free of libtorch.
#include <memory>
#include <string>
#include <vector>

#include "mgc/features/spectrogram.h"

namespace mgc::eval {

struct SegmentResult {
  double start_seconds = 0.0;
  double end_seconds = 0.0;
  std::vector<float> probs;  // softmax over classes
};

struct FilePrediction {
  std::string path;
  std::vector<float> probs;              // mean of the segment probabilities (the clip's vote)
  std::vector<SegmentResult> segments;   // the timeline
  double audio_seconds = 0.0;
  double milliseconds = 0.0;             // decode + features + inference
  int top() const;                       // index of the most probable class
};

class Predictor {
 public:
  // Loads run_dir's config.json, run.json (classes) and weights (default run_dir/best.safetensors).
  // threads: intra-op threads (0 = all cores). Throws mgc::Error naming the file on a missing or bad run.
  explicit Predictor(const std::string& run_dir, int threads = 0, const std::string& device = "cpu",
                     const std::string& weights = "");
  ~Predictor();
  Predictor(Predictor&&) noexcept;

  const std::vector<std::string>& classes() const;
  const std::string& model_name() const;
  double segment_seconds() const;

  // Decodes and classifies a file. Throws mgc::Error naming the file when it cannot be decoded.
  FilePrediction predict_file(const std::string& path) const;
  // Classifies a log-mel [n_mels, frames] in dB made with the run's feature settings.
  FilePrediction predict_features(const features::Spectrogram& mel) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mgc::eval
