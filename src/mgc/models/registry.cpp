#include "mgc/models/registry.h"

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "mgc/core/error.h"
#include "mgc/models/audio_cnn.h"
#include "mgc/models/classifier.h"
#include "mgc/models/densenet.h"
#include "mgc/models/efficientnet.h"
#include "mgc/models/inception.h"
#include "mgc/models/mobilenet.h"
#include "mgc/models/musicnn.h"
#include "mgc/models/resnet.h"
#include "mgc/models/vgg.h"

namespace mgc::models {
namespace {

std::vector<ModelInfo> build_registry() {
  const std::string resnet_paper = "He et al., Deep Residual Learning for Image Recognition, CVPR 2016";
  const std::string vgg_paper = "Simonyan & Zisserman, Very Deep Convolutional Networks, ICLR 2015";
  std::vector<ModelInfo> r;
  for (int depth : {18, 34, 50})
    r.push_back({"resnet" + std::to_string(depth), "resnet",
                 fmt::format("ResNet-{} ({} blocks)", depth, depth == 50 ? "bottleneck" : "basic"), resnet_paper, 224,
                 32, [depth](const ModelConfig& c) { return resnet(depth, c); }});
  for (int depth : {16, 19})
    for (bool bn : {false, true})
      r.push_back({fmt::format("vgg{}{}", depth, bn ? "_bn" : ""), "vgg",
                   fmt::format("VGG-{}{}", depth, bn ? " with batch normalisation" : ""), vgg_paper, 224, 32,
                   [depth, bn](const ModelConfig& c) { return vgg(depth, bn, c); }});
  r.push_back({"densenet121", "densenet", "DenseNet-121 (growth 32, blocks 6-12-24-16)",
               "Huang et al., Densely Connected Convolutional Networks, CVPR 2017", 224, 32,
               [](const ModelConfig& c) { return densenet121(c); }});
  r.push_back({"inception_v3", "inception", "Inception-v3 (auxiliary head switchable)",
               "Szegedy et al., Rethinking the Inception Architecture for Computer Vision, CVPR 2016", 299, 75,
               [](const ModelConfig& c) { return inception_v3(c); }});
  r.push_back({"mobilenet_v2", "mobilenet", "MobileNetV2 (width 1.0)",
               "Sandler et al., MobileNetV2: Inverted Residuals and Linear Bottlenecks, CVPR 2018", 224, 32,
               [](const ModelConfig& c) { return mobilenet_v2(c); }});
  r.push_back({"efficientnet_b0", "efficientnet", "EfficientNet-B0",
               "Tan & Le, EfficientNet: Rethinking Model Scaling for CNNs, ICML 2019", 224, 32,
               [](const ModelConfig& c) { return efficientnet_b0(c); }});
  r.push_back({"efficientnet_lite0", "efficientnet", "EfficientNet-Lite0 (B0 without squeeze-excitation, ReLU6)",
               "Tan & Le, EfficientNet, ICML 2019; EfficientNet-Lite, TensorFlow blog 2020", 224, 32,
               [](const ModelConfig& c) { return efficientnet_lite0(c); }});
  r.push_back({"audio_cnn", "audio_cnn", "Small log-mel CNN: 5 double-conv blocks, mean+max pooling (mgc)",
               "after Choi et al., Automatic Tagging Using Deep CNNs, ISMIR 2016", 128, 32,
               [](const ModelConfig& c) { return audio_cnn(c); }, 0, 0, true});
  const std::string musicnn_paper =
      "Pons & Serra, musicnn: Pre-trained convolutional neural networks for music audio tagging, ISMIR 2019 LBD";
  r.push_back({"musicnn", "musicnn",
               "musicnn: timbral + temporal front end, dense mid-end, temporal pooling (musicnn's log-mel, 96 x 187)",
               musicnn_paper, 187, 1, [](const ModelConfig& c) { return musicnn(c); }, 96, 0, true});
  r.push_back({"musicnn_vgg", "musicnn", "musicnn's VGG baseline: 5 x (3x3 conv 128, pooling), 96 x 187 only",
               musicnn_paper, 187, 187, [](const ModelConfig& c) { return musicnn_vgg(c); }, 96, 187, true});
  return r;
}

// Replaces the stem convolution's weight [out, 3, k, k] by one for `channels` inputs: for one channel the sum of
// the RGB kernels (timm's adapt_input_conv), otherwise the kernels tiled and rescaled by 3 / channels.
void adapt_stem(Classifier& model, int64_t channels) {
  const std::string name = model.stem_conv();
  std::shared_ptr<torch::nn::Module> module;
  for (const auto& m : model.named_modules())
    if (m.key() == name) module = m.value();
  auto* conv = module ? module->as<torch::nn::Conv2d>() : nullptr;
  if (!conv) throw make_error("models", "stem '{}' of {} is not a Conv2d", name, model.name());
  const int64_t have = conv->weight.size(1);
  if (have == channels) return;
  torch::NoGradGuard no_grad;
  torch::Tensor w = conv->weight.detach();
  torch::Tensor adapted;
  if (channels == 1) {
    adapted = w.sum(1, /*keepdim=*/true);
  } else {
    const int64_t repeats = (channels + have - 1) / have;
    adapted = w.repeat({1, repeats, 1, 1}).slice(1, 0, channels) * (static_cast<double>(have) / channels);
  }
  conv->weight.set_data(adapted.contiguous());
  conv->options.in_channels(channels);
}

}  // namespace

void ModelConfig::validate() const {
  model_info(name);
  if (num_classes < 1 || num_classes > 100000)
    throw make_error("models", "ModelConfig.num_classes must be in 1..100000, got {}", num_classes);
  if (in_channels < 1 || in_channels > 64)
    throw make_error("models", "ModelConfig.in_channels must be in 1..64, got {}", in_channels);
  if (dropout > 1.0) throw make_error("models", "ModelConfig.dropout must be <= 1 (< 0: default), got {}", dropout);
}

const std::vector<ModelInfo>& registry() {
  static const std::vector<ModelInfo> r = build_registry();
  return r;
}

const ModelInfo& model_info(const std::string& name) {
  std::string known;
  for (const auto& m : registry()) {
    if (m.name == name) return m;
    known += (known.empty() ? "" : ", ") + m.name;
  }
  throw make_error("models", "unknown model '{}' (known: {})", name, known);
}

std::shared_ptr<Classifier> create_model(const ModelConfig& config) {
  config.validate();
  ModelConfig base = config;
  base.in_channels = 3;
  const bool own_stem = model_info(config.name).log_mel_stem;
  if (own_stem) base.in_channels = config.in_channels;
  std::shared_ptr<Classifier> model = model_info(config.name).factory(base);
  if (!own_stem) adapt_stem(*model, config.in_channels);
  return model;
}

ModelStats model_stats(const Classifier& model) {
  ModelStats s;
  for (const auto& p : model.parameters()) {
    s.parameters += p.numel();
    if (p.requires_grad()) s.trainable_parameters += p.numel();
  }
  for (const auto& m : model.modules(/*include_self=*/false))
    if (m->as<torch::nn::Conv2d>() || m->as<torch::nn::Conv1d>() || m->as<torch::nn::Linear>()) ++s.depth;
  return s;
}

}  // namespace mgc::models
