#include "mgc/eval/export.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/models/export.h"
#include "mgc/train/model_io.h"
#include "mgc/train/trainer.h"

namespace mgc::eval {

ExportInfo export_run_torchscript(const std::string& run_dir, const std::string& out_path,
                                  const std::string& weights) {
  train::TrainConfig config = train::load_run_config(run_dir);
  const std::string run_json = run_dir + "/run.json";
  ExportInfo info;
  try {
    info.classes = nlohmann::json::parse(read_file(run_json)).at("classes").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw make_error("export", "'{}' is malformed: {}", run_json, e.what());
  }
  if (info.classes.empty()) throw make_error("export", "'{}' lists no classes", run_json);
  const std::string w = weights.empty() ? run_dir + "/best.safetensors" : weights;
  if (!std::filesystem::exists(w)) throw make_error("export", "'{}' has no weights file '{}'", run_dir, w);

  config.pretrained.clear();  // the run's own weights replace whatever it started from
  auto model = train::build_model(config, static_cast<int64_t>(info.classes.size()));
  train::load_model_weights(*model, w);
  model->to(torch::kCPU);

  info.model = config.model;
  info.n_mels = config.features.mel.n_mels;
  info.frames = config.segment_frames();
  nlohmann::json meta = {
      {"format", "mgc-torchscript-1"},
      {"model", info.model},
      {"classes", info.classes},
      {"input",
       {{"shape", {"B", 1, info.n_mels, info.frames}},
        {"dtype", "float32"},
        {"what", "log-mel windows in dB (power_to_db, ref = max, top_db from config.features), mgc's features"}}},
      {"output", {{"shape", {"B", info.classes.size()}}, {"what", "logits; softmax gives class probabilities"}}},
      {"segment_seconds", config.segment_seconds},
      {"config", train::to_json(config)},
  };
  info.metadata = meta.dump(2);

  const torch::Tensor example = torch::zeros({2, 1, info.n_mels, info.frames});
  models::Classifier& m = *model;
  models::export_torchscript(
      m, [&](const torch::Tensor& x) { return m.forward(train::model_input(x, config)); }, example, out_path,
      config.model, {{"mgc.json", info.metadata}});
  return info;
}

}  // namespace mgc::eval
