#pragma once
// VGG-16/19, with or without batch normalisation, as torchvision 0.14 builds them.
// Simonyan, Zisserman: "Very Deep Convolutional Networks for Large-Scale Image Recognition", ICLR 2015.
// arXiv:1409.1556.
#include <memory>

#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"

namespace mgc::models {

// depth: 16 or 19. Throws mgc::Error on another depth.
std::shared_ptr<Classifier> vgg(int depth, bool batch_norm, const ModelConfig& config);

}  // namespace mgc::models
