#include "mgc/models/vgg.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include <vector>

#include "mgc/core/error.h"
#include "mgc/models/layers.h"

namespace mgc::models {
namespace {

namespace nn = torch::nn;

constexpr int64_t kPool = 0;  // a 2x2 max-pool entry in a layer table (torchvision's "M")

// torchvision's cfgs "D" (VGG-16) and "E" (VGG-19): output channels of each 3x3 convolution, kPool for a pool.
// Throws mgc::Error on a depth other than 16 or 19.
std::vector<int64_t> vgg_layers(int depth) {
  switch (depth) {
    case 16: return {64, 64, kPool, 128, 128, kPool, 256, 256, 256, kPool, 512, 512, 512, kPool, 512, 512, 512, kPool};
    case 19:
      return {64,  64,  kPool, 128, 128, kPool, 256, 256, 256, 256, kPool,
              512, 512, 512,   512, kPool, 512, 512, 512, 512, kPool};
    default: throw make_error("models", "vgg depth must be 16 or 19, got {}", depth);
  }
}

// torchvision's VGG initialisation of a Linear layer: weight ~ N(0, 0.01), bias 0.
void init_linear(nn::LinearImpl& linear) {
  nn::init::normal_(linear.weight, 0.0, 0.01);
  nn::init::zeros_(linear.bias);
}

class VggImpl : public Classifier {
 public:
  VggImpl(const std::vector<int64_t>& layers, bool batch_norm, const ModelConfig& c)
      : Classifier("VGG"), num_classes_(c.num_classes) {
    int64_t in = c.in_channels;
    for (int64_t v : layers) {
      if (v == kPool) {
        features_->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(2)));
        continue;
      }
      features_->push_back(nn::Conv2d(nn::Conv2dOptions(in, v, 3).padding(1)));
      if (batch_norm) features_->push_back(nn::BatchNorm2d(v));
      features_->push_back(nn::ReLU(nn::ReLUOptions(/*inplace=*/true)));
      in = v;
    }
    register_module("features", features_);
    avgpool_ = register_module("avgpool", nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({7, 7})));

    const double p = c.dropout >= 0 ? c.dropout : 0.5;
    head_ = nn::Linear(4096, num_classes_);
    classifier_->push_back(nn::Linear(512 * 7 * 7, 4096));
    classifier_->push_back(nn::ReLU(nn::ReLUOptions(/*inplace=*/true)));
    classifier_->push_back(nn::Dropout(p));
    classifier_->push_back(nn::Linear(4096, 4096));
    classifier_->push_back(nn::ReLU(nn::ReLUOptions(/*inplace=*/true)));
    classifier_->push_back(nn::Dropout(p));
    classifier_->push_back(head_);  // classifier.6
    register_module("classifier", classifier_);

    init_like_torchvision(*this, init_linear);
  }

  Outputs forward_all(torch::Tensor x) override {
    TORCH_CHECK(x.dim() == 4, "vgg expects [B, C, H, W], got ", x.sizes());
    x = avgpool_(features_->forward(x));
    return {classifier_->forward(torch::flatten(x, 1)), {}};
  }

  // A Sequential keeps its own list of children, which replace_module() on it would not update: the classifier
  // is rebuilt around a fresh head instead (classifier.0-5 are the same modules, shared).
  void reset_head(int64_t num_classes) override {
    if (num_classes < 1) throw make_error("models", "vgg head needs num_classes >= 1, got {}", num_classes);
    nn::Linear fresh(head_->options.in_features(), num_classes);
    init_linear(*fresh);
    fresh->to(head_->weight.device(), head_->weight.scalar_type());
    nn::Sequential rebuilt;
    for (auto it = classifier_->begin(); it + 1 != classifier_->end(); ++it) rebuilt->push_back(*it);
    rebuilt->push_back(fresh);
    rebuilt->train(is_training());
    classifier_ = replace_module("classifier", rebuilt);
    head_ = fresh;
    num_classes_ = num_classes;
  }
  std::vector<std::string> head_prefixes() const override { return {"classifier.6."}; }
  std::string stem_conv() const override { return "features.0"; }
  int64_t num_classes() const override { return num_classes_; }

 private:
  int64_t num_classes_;
  nn::Sequential features_;
  nn::AdaptiveAvgPool2d avgpool_{nullptr};
  nn::Sequential classifier_;
  nn::Linear head_{nullptr};  // classifier_[6]
};

}  // namespace

std::shared_ptr<Classifier> vgg(int depth, bool batch_norm, const ModelConfig& config) {
  return std::make_shared<VggImpl>(vgg_layers(depth), batch_norm, config);
}

}  // namespace mgc::models
