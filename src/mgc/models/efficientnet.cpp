#include "mgc/models/efficientnet.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/models/layers.h"

namespace mgc::models {
namespace {

namespace nn = torch::nn;

enum class Activation { kNone, kSiLU, kReLU6 };

// torchvision's _make_divisible: v rounded to the nearest multiple of divisor, at least divisor, and never more
// than 10 % below v.
int64_t make_divisible(double v, int64_t divisor) {
  int64_t rounded = std::max(divisor, static_cast<int64_t>(v + divisor / 2.0) / divisor * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

// torchvision's _MBConvConfig.adjust_channels: channels scaled by width_mult, rounded to a multiple of 8.
int64_t adjust_channels(double channels, double width_mult) { return make_divisible(channels * width_mult, 8); }

// An nn::Sequential that can itself sit inside an nn::Sequential (SequentialImpl's templated forward cannot be
// stored in an AnyModule). Children are named "0", "1", ... as in torchvision's nn.Sequential.
class SequenceImpl : public nn::SequentialImpl {
 public:
  using nn::SequentialImpl::SequentialImpl;

  // x -> the children applied in order.
  torch::Tensor forward(torch::Tensor x) { return nn::SequentialImpl::forward(std::move(x)); }
};
TORCH_MODULE(Sequence);

// Appends the activation module (none for kNone) to a Sequential, so that it takes the next index.
void push_activation(nn::SequentialImpl& seq, Activation activation) {
  switch (activation) {
    case Activation::kNone:
      break;
    case Activation::kSiLU:
      seq.push_back(nn::SiLU());
      break;
    case Activation::kReLU6:
      seq.push_back(nn::ReLU6(nn::ReLU6Options(/*inplace=*/true)));
      break;
  }
}

// What distinguishes the convolutions and MBConv blocks of the EfficientNet variants. B0-B7 as torchvision builds
// them: SiLU, squeeze-excitation, PyTorch's BatchNorm defaults and symmetric padding (kernel - 1) / 2.
// EfficientNet-Lite as the TensorFlow reference (and efficientnet_lite_pytorch) builds it: ReLU6, no
// squeeze-excitation (the block's Sequential then has one child fewer), BatchNorm eps 1e-3 and momentum 0.01
// (TensorFlow's decay 0.99), and TensorFlow's "SAME" padding, which pads a stride-2 convolution of an even-sized
// input by one pixel more at the bottom and right than at the top and left.
struct MBConvStyle {
  Activation activation = Activation::kSiLU;
  bool squeeze_excitation = true;
  double bn_eps = 1e-5;
  double bn_momentum = 0.1;
  bool tf_same_padding = false;
};

// TensorFlow's "SAME" padding of x [B, C, H, W] for a convolution with this kernel and stride (dilation 1): the
// output is ceil(H / stride) x ceil(W / stride) and the odd pixel of an odd total padding goes to the bottom/right.
torch::Tensor pad_same(const torch::Tensor& x, int64_t kernel, int64_t stride) {
  auto total = [&](int64_t in) {
    const int64_t out = (in + stride - 1) / stride;
    return std::max<int64_t>((out - 1) * stride + kernel - in, 0);
  };
  const int64_t ph = total(x.size(2)), pw = total(x.size(3));
  if (ph == 0 && pw == 0) return x;
  return torch::constant_pad_nd(x, {pw / 2, pw - pw / 2, ph / 2, ph - ph / 2}, 0.0);
}

// torchvision's Conv2dNormActivation: conv "0" without bias, batch norm "1" (style.bn_eps, style.bn_momentum),
// activation "2" unless kNone. Padding: (kernel - 1) / 2 on every side, or TensorFlow's "SAME" padding computed
// from each input's size when style.tf_same_padding (the conv itself then has padding 0).
class ConvNormActivationImpl : public SequenceImpl {
 public:
  ConvNormActivationImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups, Activation activation,
                         const MBConvStyle& style = {})
      : kernel_(kernel), stride_(stride), same_padding_(style.tf_same_padding) {
    const int64_t padding = same_padding_ ? 0 : (kernel - 1) / 2;
    push_back(
        nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).groups(groups).bias(false)));
    push_back(nn::BatchNorm2d(nn::BatchNormOptions(out).eps(style.bn_eps).momentum(style.bn_momentum)));
    push_activation(*this, activation);
  }

  // x: [B, in, H, W] -> [B, out, ceil(H / stride), ceil(W / stride)].
  torch::Tensor forward(torch::Tensor x) {
    if (same_padding_) x = pad_same(x, kernel_, stride_);
    return SequenceImpl::forward(std::move(x));
  }

  void pretty_print(std::ostream& stream) const override {
    stream << (same_padding_ ? "Conv2dNormActivation(padding=same)" : "Conv2dNormActivation");
  }

 private:
  int64_t kernel_;
  int64_t stride_;
  bool same_padding_;
};
TORCH_MODULE(ConvNormActivation);

// torchvision's SqueezeExcitation with SiLU inside and a sigmoid scale: x * sigmoid(fc2(silu(fc1(mean_hw(x))))).
class SqueezeExcitationImpl : public nn::Module {
 public:
  SqueezeExcitationImpl(int64_t channels, int64_t squeeze_channels) : nn::Module("SqueezeExcitation") {
    avgpool_ = register_module("avgpool", nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(1)));
    fc1_ = register_module("fc1", nn::Conv2d(nn::Conv2dOptions(channels, squeeze_channels, 1)));
    fc2_ = register_module("fc2", nn::Conv2d(nn::Conv2dOptions(squeeze_channels, channels, 1)));
    activation_ = register_module("activation", nn::SiLU());
    scale_activation_ = register_module("scale_activation", nn::Sigmoid());
  }

  // x: [B, C, H, W] -> [B, C, H, W], each channel scaled by its gate in (0, 1).
  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor scale = fc2_(activation_(fc1_(avgpool_(x))));
    return scale_activation_(scale) * x;
  }

 private:
  nn::AdaptiveAvgPool2d avgpool_{nullptr};
  nn::Conv2d fc1_{nullptr}, fc2_{nullptr};
  nn::SiLU activation_{nullptr};
  nn::Sigmoid scale_activation_{nullptr};
};
TORCH_MODULE(SqueezeExcitation);

// torchvision's StochasticDepth in "row" mode (Huang et al., arXiv:1603.09382): in training each sample's residual
// branch is zeroed with probability p and otherwise scaled by 1 / (1 - p); identity in eval mode or when p = 0.
class StochasticDepthImpl : public nn::Module {
 public:
  explicit StochasticDepthImpl(double p) : nn::Module("StochasticDepth"), p_(p) {
    if (!(p >= 0.0 && p <= 1.0))
      throw make_error("models", "stochastic depth probability must be in [0, 1], got {}", p);
  }

  // x: [B, ...] -> [B, ...].
  torch::Tensor forward(torch::Tensor x) {
    if (!is_training() || p_ == 0.0) return x;
    const double survival = 1.0 - p_;
    std::vector<int64_t> size(x.dim(), 1);
    size[0] = x.size(0);
    torch::Tensor noise = torch::empty(size, x.options()).bernoulli_(survival);
    if (survival > 0.0) noise.div_(survival);
    return x * noise;
  }

  void pretty_print(std::ostream& stream) const override { stream << "StochasticDepth(p=" << p_ << ", mode=row)"; }

 private:
  double p_;
};
TORCH_MODULE(StochasticDepth);

// One row of torchvision's MBConvConfig table (EfficientNet paper, Table 1), channels already scaled.
struct MBConvConfig {
  double expand_ratio;
  int64_t kernel;
  int64_t stride;
  int64_t in_channels;
  int64_t out_channels;
  int64_t num_layers;
};

// torchvision's MBConv: "block" = [1x1 expand + act when the expanded width differs], kxk depthwise + act,
// [squeeze-excitation to max(1, in / 4) channels], 1x1 projection with batch norm and no activation; when the stride
// is 1 and the width is unchanged, stochastic depth on the branch and the input added back.
class MBConvImpl : public nn::Module {
 public:
  MBConvImpl(const MBConvConfig& cnf, double stochastic_depth_prob, const MBConvStyle& style)
      : nn::Module("MBConv"), use_residual_(cnf.stride == 1 && cnf.in_channels == cnf.out_channels) {
    if (cnf.stride != 1 && cnf.stride != 2)
      throw make_error("models", "MBConv stride must be 1 or 2, got {}", cnf.stride);
    const int64_t expanded = adjust_channels(static_cast<double>(cnf.in_channels), cnf.expand_ratio);
    if (expanded != cnf.in_channels)
      block_->push_back(ConvNormActivation(cnf.in_channels, expanded, 1, 1, 1, style.activation, style));
    block_->push_back(
        ConvNormActivation(expanded, expanded, cnf.kernel, cnf.stride, expanded, style.activation, style));
    if (style.squeeze_excitation)
      block_->push_back(SqueezeExcitation(expanded, std::max<int64_t>(1, cnf.in_channels / 4)));
    block_->push_back(ConvNormActivation(expanded, cnf.out_channels, 1, 1, 1, Activation::kNone, style));
    register_module("block", block_);
    stochastic_depth_ = register_module("stochastic_depth", StochasticDepth(stochastic_depth_prob));
  }

  // x: [B, in, H, W] -> [B, out, ceil(H / stride), ceil(W / stride)].
  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor result = block_->forward(x);
    if (use_residual_) result = stochastic_depth_(result) + x;
    return result;
  }

 private:
  bool use_residual_;
  nn::Sequential block_;
  StochasticDepth stochastic_depth_{nullptr};
};
TORCH_MODULE(MBConv);

// Everything that tells one EfficientNet (V1 family) from another.
struct EfficientNetVariant {
  std::string name;                  // for messages
  std::vector<MBConvConfig> stages;  // one entry per features.1 ... features.N
  MBConvStyle style;                 // block style, also the stem's and the last conv's
  double dropout = 0.2;              // classifier dropout when ModelConfig.dropout < 0
  double stochastic_depth_prob = 0.2;
  int64_t last_channel = 0;  // output width of the last 1x1 conv; 0: 4 x the last stage's width
};

// torchvision's _efficientnet_conf("efficientnet_b*"): the B0 table with widths scaled by width_mult (rounded to
// multiples of 8) and layer counts by depth_mult (rounded up).
std::vector<MBConvConfig> efficientnet_v1_stages(double width_mult, double depth_mult) {
  struct Row {
    double expand_ratio;
    int64_t kernel, stride, in, out, layers;
  };
  const Row rows[] = {{1, 3, 1, 32, 16, 1},  {6, 3, 2, 16, 24, 2},   {6, 5, 2, 24, 40, 2},  {6, 3, 2, 40, 80, 3},
                      {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1}};
  std::vector<MBConvConfig> stages;
  for (const Row& r : rows)
    stages.push_back({r.expand_ratio, r.kernel, r.stride, adjust_channels(static_cast<double>(r.in), width_mult),
                      adjust_channels(static_cast<double>(r.out), width_mult),
                      static_cast<int64_t>(std::ceil(static_cast<double>(r.layers) * depth_mult))});
  return stages;
}

// torchvision's EfficientNet: features = [stem 3x3/2 conv, one Sequential of MBConv blocks per stage, 1x1 conv],
// avgpool, classifier = Dropout "0" + Linear "1". Stochastic depth grows linearly with the block index, from 0 to
// stochastic_depth_prob * (blocks - 1) / blocks.
class EfficientNetImpl : public Classifier {
 public:
  EfficientNetImpl(const EfficientNetVariant& variant, const ModelConfig& c)
      : Classifier("EfficientNet"), name_(variant.name), num_classes_(c.num_classes) {
    if (variant.stages.empty()) throw make_error("models", "{} has no stages", name_);
    if (num_classes_ < 1) throw make_error("models", "{} needs num_classes >= 1, got {}", name_, num_classes_);
    const Activation act = variant.style.activation;
    features_->push_back(
        ConvNormActivation(c.in_channels, variant.stages.front().in_channels, 3, 2, 1, act, variant.style));

    int64_t total_blocks = 0;
    for (const MBConvConfig& s : variant.stages) total_blocks += s.num_layers;
    int64_t block_id = 0;
    for (const MBConvConfig& s : variant.stages) {
      Sequence stage;
      for (int64_t i = 0; i < s.num_layers; ++i, ++block_id) {
        MBConvConfig block = s;
        if (i > 0) {
          block.in_channels = block.out_channels;
          block.stride = 1;
        }
        const double sd_prob =
            variant.stochastic_depth_prob * static_cast<double>(block_id) / static_cast<double>(total_blocks);
        stage->push_back(MBConv(block, sd_prob, variant.style));
      }
      features_->push_back(stage);
    }

    const int64_t last_in = variant.stages.back().out_channels;
    last_channel_ = variant.last_channel > 0 ? variant.last_channel : 4 * last_in;
    features_->push_back(ConvNormActivation(last_in, last_channel_, 1, 1, 1, act, variant.style));
    register_module("features", features_);
    avgpool_ = register_module("avgpool", nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(1)));

    head_ = nn::Linear(last_channel_, num_classes_);
    classifier_->push_back(nn::Dropout(c.dropout >= 0 ? c.dropout : variant.dropout));
    classifier_->push_back(head_);  // classifier.1
    register_module("classifier", classifier_);

    init_like_torchvision(*this, init_linear);
  }

  Outputs forward_all(torch::Tensor x) override {
    TORCH_CHECK(x.dim() == 4, name_, " expects [B, C, H, W], got ", x.sizes());
    x = avgpool_(features_->forward(x));
    return {classifier_->forward(torch::flatten(x, 1)), {}};
  }

  void reset_head(int64_t num_classes) override {
    renew_linear_head(*head_, num_classes, init_linear, name_);
    num_classes_ = num_classes;
  }
  std::vector<std::string> head_prefixes() const override { return {"classifier.1."}; }
  std::string stem_conv() const override { return "features.0.0"; }
  int64_t num_classes() const override { return num_classes_; }

 private:
  // torchvision's EfficientNet initialisation of a Linear layer: weight ~ U(-1 / sqrt(out), 1 / sqrt(out)), bias 0.
  static void init_linear(nn::LinearImpl& linear) {
    const double range = 1.0 / std::sqrt(static_cast<double>(linear.options.out_features()));
    nn::init::uniform_(linear.weight, -range, range);
    nn::init::zeros_(linear.bias);
  }

  std::string name_;
  int64_t num_classes_;
  int64_t last_channel_ = 0;
  nn::Sequential features_;
  nn::AdaptiveAvgPool2d avgpool_{nullptr};
  nn::Sequential classifier_;
  nn::Linear head_{nullptr};
};

}  // namespace

std::shared_ptr<Classifier> efficientnet_b0(const ModelConfig& config) {
  EfficientNetVariant b0;
  b0.name = "efficientnet_b0";
  b0.stages = efficientnet_v1_stages(/*width_mult=*/1.0, /*depth_mult=*/1.0);
  return std::make_shared<EfficientNetImpl>(b0, config);
}

std::shared_ptr<Classifier> efficientnet_lite0(const ModelConfig& config) {
  EfficientNetVariant lite0;
  lite0.name = "efficientnet_lite0";
  // Lite fixes the stem (32) and head (1280) widths and the first and last stages' repeats while scaling the rest;
  // at Lite0's multipliers (1.0, 1.0) that changes nothing, so B0's table holds.
  lite0.stages = efficientnet_v1_stages(/*width_mult=*/1.0, /*depth_mult=*/1.0);
  lite0.style.activation = Activation::kReLU6;
  lite0.style.squeeze_excitation = false;
  lite0.style.bn_eps = 1e-3;
  lite0.style.bn_momentum = 0.01;
  lite0.style.tf_same_padding = true;
  lite0.last_channel = 1280;
  return std::make_shared<EfficientNetImpl>(lite0, config);
}

}  // namespace mgc::models
