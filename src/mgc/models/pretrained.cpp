#include "mgc/models/pretrained.h"

#include <torch/torch.h>

#include <regex>

#include "mgc/core/error.h"
#include "mgc/models/efficientnet_lite.h"
#include "mgc/models/musicnn.h"

namespace mgc::models {
namespace {

bool in_head(const std::string& name, const std::vector<std::string>& head) {
  for (const auto& p : head)
    if (name.rfind(p, 0) == 0) return true;
  return false;
}

}  // namespace

int64_t rename_legacy_keys(StateDict& weights) {
  static const std::regex densenet(R"(^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$)");
  int64_t renamed = 0;
  for (auto& [name, tensor] : weights.tensors) {
    std::smatch m;
    if (std::regex_match(name, m, densenet)) {
      name = m[1].str() + m[2].str();
      ++renamed;
    }
  }
  return renamed;
}

PretrainedReport load_pretrained(Classifier& model, StateDict weights) {
  PretrainedReport report;
  if (is_lukemelas_layout(weights)) {  // EfficientNet-Lite's ImageNet .pth (efficientnet_lite.h)
    weights = map_lite_weights(weights);
    report.renamed = static_cast<int64_t>(weights.tensors.size());
  } else if (is_musicnn_tf_layout(weights)) {  // musicnn's TensorFlow checkpoints (musicnn.h)
    weights = map_musicnn_weights(weights);
    report.renamed = static_cast<int64_t>(weights.tensors.size());
  }
  report.renamed += rename_legacy_keys(weights);
  const auto head = model.head_prefixes();

  // A one-channel model takes an RGB stem as the sum of its kernels (ModelConfig::in_channels).
  const std::string stem = model.stem_conv() + ".weight";
  auto params = model.named_parameters();
  if (const torch::Tensor* w = params.find(stem); w && w->dim() == 4) {
    for (auto& [name, tensor] : weights.tensors)
      if (name == stem && tensor.dim() == 4 && tensor.size(1) == 3 && w->size(1) == 1)
        tensor = tensor.sum(1, /*keepdim=*/true);
  }

  // Does the file's head fit? If any head tensor's shape differs, skip the whole head.
  for (const auto& [name, tensor] : weights.tensors) {
    if (!in_head(name, head)) continue;
    const torch::Tensor* target = params.find(name);
    if (!target) target = model.named_buffers().find(name);
    if (target && target->sizes() != tensor.sizes()) report.head_skipped = true;
  }
  // An optional branch the model was built without (Inception-v3's auxiliary classifier, which needs 299 px
  // inputs) is dropped from the file rather than reported as unexpected.
  std::vector<std::string> skip = report.head_skipped ? head : std::vector<std::string>{};
  for (const std::string optional : {"AuxLogits."}) {
    bool model_has = false;
    for (const auto& p : params)
      if (p.key().rfind(optional, 0) == 0) model_has = true;
    if (!model_has) {
      skip.push_back(optional);
      report.dropped_optional.push_back(optional);
    }
  }
  report.load = load_state_dict(model, weights, /*strict=*/false, skip);
  if (!report.load.ok())
    throw make_error("weights", "pretrained weights do not fit {}: {}", model.name(), report.load.summary());
  return report;
}

PretrainedReport load_pretrained(Classifier& model, const std::string& path) {
  try {
    return load_pretrained(model, read_weights(path));
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.find(path) != std::string::npos) throw;
    throw make_error("weights", "'{}': {}", path, msg);
  }
}

}  // namespace mgc::models
