#include "mgc/models/layers.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <utility>

#include "mgc/core/error.h"

namespace mgc::models {

void renew_linear_head(torch::nn::LinearImpl& head, int64_t num_classes,
                       const std::function<void(torch::nn::LinearImpl&)>& init, const std::string& model) {
  if (num_classes < 1) throw make_error("models", "{} head needs num_classes >= 1, got {}", model, num_classes);
  torch::nn::Linear fresh(head.options.in_features(), num_classes);
  init(*fresh);
  torch::NoGradGuard no_grad;
  for (auto [target, source] : {std::pair{&head.weight, &fresh->weight}, std::pair{&head.bias, &fresh->bias}}) {
    target->set_data(source->to(target->device(), target->scalar_type()));
    target->mutable_grad().reset();
    target->requires_grad_(true);
  }
  head.options.out_features(num_classes);
}

void init_like_torchvision(torch::nn::Module& model, const std::function<void(torch::nn::LinearImpl&)>& init_linear) {
  namespace nn = torch::nn;
  for (auto& m : model.modules(/*include_self=*/false)) {
    if (auto* conv = m->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      if (conv->bias.defined()) nn::init::zeros_(conv->bias);
    } else if (auto* bn = m->as<nn::BatchNorm2d>()) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    } else if (auto* linear = m->as<nn::Linear>()) {
      init_linear(*linear);
    }
  }
}

}  // namespace mgc::models
