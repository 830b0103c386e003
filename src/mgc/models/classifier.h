#pragma once
// The common face of every image/spectrogram classifier in mgc: torchvision-compatible module trees whose
// named_parameters() + named_buffers() equal torchvision's state_dict() keys, plus what transfer learning needs
// (which parameters are the head, which convolution is the stem).
#include <torch/nn/module.h>
#include <torch/types.h>

#include <string>
#include <vector>

namespace mgc::models {

struct Outputs {
  torch::Tensor logits;      // [B, num_classes]
  torch::Tensor aux_logits;  // [B, num_classes] from an auxiliary head (InceptionV3 in training), else undefined
};

class Classifier : public torch::nn::Module {
 public:
  using torch::nn::Module::Module;

  // x: [B, C, H, W] float32 (C = 3 for ImageNet models unless the stem was adapted) -> logits [B, num_classes].
  torch::Tensor forward(torch::Tensor x) { return forward_all(std::move(x)).logits; }

  // All outputs (main and auxiliary logits). Throws c10::Error (TORCH_CHECK) on a wrong input shape.
  virtual Outputs forward_all(torch::Tensor x) = 0;

  // Replaces the final classification layer with a freshly initialised one for num_classes (initialised as
  // torchvision initialises it). Other parameters are untouched.
  virtual void reset_head(int64_t num_classes) = 0;

  // Name prefixes (with the trailing dot) of the head's parameters, e.g. {"fc."} or {"classifier.6."}.
  virtual std::vector<std::string> head_prefixes() const = 0;

  // Name of the first convolution module (e.g. "conv1", "features.0.0"): its weight is adapted when the input
  // has another number of channels.
  virtual std::string stem_conv() const = 0;

  virtual int64_t num_classes() const = 0;

  // Module::train, except that BatchNorm layers frozen by freeze_backbone() stay in eval mode, so their
  // running statistics do not move while the head trains.
  void train(bool on = true) override;

  // Layers to keep in eval mode whatever train() says (see transfer.h). Empty: none.
  void set_frozen_norm_layers(std::vector<std::shared_ptr<torch::nn::Module>> layers);

 private:
  std::vector<std::shared_ptr<torch::nn::Module>> frozen_norm_layers_;
};

}  // namespace mgc::models
