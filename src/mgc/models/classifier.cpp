#include "mgc/models/classifier.h"

namespace mgc::models {

void Classifier::train(bool on) {
  torch::nn::Module::train(on);
  for (auto& layer : frozen_norm_layers_) layer->eval();
}

void Classifier::set_frozen_norm_layers(std::vector<std::shared_ptr<torch::nn::Module>> layers) {
  frozen_norm_layers_ = std::move(layers);
  if (is_training()) train(true);
}

}  // namespace mgc::models
