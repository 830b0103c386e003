#include "mgc/tools/export.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/models/export.h"
#include "mgc/run/model.h"
#include "mgc/run/run_dir.h"

namespace mgc::tools {

ExportInfo export_run_torchscript(const std::string& run_dir, const std::string& out_path,
                                  const std::string& weights) {
  const run::RunInfo run = run::load_run(run_dir, "export");
  const run::TrainConfig& config = run.config;
  ExportInfo info;
  info.classes = run.classes;
  auto model = run::load_run_model(run, weights, "export");
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
      {"config", run::to_json(config)},
  };
  info.metadata = meta.dump(2);

  const torch::Tensor example = torch::zeros({2, 1, info.n_mels, info.frames});
  models::Classifier& m = *model;
  models::export_torchscript(
      m, [&](const torch::Tensor& x) { return m.forward(run::model_input(x, config)); }, example, out_path,
      config.model, {{"mgc.json", info.metadata}});
  return info;
}

}  // namespace mgc::tools
