#pragma once
// TorchScript export by tracing: a C++ module's forward, run once on an example input with libtorch's JIT tracer
// recording every operator, becomes a TorchScript module that Python (`torch.jit.load`) and C++
// (`torch::jit::load`) run with no mgc code. libtorch's C++ API cannot script a C++ module (there is no source to
// compile), but the tracer records at the dispatcher, below the C++ module classes, so tracing works the same as
// from Python.
//
// What tracing keeps: the operators run on the example, with the example's control flow frozen. Batch size and
// the time axis stay free for shape-agnostic models (every mgc model: no Python-style size branches inside
// forward); anything the forward decides from a shape (Inception's aux head, built only for >= 299 px inputs)
// is decided at export.
#include <torch/nn/module.h>
#include <torch/types.h>

#include <functional>
#include <map>
#include <string>

namespace mgc::models {

// Traces fn(example) in eval mode without gradients and saves the result as a TorchScript archive at path
// (written to a temporary file and renamed). The saved module mirrors `module`: the same submodule tree
// and parameter/buffer names (e.g. "layer1.0.conv1.weight"), each a copy of the tensor's current value;
// every tensor fn reads that is not in `module` is baked in as a constant. `extra_files` are stored in the
// archive (read them with torch.jit.load(path, _extra_files={...})). `class_name` names the module's type
// (e.g. "AudioCNN"). The module is put back in its previous train/eval mode afterwards.
// Throws mgc::Error naming path when tracing or writing fails, and when fn's output is not one tensor.
void export_torchscript(torch::nn::Module& module, const std::function<torch::Tensor(const torch::Tensor&)>& fn,
                        const torch::Tensor& example, const std::string& path, const std::string& class_name,
                        const std::map<std::string, std::string>& extra_files = {});

}  // namespace mgc::models
