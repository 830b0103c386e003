#include "mgc/eval/predictor.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/runtime.h"
#include "mgc/data/feature_cache.h"
#include "mgc/models/classifier.h"
#include "mgc/train/model_io.h"
#include "mgc/train/trainer.h"

namespace mgc::eval {

struct Predictor::Impl {
  train::TrainConfig config;
  std::vector<std::string> classes;
  std::shared_ptr<models::Classifier> model;
  torch::Device device{torch::kCPU};
  mutable std::mutex mutex;  // one forward pass at a time per model
};

int FilePrediction::top() const {
  return probs.empty() ? -1 : static_cast<int>(std::max_element(probs.begin(), probs.end()) - probs.begin());
}

Predictor::Predictor(const std::string& run_dir, int threads, const std::string& device, const std::string& weights)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = train::load_run_config(run_dir);
  const std::string run_json = run_dir + "/run.json";
  try {
    impl_->classes = nlohmann::json::parse(read_file(run_json)).at("classes").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw make_error("predict", "'{}' is malformed: {}", run_json, e.what());
  }
  if (impl_->classes.empty()) throw make_error("predict", "'{}' lists no classes", run_json);
  set_num_threads(threads);
  impl_->device = train::resolve_device(device);
  train::TrainConfig c = impl_->config;
  c.pretrained.clear();  // the run's own weights replace whatever it started from
  impl_->model = train::build_model(c, static_cast<int64_t>(impl_->classes.size()));
  const std::string w = weights.empty() ? run_dir + "/best.safetensors" : weights;
  if (!std::filesystem::exists(w)) throw make_error("predict", "'{}' has no weights file '{}'", run_dir, w);
  train::load_model_weights(*impl_->model, w);
  impl_->model->to(impl_->device);
  impl_->model->eval();
}

Predictor::~Predictor() = default;
Predictor::Predictor(Predictor&&) noexcept = default;

const std::vector<std::string>& Predictor::classes() const { return impl_->classes; }
const std::string& Predictor::model_name() const { return impl_->config.model; }
double Predictor::segment_seconds() const { return impl_->config.segment_seconds; }

FilePrediction Predictor::predict_features(const features::Spectrogram& mel) const {
  const train::TrainConfig& c = impl_->config;
  const int64_t window = c.segment_frames();
  const auto starts = data::segment_starts(mel.cols, window, c.eval_hop_frames());
  const torch::Tensor db = train::windows_tensor(mel, starts, window);
  torch::Tensor probs;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    probs = train::predict_probs(*impl_->model, db, c, 64, impl_->device);
  }
  FilePrediction out;
  const double fps = c.features.frame_rate();
  out.audio_seconds = static_cast<double>(mel.cols) / fps;
  const auto acc = probs.accessor<float, 2>();
  const int64_t k = probs.size(1);
  out.probs.assign(static_cast<size_t>(k), 0.0f);
  for (size_t i = 0; i < starts.size(); ++i) {
    SegmentResult s;
    s.start_seconds = static_cast<double>(starts[i]) / fps;
    s.end_seconds = std::min(out.audio_seconds, static_cast<double>(starts[i] + window) / fps);
    for (int64_t j = 0; j < k; ++j) {
      s.probs.push_back(acc[static_cast<int64_t>(i)][j]);
      out.probs[static_cast<size_t>(j)] += acc[static_cast<int64_t>(i)][j] / static_cast<float>(starts.size());
    }
    out.segments.push_back(std::move(s));
  }
  return out;
}

FilePrediction Predictor::predict_file(const std::string& path) const {
  const auto t0 = std::chrono::steady_clock::now();
  FilePrediction out = predict_features(data::compute_features(path, impl_->config.features));
  out.path = path;
  out.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace mgc::eval
