#include "mgc/models/inception.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/pimpl.h>

#include <cmath>
#include <string>

#include "mgc/core/error.h"

namespace mgc::models {
namespace {

namespace nn = torch::nn;

// torch.nn.init.trunc_normal_(w, mean=0, std=std, a=-2, b=2) as torchvision's Inception3 calls it: the bounds
// are absolute values, not multiples of std.
void trunc_normal_(torch::Tensor w, double std, double a = -2.0, double b = 2.0) {
  torch::NoGradGuard no_grad;
  const auto normal_cdf = [](double v) { return (1.0 + std::erf(v / std::sqrt(2.0))) / 2.0; };
  const double lo = normal_cdf(a / std);
  const double hi = normal_cdf(b / std);
  w.uniform_(2 * lo - 1, 2 * hi - 1).erfinv_().mul_(std * std::sqrt(2.0)).clamp_(a, b);
}

// Weight std of torchvision's init: 0.1 everywhere except AuxLogits.fc (its `stddev` attribute, 0.001). The
// 0.01 torchvision sets on AuxLogits.conv1 lands on the BasicConv2d wrapper, which its init loop skips, so that
// convolution gets 0.1 too; we reproduce what torchvision does, not what it meant.
constexpr double kDefaultStd = 0.1;
constexpr double kAuxFcStd = 0.001;

// A Linear layer initialised as torchvision initialises Inception3's: truncated-normal weight, default bias.
nn::Linear make_linear(int64_t in, int64_t out, double std) {
  nn::Linear fc(in, out);
  trunc_normal_(fc->weight, std);
  return fc;
}

// torchvision's BasicConv2d: conv (no bias) -> BatchNorm (eps 0.001) -> ReLU.
class BasicConv2dImpl : public nn::Module {
 public:
  BasicConv2dImpl(int64_t in, int64_t out, torch::ExpandingArray<2> kernel, int64_t stride,
                  torch::ExpandingArray<2> padding) {
    conv_ = register_module("conv",
                            nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false)));
    bn_ = register_module("bn", nn::BatchNorm2d(nn::BatchNorm2dOptions(out).eps(0.001)));
  }

  torch::Tensor forward(torch::Tensor x) { return bn_(conv_(x)).relu_(); }

 private:
  nn::Conv2d conv_{nullptr};
  nn::BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(BasicConv2d);

// BasicConv2d with braced kernel and padding sizes ({1, 7}), which TORCH_MODULE's forwarding constructor cannot
// deduce.
BasicConv2d conv_block(int64_t in, int64_t out, torch::ExpandingArray<2> kernel, int64_t stride = 1,
                       torch::ExpandingArray<2> padding = 0) {
  return BasicConv2d(std::make_shared<BasicConv2dImpl>(in, out, kernel, stride, padding));
}

// The pooled branch of the A, C and E blocks: 3x3 average pooling, stride 1, padding 1 (count_include_pad).
torch::Tensor same_avg_pool(const torch::Tensor& x) { return torch::avg_pool2d(x, {3, 3}, {1, 1}, {1, 1}); }

// torchvision's InceptionA (35x35 grid): [B, in, H, W] -> [B, 224 + pool_features, H, W].
class InceptionAImpl : public nn::Module {
 public:
  InceptionAImpl(int64_t in, int64_t pool_features) {
    branch1x1_ = register_module("branch1x1", conv_block(in, 64, 1));
    branch5x5_1_ = register_module("branch5x5_1", conv_block(in, 48, 1));
    branch5x5_2_ = register_module("branch5x5_2", conv_block(48, 64, 5, 1, 2));
    branch3x3dbl_1_ = register_module("branch3x3dbl_1", conv_block(in, 64, 1));
    branch3x3dbl_2_ = register_module("branch3x3dbl_2", conv_block(64, 96, 3, 1, 1));
    branch3x3dbl_3_ = register_module("branch3x3dbl_3", conv_block(96, 96, 3, 1, 1));
    branch_pool_ = register_module("branch_pool", conv_block(in, pool_features, 1));
  }

  torch::Tensor forward(torch::Tensor x) {
    return torch::cat({branch1x1_(x), branch5x5_2_(branch5x5_1_(x)),
                       branch3x3dbl_3_(branch3x3dbl_2_(branch3x3dbl_1_(x))), branch_pool_(same_avg_pool(x))},
                      1);
  }

 private:
  BasicConv2d branch1x1_{nullptr}, branch5x5_1_{nullptr}, branch5x5_2_{nullptr}, branch3x3dbl_1_{nullptr},
      branch3x3dbl_2_{nullptr}, branch3x3dbl_3_{nullptr}, branch_pool_{nullptr};
};
TORCH_MODULE(InceptionA);

// torchvision's InceptionB (35x35 -> 17x17 reduction): [B, in, H, W] -> [B, 480 + in, (H - 3) / 2 + 1, ...].
class InceptionBImpl : public nn::Module {
 public:
  explicit InceptionBImpl(int64_t in) {
    branch3x3_ = register_module("branch3x3", conv_block(in, 384, 3, 2));
    branch3x3dbl_1_ = register_module("branch3x3dbl_1", conv_block(in, 64, 1));
    branch3x3dbl_2_ = register_module("branch3x3dbl_2", conv_block(64, 96, 3, 1, 1));
    branch3x3dbl_3_ = register_module("branch3x3dbl_3", conv_block(96, 96, 3, 2));
  }

  torch::Tensor forward(torch::Tensor x) {
    return torch::cat(
        {branch3x3_(x), branch3x3dbl_3_(branch3x3dbl_2_(branch3x3dbl_1_(x))), torch::max_pool2d(x, {3, 3}, {2, 2})}, 1);
  }

 private:
  BasicConv2d branch3x3_{nullptr}, branch3x3dbl_1_{nullptr}, branch3x3dbl_2_{nullptr}, branch3x3dbl_3_{nullptr};
};
TORCH_MODULE(InceptionB);

// torchvision's InceptionC (17x17 grid, factorised 7x7): [B, in, H, W] -> [B, 768, H, W].
class InceptionCImpl : public nn::Module {
 public:
  InceptionCImpl(int64_t in, int64_t c7) {
    branch1x1_ = register_module("branch1x1", conv_block(in, 192, 1));
    branch7x7_1_ = register_module("branch7x7_1", conv_block(in, c7, 1));
    branch7x7_2_ = register_module("branch7x7_2", conv_block(c7, c7, {1, 7}, 1, {0, 3}));
    branch7x7_3_ = register_module("branch7x7_3", conv_block(c7, 192, {7, 1}, 1, {3, 0}));
    branch7x7dbl_1_ = register_module("branch7x7dbl_1", conv_block(in, c7, 1));
    branch7x7dbl_2_ = register_module("branch7x7dbl_2", conv_block(c7, c7, {7, 1}, 1, {3, 0}));
    branch7x7dbl_3_ = register_module("branch7x7dbl_3", conv_block(c7, c7, {1, 7}, 1, {0, 3}));
    branch7x7dbl_4_ = register_module("branch7x7dbl_4", conv_block(c7, c7, {7, 1}, 1, {3, 0}));
    branch7x7dbl_5_ = register_module("branch7x7dbl_5", conv_block(c7, 192, {1, 7}, 1, {0, 3}));
    branch_pool_ = register_module("branch_pool", conv_block(in, 192, 1));
  }

  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor b7 = branch7x7_3_(branch7x7_2_(branch7x7_1_(x)));
    torch::Tensor b7dbl = branch7x7dbl_1_(x);
    b7dbl = branch7x7dbl_5_(branch7x7dbl_4_(branch7x7dbl_3_(branch7x7dbl_2_(b7dbl))));
    return torch::cat({branch1x1_(x), b7, b7dbl, branch_pool_(same_avg_pool(x))}, 1);
  }

 private:
  BasicConv2d branch1x1_{nullptr}, branch7x7_1_{nullptr}, branch7x7_2_{nullptr}, branch7x7_3_{nullptr},
      branch7x7dbl_1_{nullptr}, branch7x7dbl_2_{nullptr}, branch7x7dbl_3_{nullptr}, branch7x7dbl_4_{nullptr},
      branch7x7dbl_5_{nullptr}, branch_pool_{nullptr};
};
TORCH_MODULE(InceptionC);

// torchvision's InceptionD (17x17 -> 8x8 reduction): [B, in, H, W] -> [B, 512 + in, (H - 3) / 2 + 1, ...].
class InceptionDImpl : public nn::Module {
 public:
  explicit InceptionDImpl(int64_t in) {
    branch3x3_1_ = register_module("branch3x3_1", conv_block(in, 192, 1));
    branch3x3_2_ = register_module("branch3x3_2", conv_block(192, 320, 3, 2));
    branch7x7x3_1_ = register_module("branch7x7x3_1", conv_block(in, 192, 1));
    branch7x7x3_2_ = register_module("branch7x7x3_2", conv_block(192, 192, {1, 7}, 1, {0, 3}));
    branch7x7x3_3_ = register_module("branch7x7x3_3", conv_block(192, 192, {7, 1}, 1, {3, 0}));
    branch7x7x3_4_ = register_module("branch7x7x3_4", conv_block(192, 192, 3, 2));
  }

  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor b7 = branch7x7x3_4_(branch7x7x3_3_(branch7x7x3_2_(branch7x7x3_1_(x))));
    return torch::cat({branch3x3_2_(branch3x3_1_(x)), b7, torch::max_pool2d(x, {3, 3}, {2, 2})}, 1);
  }

 private:
  BasicConv2d branch3x3_1_{nullptr}, branch3x3_2_{nullptr}, branch7x7x3_1_{nullptr}, branch7x7x3_2_{nullptr},
      branch7x7x3_3_{nullptr}, branch7x7x3_4_{nullptr};
};
TORCH_MODULE(InceptionD);

// torchvision's InceptionE (8x8 grid, expanded filter banks): [B, in, H, W] -> [B, 2048, H, W].
class InceptionEImpl : public nn::Module {
 public:
  explicit InceptionEImpl(int64_t in) {
    branch1x1_ = register_module("branch1x1", conv_block(in, 320, 1));
    branch3x3_1_ = register_module("branch3x3_1", conv_block(in, 384, 1));
    branch3x3_2a_ = register_module("branch3x3_2a", conv_block(384, 384, {1, 3}, 1, {0, 1}));
    branch3x3_2b_ = register_module("branch3x3_2b", conv_block(384, 384, {3, 1}, 1, {1, 0}));
    branch3x3dbl_1_ = register_module("branch3x3dbl_1", conv_block(in, 448, 1));
    branch3x3dbl_2_ = register_module("branch3x3dbl_2", conv_block(448, 384, 3, 1, 1));
    branch3x3dbl_3a_ = register_module("branch3x3dbl_3a", conv_block(384, 384, {1, 3}, 1, {0, 1}));
    branch3x3dbl_3b_ = register_module("branch3x3dbl_3b", conv_block(384, 384, {3, 1}, 1, {1, 0}));
    branch_pool_ = register_module("branch_pool", conv_block(in, 192, 1));
  }

  torch::Tensor forward(torch::Tensor x) {
    const torch::Tensor b3 = branch3x3_1_(x);
    const torch::Tensor b3dbl = branch3x3dbl_2_(branch3x3dbl_1_(x));
    return torch::cat(
        {branch1x1_(x), torch::cat({branch3x3_2a_(b3), branch3x3_2b_(b3)}, 1),
         torch::cat({branch3x3dbl_3a_(b3dbl), branch3x3dbl_3b_(b3dbl)}, 1), branch_pool_(same_avg_pool(x))},
        1);
  }

 private:
  BasicConv2d branch1x1_{nullptr}, branch3x3_1_{nullptr}, branch3x3_2a_{nullptr}, branch3x3_2b_{nullptr},
      branch3x3dbl_1_{nullptr}, branch3x3dbl_2_{nullptr}, branch3x3dbl_3a_{nullptr}, branch3x3dbl_3b_{nullptr},
      branch_pool_{nullptr};
};
TORCH_MODULE(InceptionE);

// torchvision's InceptionAux on Mixed_6e's output: [B, in, H >= 17, W >= 17] -> [B, num_classes].
class InceptionAuxImpl : public nn::Module {
 public:
  InceptionAuxImpl(int64_t in, int64_t num_classes) {
    conv0_ = register_module("conv0", conv_block(in, 128, 1));
    conv1_ = register_module("conv1", conv_block(128, 768, 5));
    fc_ = register_module("fc", nn::Linear(768, num_classes));
  }

  torch::Tensor forward(torch::Tensor x) {
    TORCH_CHECK(x.size(2) >= 17 && x.size(3) >= 17,
                "inception_v3's auxiliary head needs a 17x17 Mixed_6e grid (input >= 299x299) in training, got ",
                x.sizes());
    x = conv1_(conv0_(torch::avg_pool2d(x, {5, 5}, {3, 3})));
    return fc_(torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1));
  }

  // Replaces fc by `fresh`, keeping its device, dtype and training mode.
  void replace_fc(nn::Linear fresh) {
    fresh->to(fc_->weight.device(), fc_->weight.scalar_type());
    fresh->train(is_training());
    fc_ = replace_module("fc", fresh);
  }

 private:
  BasicConv2d conv0_{nullptr}, conv1_{nullptr};
  nn::Linear fc_{nullptr};
};
TORCH_MODULE(InceptionAux);

class InceptionV3Impl : public Classifier {
 public:
  InceptionV3Impl(const ModelConfig& c, bool transform_input)
      : Classifier("Inception3"), num_classes_(c.num_classes), transform_input_(transform_input) {
    if (c.num_classes < 1) throw make_error("models", "inception_v3 needs num_classes >= 1, got {}", c.num_classes);
    Conv2d_1a_3x3_ = register_module("Conv2d_1a_3x3", conv_block(c.in_channels, 32, 3, 2));
    Conv2d_2a_3x3_ = register_module("Conv2d_2a_3x3", conv_block(32, 32, 3));
    Conv2d_2b_3x3_ = register_module("Conv2d_2b_3x3", conv_block(32, 64, 3, 1, 1));
    maxpool1_ = register_module("maxpool1", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2)));
    Conv2d_3b_1x1_ = register_module("Conv2d_3b_1x1", conv_block(64, 80, 1));
    Conv2d_4a_3x3_ = register_module("Conv2d_4a_3x3", conv_block(80, 192, 3));
    maxpool2_ = register_module("maxpool2", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2)));
    Mixed_5b_ = register_module("Mixed_5b", InceptionA(192, 32));
    Mixed_5c_ = register_module("Mixed_5c", InceptionA(256, 64));
    Mixed_5d_ = register_module("Mixed_5d", InceptionA(288, 64));
    Mixed_6a_ = register_module("Mixed_6a", InceptionB(288));
    Mixed_6b_ = register_module("Mixed_6b", InceptionC(768, 128));
    Mixed_6c_ = register_module("Mixed_6c", InceptionC(768, 160));
    Mixed_6d_ = register_module("Mixed_6d", InceptionC(768, 160));
    Mixed_6e_ = register_module("Mixed_6e", InceptionC(768, 192));
    if (c.aux_logits) AuxLogits_ = register_module("AuxLogits", InceptionAux(768, num_classes_));
    Mixed_7a_ = register_module("Mixed_7a", InceptionD(768));
    Mixed_7b_ = register_module("Mixed_7b", InceptionE(1280));
    Mixed_7c_ = register_module("Mixed_7c", InceptionE(2048));
    avgpool_ = register_module("avgpool", nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})));
    dropout_ = register_module("dropout", nn::Dropout(c.dropout >= 0 ? c.dropout : 0.5));
    fc_ = register_module("fc", nn::Linear(2048, num_classes_));

    for (const auto& item : named_modules(/*name_prefix=*/"", /*include_self=*/false)) {
      const std::shared_ptr<nn::Module>& m = item.value();
      if (auto* conv = m->as<nn::Conv2d>()) {
        trunc_normal_(conv->weight, kDefaultStd);
      } else if (auto* linear = m->as<nn::Linear>()) {
        trunc_normal_(linear->weight, item.key() == "AuxLogits.fc" ? kAuxFcStd : kDefaultStd);
      } else if (auto* bn = m->as<nn::BatchNorm2d>()) {
        nn::init::ones_(bn->weight);
        nn::init::zeros_(bn->bias);
      }
    }
  }

  Outputs forward_all(torch::Tensor x) override {
    TORCH_CHECK(x.dim() == 4 && x.size(2) >= 75 && x.size(3) >= 75,
                "inception_v3 expects [B, C, H >= 75, W >= 75], got ", x.sizes());
    if (transform_input_) {
      TORCH_CHECK(x.size(1) == 3, "inception_v3's transform_input needs 3 channels, got ", x.sizes());
      x = torch::cat({x.select(1, 0).unsqueeze(1) * (0.229 / 0.5) + (0.485 - 0.5) / 0.5,
                      x.select(1, 1).unsqueeze(1) * (0.224 / 0.5) + (0.456 - 0.5) / 0.5,
                      x.select(1, 2).unsqueeze(1) * (0.225 / 0.5) + (0.406 - 0.5) / 0.5},
                     1);
    }
    x = maxpool1_(Conv2d_2b_3x3_(Conv2d_2a_3x3_(Conv2d_1a_3x3_(x))));
    x = maxpool2_(Conv2d_4a_3x3_(Conv2d_3b_1x1_(x)));
    x = Mixed_5d_(Mixed_5c_(Mixed_5b_(x)));
    x = Mixed_6e_(Mixed_6d_(Mixed_6c_(Mixed_6b_(Mixed_6a_(x)))));
    torch::Tensor aux;
    if (AuxLogits_ && is_training()) aux = AuxLogits_(x);
    x = Mixed_7c_(Mixed_7b_(Mixed_7a_(x)));
    x = torch::flatten(dropout_(avgpool_(x)), 1);
    return {fc_(x), aux};
  }

  void reset_head(int64_t num_classes) override {
    if (num_classes < 1) throw make_error("models", "inception_v3 head needs num_classes >= 1, got {}", num_classes);
    nn::Linear fresh = make_linear(fc_->options.in_features(), num_classes, kDefaultStd);
    fresh->to(fc_->weight.device(), fc_->weight.scalar_type());
    fresh->train(is_training());
    fc_ = replace_module("fc", fresh);
    if (AuxLogits_) AuxLogits_->replace_fc(make_linear(768, num_classes, kAuxFcStd));
    num_classes_ = num_classes;
  }
  std::vector<std::string> head_prefixes() const override { return {"fc.", "AuxLogits.fc."}; }
  std::string stem_conv() const override { return "Conv2d_1a_3x3.conv"; }
  int64_t num_classes() const override { return num_classes_; }

 private:
  int64_t num_classes_;
  bool transform_input_;
  // Members carry torchvision's attribute names (hence not snake_case) so each matches its registered child.
  BasicConv2d Conv2d_1a_3x3_{nullptr}, Conv2d_2a_3x3_{nullptr}, Conv2d_2b_3x3_{nullptr}, Conv2d_3b_1x1_{nullptr},
      Conv2d_4a_3x3_{nullptr};
  nn::MaxPool2d maxpool1_{nullptr}, maxpool2_{nullptr};
  InceptionA Mixed_5b_{nullptr}, Mixed_5c_{nullptr}, Mixed_5d_{nullptr};
  InceptionB Mixed_6a_{nullptr};
  InceptionC Mixed_6b_{nullptr}, Mixed_6c_{nullptr}, Mixed_6d_{nullptr}, Mixed_6e_{nullptr};
  InceptionAux AuxLogits_{nullptr};
  InceptionD Mixed_7a_{nullptr};
  InceptionE Mixed_7b_{nullptr}, Mixed_7c_{nullptr};
  nn::AdaptiveAvgPool2d avgpool_{nullptr};
  nn::Dropout dropout_{nullptr};
  nn::Linear fc_{nullptr};
};

}  // namespace

std::shared_ptr<Classifier> inception_v3(const ModelConfig& config, bool transform_input) {
  return std::make_shared<InceptionV3Impl>(config, transform_input);
}

}  // namespace mgc::models
