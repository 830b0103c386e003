#include "mgc/models/input.h"

#include <torch/torch.h>

#include <cmath>

#include "mgc/core/error.h"

namespace mgc::models {

void InputConfig::validate() const {
  if (!std::isfinite(db_min) || !std::isfinite(db_max) || !(db_min < db_max))
    throw make_error("models", "InputConfig.db_min ({}) must be below InputConfig.db_max ({})", db_min, db_max);
  if (norm == InputNorm::Both && mode != InputMode::Mono)
    throw make_error("models", "InputConfig.norm 'both' (two channels) needs the mono input mode");
  if (mode == InputMode::Raw && norm != InputNorm::None)
    throw make_error("models", "InputConfig.norm must be none for the raw input mode");
}

InputMode parse_input_mode(const std::string& name) {
  if (name == "mono") return InputMode::Mono;
  if (name == "imagenet") return InputMode::ImageNetRgb;
  if (name == "raw") return InputMode::Raw;
  throw make_error("models", "unknown input mode '{}' (known: mono, imagenet, raw)", name);
}

std::string to_string(InputMode mode) {
  return mode == InputMode::ImageNetRgb ? "imagenet" : mode == InputMode::Raw ? "raw" : "mono";
}

InputNorm parse_input_norm(const std::string& name) {
  if (name == "none") return InputNorm::None;
  if (name == "band") return InputNorm::Band;
  if (name == "both") return InputNorm::Both;
  throw make_error("models", "unknown input norm '{}' (known: none, band, both)", name);
}

torch::Tensor prepare_input(const torch::Tensor& db, const InputConfig& config) {
  TORCH_CHECK(db.dim() == 4 && db.size(1) == 1, "prepare_input expects [B, 1, H, W] features, got ", db.sizes());
  config.validate();
  if (config.mode == InputMode::Raw) return db.to(torch::kFloat32);
  torch::Tensor x = ((db.to(torch::kFloat32) - config.db_min) / (config.db_max - config.db_min)).clamp(0.0, 1.0);
  if (config.norm != InputNorm::None) {
    const torch::Tensor centred = x - x.mean({3}, /*keepdim=*/true) + 0.5;
    x = config.norm == InputNorm::Both ? torch::cat({x, centred}, 1) : centred;
  }
  if (config.mode == InputMode::Mono) return (x - 0.5) / 0.25;
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(db.device());
  const torch::Tensor mean = torch::tensor({0.485, 0.456, 0.406}, opts).view({1, 3, 1, 1});
  const torch::Tensor std = torch::tensor({0.229, 0.224, 0.225}, opts).view({1, 3, 1, 1});
  return (x.expand({-1, 3, -1, -1}) - mean) / std;
}

}  // namespace mgc::models
