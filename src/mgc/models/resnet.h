#pragma once
// ResNet-18/34/50 as torchvision 0.14 builds them (same module names, shapes and forward).
// He, Zhang, Ren, Sun: "Deep Residual Learning for Image Recognition", CVPR 2016. arXiv:1512.03385.
#include <memory>

#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"

namespace mgc::models {

// depth: 18 or 34 (BasicBlock) or 50 (Bottleneck). Throws mgc::Error on another depth.
std::shared_ptr<Classifier> resnet(int depth, const ModelConfig& config);

}  // namespace mgc::models
