#pragma once
// EfficientNet-B0 as torchvision 0.14 builds it.
// Tan, Le: "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", ICML 2019.
// arXiv:1905.11946.
#include <memory>

#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"

namespace mgc::models {

std::shared_ptr<Classifier> efficientnet_b0(const ModelConfig& config);

}  // namespace mgc::models
