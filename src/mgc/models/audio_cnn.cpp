#include "mgc/models/audio_cnn.h"

#include <torch/nn/functional.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include <iterator>
#include <vector>

#include "mgc/core/error.h"

namespace mgc::models {
namespace {

namespace nn = torch::nn;

class AudioCnnImpl : public Classifier {
 public:
  explicit AudioCnnImpl(const ModelConfig& c) : Classifier("AudioCnn"), num_classes_(c.num_classes) {
    const int64_t widths[] = {32, 48, 64, 96, 128};
    int64_t in = c.in_channels;
    for (size_t b = 0; b < std::size(widths); ++b) {
      const int64_t w = widths[b];
      // The first block has one convolution and pools 4x along frequency: at full resolution a second
      // convolution cost as much as the rest of the network, for no accuracy (see docs/MODELS.md).
      const int convs = b == 0 ? 1 : 2;
      for (int k = 0; k < convs; ++k) {
        features_->push_back(nn::Conv2d(nn::Conv2dOptions(k == 0 ? in : w, w, 3).padding(1).bias(false)));
        features_->push_back(nn::BatchNorm2d(w));
        features_->push_back(nn::ReLU(nn::ReLUOptions().inplace(true)));
      }
      // ceil_mode: a side of 1 stays 1, so any input of at least 32 x 32 reaches the global pooling.
      const std::vector<int64_t> kernel = b == 0 ? std::vector<int64_t>{4, 2} : std::vector<int64_t>{2, 2};
      features_->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(kernel).ceil_mode(true)));
      in = w;
    }
    register_module("features", features_);
    dropout_ = register_module("dropout", nn::Dropout(c.dropout >= 0 ? c.dropout : 0.3));
    feature_dim_ = 2 * in;
    fc_ = register_module("fc", nn::Linear(feature_dim_, num_classes_));
    for (auto& m : modules(/*include_self=*/false)) {
      if (auto* conv = m->as<nn::Conv2d>()) nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    }
  }

  Outputs forward_all(torch::Tensor x) override {
    TORCH_CHECK(x.dim() == 4 && x.size(2) >= 32 && x.size(3) >= 32,
                "audio_cnn expects [B, C, H >= 32, W >= 32], got ", x.sizes());
    x = features_->forward(x);
    // Mean and max over the remaining time-frequency grid: the mean hears texture, the max hears events.
    x = torch::cat({x.mean({2, 3}), x.amax({2, 3})}, 1);
    return {fc_->forward(dropout_->forward(x)), {}};
  }

  void reset_head(int64_t num_classes) override {
    num_classes_ = num_classes;
    fc_ = replace_module("fc", nn::Linear(feature_dim_, num_classes));
  }
  std::vector<std::string> head_prefixes() const override { return {"fc."}; }
  std::string stem_conv() const override { return "features.0"; }
  int64_t num_classes() const override { return num_classes_; }

 private:
  int64_t num_classes_;
  int64_t feature_dim_ = 0;
  nn::Sequential features_;
  nn::Dropout dropout_{nullptr};
  nn::Linear fc_{nullptr};
};

}  // namespace

std::shared_ptr<Classifier> audio_cnn(const ModelConfig& config) { return std::make_shared<AudioCnnImpl>(config); }

}  // namespace mgc::models
