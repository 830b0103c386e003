#include "mgc/tools/export.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/version.h"
#include "mgc/models/export.h"
#include "mgc/run/model.h"
#include "mgc/run/predictor.h"
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
  info.harmony_left_out = std::filesystem::exists(run.paths.harmony());
  const double hop = config.eval_hop_seconds > 0 ? config.eval_hop_seconds : config.segment_seconds / 2;
  // What mgc predict does around the network, so that a user of the file alone can do the same, or knows what differs.
  nlohmann::json predict = {
      {"reproduces", info.harmony_left_out ? "mgc predict --no-harmony (this run's default vote also has its harmony "
                                             "model, which this file does not hold)"
                                           : "mgc predict"},
      {"vote", "softmax of each window's logits, then their mean over the file's windows"},
      {"windows", {{"seconds", config.segment_seconds}, {"hop_seconds", hop}}},
      {"harmony_model", info.harmony_left_out},
      {"not_included",
       {"decoding and resampling to config.features.sample_rate, mono",
        "the log-mel of the whole file (mgc's features: librosa 0.10.1's melspectrogram + power_to_db to ~1e-3 dB)",
        "cutting it into windows and the mean vote over them",
        fmt::format("the no-music rule: a file whose level is below {} dBFS gets probabilities spread evenly",
                    run::kNoMusicDbfs)}},
  };
  if (info.harmony_left_out)
    predict["not_included"].push_back(
        "the run's harmony model (RUN/harmony.json, from constant-Q chroma of the audio, not from the log-mel), which "
        "mgc predict combines with the CNN's vote by default");
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
      {"mgc_version", version()},
      {"predict", predict},
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
