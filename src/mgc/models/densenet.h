#pragma once
// DenseNet-121 as torchvision 0.14 builds it.
// Huang, Liu, van der Maaten, Weinberger: "Densely Connected Convolutional Networks", CVPR 2017. arXiv:1608.06993.
#include <memory>

#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"

namespace mgc::models {

std::shared_ptr<Classifier> densenet121(const ModelConfig& config);

}  // namespace mgc::models
