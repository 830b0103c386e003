#include "mgc/models/mobilenet.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <algorithm>
#include <utility>

#include "mgc/core/error.h"
#include "mgc/models/layers.h"

namespace mgc::models {
namespace {

namespace nn = torch::nn;

// torchvision's _make_divisible: v rounded to the nearest multiple of divisor, at least divisor, and never more
// than 10 % below v.
int64_t make_divisible(double v, int64_t divisor) {
  int64_t rounded = std::max(divisor, static_cast<int64_t>(v + divisor / 2.0) / divisor * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

// torchvision's Conv2dNormActivation(in, out, kernel, stride, groups, BatchNorm2d, ReLU6): an nn.Sequential of
// conv "0" (no bias, padding (kernel - 1) / 2), batch norm "1" and ReLU6 "2". Derived from SequentialImpl so that
// its children carry the indices of torchvision's keys; the plain forward lets it sit inside another Sequential.
class ConvBnRelu6Impl : public nn::SequentialImpl {
 public:
  ConvBnRelu6Impl(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t groups = 1) {
    push_back(nn::Conv2d(
        nn::Conv2dOptions(in, out, kernel).stride(stride).padding((kernel - 1) / 2).groups(groups).bias(false)));
    push_back(nn::BatchNorm2d(out));
    push_back(nn::ReLU6(nn::ReLU6Options(/*inplace=*/true)));
  }

  // x: [B, in, H, W] -> [B, out, ceil(H / stride), ceil(W / stride)].
  torch::Tensor forward(torch::Tensor x) { return nn::SequentialImpl::forward(std::move(x)); }

  void pretty_print(std::ostream& stream) const override { stream << "Conv2dNormActivation"; }
};
TORCH_MODULE(ConvBnRelu6);

// torchvision's InvertedResidual: [1x1 expand + ReLU6 when expand_ratio != 1], 3x3 depthwise + ReLU6, linear 1x1
// projection with batch norm, all in the Sequential "conv"; the input is added back when the stride is 1 and the
// channel count is unchanged.
class InvertedResidualImpl : public nn::Module {
 public:
  InvertedResidualImpl(int64_t in, int64_t out, int64_t stride, int64_t expand_ratio)
      : nn::Module("InvertedResidual"), use_residual_(stride == 1 && in == out) {
    if (stride != 1 && stride != 2)
      throw make_error("models", "mobilenet_v2 block stride must be 1 or 2, got {}", stride);
    const int64_t hidden = in * expand_ratio;
    if (expand_ratio != 1) conv_->push_back(ConvBnRelu6(in, hidden, 1));
    conv_->push_back(ConvBnRelu6(hidden, hidden, 3, stride, /*groups=*/hidden));
    conv_->push_back(nn::Conv2d(nn::Conv2dOptions(hidden, out, 1).bias(false)));
    conv_->push_back(nn::BatchNorm2d(out));
    register_module("conv", conv_);
  }

  // x: [B, in, H, W] -> [B, out, ceil(H / stride), ceil(W / stride)].
  torch::Tensor forward(torch::Tensor x) {
    if (use_residual_) return x + conv_->forward(x);
    return conv_->forward(x);
  }

 private:
  bool use_residual_;
  nn::Sequential conv_;
};
TORCH_MODULE(InvertedResidual);

// torchvision's MobileNetV2 at width 1.0: features (stem, 17 inverted residual blocks, 1x1 conv to 1280), global
// average pooling, classifier = Dropout "0" + Linear "1".
class MobileNetV2Impl : public Classifier {
 public:
  explicit MobileNetV2Impl(const ModelConfig& c) : Classifier("MobileNetV2"), num_classes_(c.num_classes) {
    if (num_classes_ < 1) throw make_error("models", "mobilenet_v2 needs num_classes >= 1, got {}", num_classes_);
    struct Stage {
      int64_t expand_ratio, channels, blocks, stride;  // torchvision's t, c, n, s
    };
    const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                            {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    constexpr double kWidth = 1.0;
    constexpr int64_t kRound = 8;
    int64_t in = make_divisible(32 * kWidth, kRound);
    last_channel_ = make_divisible(1280 * std::max(1.0, kWidth), kRound);

    features_->push_back(ConvBnRelu6(c.in_channels, in, 3, /*stride=*/2));
    for (const Stage& s : stages) {
      const int64_t out = make_divisible(s.channels * kWidth, kRound);
      for (int64_t i = 0; i < s.blocks; ++i) {
        features_->push_back(InvertedResidual(in, out, i == 0 ? s.stride : 1, s.expand_ratio));
        in = out;
      }
    }
    features_->push_back(ConvBnRelu6(in, last_channel_, 1));
    register_module("features", features_);

    head_ = nn::Linear(last_channel_, num_classes_);
    classifier_->push_back(nn::Dropout(c.dropout >= 0 ? c.dropout : 0.2));
    classifier_->push_back(head_);  // classifier.1
    register_module("classifier", classifier_);

    init_like_torchvision(*this, init_linear);
  }

  Outputs forward_all(torch::Tensor x) override {
    TORCH_CHECK(x.dim() == 4, "mobilenet_v2 expects [B, C, H, W], got ", x.sizes());
    x = torch::adaptive_avg_pool2d(features_->forward(x), {1, 1});
    return {classifier_->forward(torch::flatten(x, 1)), {}};
  }

  void reset_head(int64_t num_classes) override {
    renew_linear_head(*head_, num_classes, init_linear, "mobilenet_v2");
    num_classes_ = num_classes;
  }
  std::vector<std::string> head_prefixes() const override { return {"classifier.1."}; }
  std::string stem_conv() const override { return "features.0.0"; }
  int64_t num_classes() const override { return num_classes_; }

 private:
  // torchvision's MobileNetV2 initialisation of a Linear layer: weight ~ N(0, 0.01), bias 0.
  static void init_linear(nn::LinearImpl& linear) {
    nn::init::normal_(linear.weight, 0.0, 0.01);
    nn::init::zeros_(linear.bias);
  }

  int64_t num_classes_;
  int64_t last_channel_ = 0;
  nn::Sequential features_;
  nn::Sequential classifier_;
  nn::Linear head_{nullptr};
};

}  // namespace

std::shared_ptr<Classifier> mobilenet_v2(const ModelConfig& config) {
  return std::make_shared<MobileNetV2Impl>(config);
}

}  // namespace mgc::models
