#pragma once
// MobileNetV2 as torchvision 0.14 builds it.
// Sandler, Howard, Zhu, Zhmoginov, Chen: "MobileNetV2: Inverted Residuals and Linear Bottlenecks", CVPR 2018.
// arXiv:1801.04381.
#include <memory>

#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"

namespace mgc::models {

std::shared_ptr<Classifier> mobilenet_v2(const ModelConfig& config);

}  // namespace mgc::models
