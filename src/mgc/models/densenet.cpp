#include "mgc/models/densenet.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/pimpl.h>

#include <array>
#include <string>
#include <vector>

#include "mgc/core/error.h"

namespace mgc::models {
namespace {

namespace nn = torch::nn;

// torchvision's densenet121: growth rate 32, bottleneck width bn_size * growth, 64 stem features.
constexpr int64_t kGrowthRate = 32;
constexpr int64_t kBnSize = 4;
constexpr int64_t kInitFeatures = 64;
constexpr std::array<int64_t, 4> kBlockConfig = {6, 12, 24, 16};

// torchvision's _DenseLayer: BN-ReLU-conv1x1 (to bn_size * growth) then BN-ReLU-conv3x3 (to growth) on the
// concatenation of every earlier feature map of its block; [B, sum C_i, H, W] -> [B, growth, H, W].
class DenseLayerImpl : public nn::Module {
 public:
  DenseLayerImpl(int64_t in_features, double drop_rate) : drop_rate_(drop_rate) {
    norm1_ = register_module("norm1", nn::BatchNorm2d(in_features));
    relu1_ = register_module("relu1", nn::ReLU(nn::ReLUOptions(/*inplace=*/true)));
    conv1_ = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in_features, kBnSize * kGrowthRate, 1).bias(false)));
    norm2_ = register_module("norm2", nn::BatchNorm2d(kBnSize * kGrowthRate));
    relu2_ = register_module("relu2", nn::ReLU(nn::ReLUOptions(/*inplace=*/true)));
    conv2_ = register_module(
        "conv2", nn::Conv2d(nn::Conv2dOptions(kBnSize * kGrowthRate, kGrowthRate, 3).padding(1).bias(false)));
  }

  torch::Tensor forward(const std::vector<torch::Tensor>& previous) {
    torch::Tensor out = conv1_(relu1_(norm1_(torch::cat(previous, 1))));
    out = conv2_(relu2_(norm2_(out)));
    if (drop_rate_ > 0) out = torch::dropout(out, drop_rate_, is_training());
    return out;
  }

 private:
  double drop_rate_;
  nn::BatchNorm2d norm1_{nullptr}, norm2_{nullptr};
  nn::ReLU relu1_{nullptr}, relu2_{nullptr};
  nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(DenseLayer);

// torchvision's _DenseBlock: layers denselayer1..N, each fed all earlier outputs;
// [B, C, H, W] -> [B, C + N * growth, H, W].
class DenseBlockImpl : public nn::Module {
 public:
  DenseBlockImpl(int64_t num_layers, int64_t in_features, double drop_rate) {
    for (int64_t i = 0; i < num_layers; ++i)
      layers_.push_back(
          register_module("denselayer" + std::to_string(i + 1), DenseLayer(in_features + i * kGrowthRate, drop_rate)));
  }

  torch::Tensor forward(torch::Tensor x) {
    std::vector<torch::Tensor> features{std::move(x)};
    features.reserve(layers_.size() + 1);
    for (auto& layer : layers_) features.push_back(layer->forward(features));
    return torch::cat(features, 1);
  }

 private:
  std::vector<DenseLayer> layers_;
};
TORCH_MODULE(DenseBlock);

// torchvision's _Transition (norm, relu, conv, pool): BN-ReLU-conv1x1 then 2x2 average pooling;
// [B, C_in, H, W] -> [B, C_out, H / 2, W / 2].
class TransitionImpl : public nn::Module {
 public:
  TransitionImpl(int64_t in_features, int64_t out_features) {
    norm_ = register_module("norm", nn::BatchNorm2d(in_features));
    relu_ = register_module("relu", nn::ReLU(nn::ReLUOptions(/*inplace=*/true)));
    conv_ = register_module("conv", nn::Conv2d(nn::Conv2dOptions(in_features, out_features, 1).bias(false)));
    pool_ = register_module("pool", nn::AvgPool2d(nn::AvgPool2dOptions(2).stride(2)));
  }

  torch::Tensor forward(torch::Tensor x) { return pool_(conv_(relu_(norm_(x)))); }

 private:
  nn::BatchNorm2d norm_{nullptr};
  nn::ReLU relu_{nullptr};
  nn::Conv2d conv_{nullptr};
  nn::AvgPool2d pool_{nullptr};
};
TORCH_MODULE(Transition);

class DenseNetImpl : public Classifier {
 public:
  explicit DenseNetImpl(const ModelConfig& c) : Classifier("DenseNet"), num_classes_(c.num_classes) {
    if (c.num_classes < 1) throw make_error("models", "densenet needs num_classes >= 1, got {}", c.num_classes);
    // torchvision's drop_rate (dropout after every dense layer) is the architecture's only dropout; default 0.
    const double drop_rate = c.dropout >= 0 ? c.dropout : 0.0;
    features_ = nn::Sequential(
        {{"conv0", nn::Conv2d(nn::Conv2dOptions(c.in_channels, kInitFeatures, 7).stride(2).padding(3).bias(false))},
         {"norm0", nn::BatchNorm2d(kInitFeatures)},
         {"relu0", nn::ReLU(nn::ReLUOptions(/*inplace=*/true))},
         {"pool0", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1))}});
    int64_t num_features = kInitFeatures;
    for (size_t i = 0; i < kBlockConfig.size(); ++i) {
      const std::string index = std::to_string(i + 1);
      features_->push_back("denseblock" + index, DenseBlock(kBlockConfig[i], num_features, drop_rate));
      num_features += kBlockConfig[i] * kGrowthRate;
      if (i + 1 != kBlockConfig.size()) {
        features_->push_back("transition" + index, Transition(num_features, num_features / 2));
        num_features /= 2;
      }
    }
    features_->push_back("norm5", nn::BatchNorm2d(num_features));
    register_module("features", features_);
    classifier_ = register_module("classifier", nn::Linear(num_features, num_classes_));

    for (auto& m : modules(/*include_self=*/false)) {
      if (auto* conv = m->as<nn::Conv2d>()) {
        nn::init::kaiming_normal_(conv->weight);
      } else if (auto* bn = m->as<nn::BatchNorm2d>()) {
        nn::init::ones_(bn->weight);
        nn::init::zeros_(bn->bias);
      }
    }
    torch::NoGradGuard no_grad;
    classifier_->bias.zero_();
  }

  Outputs forward_all(torch::Tensor x) override {
    TORCH_CHECK(x.dim() == 4, "densenet expects [B, C, H, W], got ", x.sizes());
    x = torch::relu(features_->forward(x));
    x = torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1);
    return {classifier_(x), {}};
  }

  void reset_head(int64_t num_classes) override {
    if (num_classes < 1) throw make_error("models", "densenet head needs num_classes >= 1, got {}", num_classes);
    nn::Linear fresh(classifier_->options.in_features(), num_classes);
    {
      torch::NoGradGuard no_grad;
      fresh->bias.zero_();
    }
    fresh->to(classifier_->weight.device(), classifier_->weight.scalar_type());
    fresh->train(is_training());
    classifier_ = replace_module("classifier", fresh);
    num_classes_ = num_classes;
  }
  std::vector<std::string> head_prefixes() const override { return {"classifier."}; }
  std::string stem_conv() const override { return "features.conv0"; }
  int64_t num_classes() const override { return num_classes_; }

 private:
  int64_t num_classes_;
  nn::Sequential features_;
  nn::Linear classifier_{nullptr};
};

}  // namespace

std::shared_ptr<Classifier> densenet121(const ModelConfig& config) { return std::make_shared<DenseNetImpl>(config); }

}  // namespace mgc::models
