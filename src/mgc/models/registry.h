#pragma once
// Model registry: name -> factory and facts (paper, default input size, parameter count, depth).
// Filled by an explicit call (no static registrars: they vanish under static linking). Kept free of libtorch
// so that the CLI's table needs no model code compiled into its unit.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mgc::models {

class Classifier;

struct ModelConfig {
  std::string name;           // registry name, e.g. "resnet50"
  int64_t num_classes = 1000;
  int64_t in_channels = 3;    // 1: the stem conv takes one channel (pretrained RGB kernels are summed)
  bool aux_logits = true;     // InceptionV3 only: build its auxiliary classifier (torchvision's default)
  double dropout = -1.0;      // < 0: the architecture's own default

  // Throws mgc::Error ("models: ModelConfig.<field> ...") on out-of-range values or an unknown name.
  void validate() const;
};

struct ModelInfo {
  std::string name;
  std::string family;       // "resnet", "vgg", ...
  std::string description;
  std::string paper;        // citation
  int64_t input_size = 224; // default square input side in pixels (299 for InceptionV3)
  int64_t min_input_size = 32;  // smallest side the architecture accepts
  std::function<std::shared_ptr<Classifier>(const ModelConfig&)> factory;
  int64_t fixed_height = 0;     // > 0: the only input height (mel bands) it takes (musicnn: 96)
  int64_t fixed_width = 0;      // > 0: the only input width (frames) it takes (musicnn's VGG: 187)
  bool log_mel_stem = false;    // built for one-channel log-mel (audio_cnn, musicnn): no RGB stem to adapt
};

// All registered models, in registration order. Thread-safe after the first call.
const std::vector<ModelInfo>& registry();

// Looks a model up by name. Throws mgc::Error naming the unknown model and listing the known ones.
const ModelInfo& model_info(const std::string& name);

// Builds a model (random initialisation as torchvision's), then adapts its stem to config.in_channels.
// Throws mgc::Error on an invalid config.
std::shared_ptr<Classifier> create_model(const ModelConfig& config);

// Facts measured on a built model.
struct ModelStats {
  int64_t parameters = 0;            // all parameters
  int64_t trainable_parameters = 0;  // requires_grad
  int64_t depth = 0;                 // weight layers: Conv2d, Conv1d and Linear modules (every branch once)
};
ModelStats model_stats(const Classifier& model);

}  // namespace mgc::models
