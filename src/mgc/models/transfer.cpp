#include "mgc/models/transfer.h"

#include <torch/nn/modules/batchnorm.h>

#include "mgc/core/error.h"

namespace mgc::models {
namespace {

bool starts_with_any(const std::string& name, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes)
    if (name.rfind(p, 0) == 0) return true;
  return false;
}

}  // namespace

int64_t freeze_backbone(Classifier& model, bool freeze_norm_stats) {
  const auto head = model.head_prefixes();
  int64_t trainable = 0;
  for (auto& p : model.named_parameters()) {
    const bool in_head = starts_with_any(p.key(), head);
    p.value().set_requires_grad(in_head);
    if (in_head) trainable += p.value().numel();
  }
  std::vector<std::shared_ptr<torch::nn::Module>> frozen;
  if (freeze_norm_stats) {
    for (const auto& m : model.named_modules("", /*include_self=*/false)) {
      const auto& mod = m.value();  // every kind: musicnn's mid- and back-end normalise with BatchNorm1d
      const bool norm = mod->as<torch::nn::BatchNorm1d>() || mod->as<torch::nn::BatchNorm2d>() ||
                        mod->as<torch::nn::BatchNorm3d>();
      if (!norm) continue;
      if (!starts_with_any(m.key() + ".", head)) frozen.push_back(mod);
    }
  }
  model.set_frozen_norm_layers(std::move(frozen));
  return trainable;
}

void unfreeze_all(Classifier& model) {
  for (auto& p : model.parameters()) p.set_requires_grad(true);
  model.set_frozen_norm_layers({});
  model.train(model.is_training());
}

int64_t set_trainable(Classifier& model, const std::vector<std::string>& prefixes, bool trainable) {
  int64_t changed = 0;
  for (const auto& prefix : prefixes) {
    int64_t matched = 0;
    for (auto& p : model.named_parameters()) {
      if (p.key().rfind(prefix, 0) != 0) continue;
      p.value().set_requires_grad(trainable);
      matched += p.value().numel();
    }
    if (matched == 0) throw make_error("models", "no parameter of {} starts with '{}'", model.name(), prefix);
    changed += matched;
  }
  return changed;
}

}  // namespace mgc::models
