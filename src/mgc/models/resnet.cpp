#include "mgc/models/resnet.h"

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

#include "mgc/core/error.h"

namespace mgc::models {
namespace {

namespace nn = torch::nn;

// The block type and the number of blocks in each of layer1..layer4 (torchvision's resnet18/34/50).
struct ResNetArch {
  bool bottleneck = false;
  std::array<int64_t, 4> blocks{};
};

// Throws mgc::Error on a depth other than 18, 34 or 50.
ResNetArch resnet_arch(int depth) {
  switch (depth) {
    case 18: return {false, {2, 2, 2, 2}};
    case 34: return {false, {3, 4, 6, 3}};
    case 50: return {true, {3, 4, 6, 3}};
    default: throw make_error("models", "resnet depth must be 18, 34 or 50, got {}", depth);
  }
}

nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}

nn::Conv2d conv1x1(int64_t in, int64_t out, int64_t stride) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false));
}

// One residual block, torchvision's BasicBlock (3x3, 3x3; expansion 1) or Bottleneck (1x1, 3x3, 1x1; expansion
// 4, the stride on the 3x3 as in torchvision's "ResNet v1.5"). downsample: conv1x1 + BatchNorm2d for the identity
// path, or empty when the shapes already match.
class BlockImpl : public nn::Module {
 public:
  BlockImpl(int64_t inplanes, int64_t planes, int64_t stride, bool bottleneck, nn::Sequential downsample)
      : nn::Module(bottleneck ? "Bottleneck" : "BasicBlock") {
    if (bottleneck) {
      conv1_ = register_module("conv1", conv1x1(inplanes, planes, 1));
      bn1_ = register_module("bn1", nn::BatchNorm2d(planes));
      conv2_ = register_module("conv2", conv3x3(planes, planes, stride));
      bn2_ = register_module("bn2", nn::BatchNorm2d(planes));
      conv3_ = register_module("conv3", conv1x1(planes, planes * 4, 1));
      bn3_ = register_module("bn3", nn::BatchNorm2d(planes * 4));
    } else {
      conv1_ = register_module("conv1", conv3x3(inplanes, planes, stride));
      bn1_ = register_module("bn1", nn::BatchNorm2d(planes));
      conv2_ = register_module("conv2", conv3x3(planes, planes, 1));
      bn2_ = register_module("bn2", nn::BatchNorm2d(planes));
    }
    relu_ = register_module("relu", nn::ReLU(nn::ReLUOptions(/*inplace=*/true)));
    if (downsample) downsample_ = register_module("downsample", downsample);
  }

  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor out = relu_(bn1_(conv1_(x)));
    out = bn2_(conv2_(out));
    if (conv3_) out = bn3_(conv3_(relu_(out)));
    out += downsample_ ? downsample_->forward(x) : x;
    return relu_(out);
  }

 private:
  nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr};
  nn::ReLU relu_{nullptr};
  nn::Sequential downsample_{nullptr};
};
TORCH_MODULE(Block);

class ResNetImpl : public Classifier {
 public:
  ResNetImpl(const ResNetArch& arch, const ModelConfig& c) : Classifier("ResNet"), num_classes_(c.num_classes) {
    conv1_ = register_module(
        "conv1", nn::Conv2d(nn::Conv2dOptions(c.in_channels, 64, 7).stride(2).padding(3).bias(false)));
    bn1_ = register_module("bn1", nn::BatchNorm2d(64));
    relu_ = register_module("relu", nn::ReLU(nn::ReLUOptions(/*inplace=*/true)));
    maxpool_ = register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
    const int64_t expansion = arch.bottleneck ? 4 : 1;
    const int64_t planes[] = {64, 128, 256, 512};
    int64_t inplanes = 64;
    for (size_t i = 0; i < layers_.size(); ++i) {
      const int64_t stride = i == 0 ? 1 : 2;
      nn::Sequential layer;
      for (int64_t b = 0; b < arch.blocks[i]; ++b) {
        nn::Sequential downsample{nullptr};
        if (b == 0 && (stride != 1 || inplanes != planes[i] * expansion))
          downsample = nn::Sequential(conv1x1(inplanes, planes[i] * expansion, stride),
                                      nn::BatchNorm2d(planes[i] * expansion));
        layer->push_back(Block(inplanes, planes[i], b == 0 ? stride : 1, arch.bottleneck, downsample));
        inplanes = planes[i] * expansion;
      }
      layers_[i] = register_module("layer" + std::to_string(i + 1), layer);
    }
    avgpool_ = register_module("avgpool", nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})));
    fc_ = register_module("fc", nn::Linear(512 * expansion, num_classes_));  // torch's default Linear init

    for (auto& m : modules(/*include_self=*/false)) {
      if (auto* conv = m->as<nn::Conv2d>()) {
        nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      } else if (auto* bn = m->as<nn::BatchNorm2d>()) {
        nn::init::ones_(bn->weight);
        nn::init::zeros_(bn->bias);
      }
    }
  }

  Outputs forward_all(torch::Tensor x) override {
    TORCH_CHECK(x.dim() == 4, "resnet expects [B, C, H, W], got ", x.sizes());
    x = maxpool_(relu_(bn1_(conv1_(x))));
    for (auto& layer : layers_) x = layer->forward(x);
    x = torch::flatten(avgpool_(x), 1);
    return {fc_(x), {}};
  }

  void reset_head(int64_t num_classes) override {
    if (num_classes < 1) throw make_error("models", "resnet head needs num_classes >= 1, got {}", num_classes);
    nn::Linear fresh(fc_->options.in_features(), num_classes);
    fresh->to(fc_->weight.device(), fc_->weight.scalar_type());
    fresh->train(is_training());
    fc_ = replace_module("fc", fresh);
    num_classes_ = num_classes;
  }
  std::vector<std::string> head_prefixes() const override { return {"fc."}; }
  std::string stem_conv() const override { return "conv1"; }
  int64_t num_classes() const override { return num_classes_; }

 private:
  int64_t num_classes_;
  nn::Conv2d conv1_{nullptr};
  nn::BatchNorm2d bn1_{nullptr};
  nn::ReLU relu_{nullptr};
  nn::MaxPool2d maxpool_{nullptr};
  std::array<nn::Sequential, 4> layers_{nullptr, nullptr, nullptr, nullptr};
  nn::AdaptiveAvgPool2d avgpool_{nullptr};
  nn::Linear fc_{nullptr};
};

}  // namespace

std::shared_ptr<Classifier> resnet(int depth, const ModelConfig& config) {
  return std::make_shared<ResNetImpl>(resnet_arch(depth), config);
}

}  // namespace mgc::models
