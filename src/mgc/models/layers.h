#pragma once
// Small building pieces shared by the model families.
#include <torch/nn/modules/linear.h>

#include <functional>
#include <string>

namespace mgc::models {

// Gives `head` fresh tensors for `num_classes` outputs, initialised by `init`, keeping the module itself (a
// torch::nn::Sequential holds its own handle to it, so swapping the module would leave the Sequential stale).
// Device and dtype follow the old head; the new tensors train (requires_grad) even if the old ones were frozen.
// Throws mgc::Error naming `model` if num_classes < 1.
void renew_linear_head(torch::nn::LinearImpl& head, int64_t num_classes,
                       const std::function<void(torch::nn::LinearImpl&)>& init, const std::string& model);

// torchvision's initialisation of a CNN, module by module in registration order: Conv2d weights Kaiming-normal
// (fan_out, ReLU) with zero biases, BatchNorm2d weights 1 and biases 0, and each Linear by `init_linear`
// (the families differ there).
void init_like_torchvision(torch::nn::Module& model, const std::function<void(torch::nn::LinearImpl&)>& init_linear);

}  // namespace mgc::models
