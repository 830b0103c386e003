#pragma once
// Inception-v3 as torchvision 0.14 builds it, with the auxiliary classifier switchable (config.aux_logits).
// Szegedy, Vanhoucke, Ioffe, Shlens, Wojna: "Rethinking the Inception Architecture for Computer Vision",
// CVPR 2016. arXiv:1512.00567.
#include <memory>

#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"

namespace mgc::models {

// transform_input: re-normalise ImageNet-normalised input to [-1, 1] per channel as torchvision does for its
// pretrained weights.
std::shared_ptr<Classifier> inception_v3(const ModelConfig& config, bool transform_input = false);

}  // namespace mgc::models
