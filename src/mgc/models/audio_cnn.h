#pragma once
// audio_cnn: a small CNN for one-channel log-mel input that trains in minutes on two CPU cores.
// Five blocks of [3x3 conv, BatchNorm, ReLU] x 2 + 2x2 max-pool (channels 32-48-64-96-128; the first block has
// one convolution and pools 4 (frequency) x 2 (time)), then global average + max pooling over time and
// frequency, dropout and one linear layer. About 0.5 M parameters; 9 convolutions + 1 linear.
// In the spirit of Choi, Fazekas, Sandler: "Automatic Tagging Using Deep Convolutional Neural Networks",
// ISMIR 2016 (arXiv:1606.00298), made smaller; input [B, 1, n_mels, frames], any size >= 32 x 32.
#include <memory>

#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"

namespace mgc::models {

std::shared_ptr<Classifier> audio_cnn(const ModelConfig& config);

}  // namespace mgc::models
