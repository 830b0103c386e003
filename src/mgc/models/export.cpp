#include "mgc/models/export.h"

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/frontend/tracer.h>

#include <cctype>
#include <sstream>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"

namespace mgc::models {
namespace {

std::string type_name(const std::string& path) {
  std::string out = "__torch__.mgc.";
  for (char c : path) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

// A TorchScript module with module's submodule tree, parameters and buffers (the very same tensors, so that the
// tracer maps every read of them to an attribute access instead of a constant).
torch::jit::Module mirror(const torch::nn::Module& module, const std::string& qualified_name,
                          const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  torch::jit::Module out(c10::QualifiedName(qualified_name), cu, /*shouldMangle=*/true);
  out.register_attribute("training", c10::BoolType::get(), false);
  for (const auto& p : module.named_parameters(/*recurse=*/false)) {
    if (p.value().defined()) out.register_parameter(p.key(), p.value(), /*is_buffer=*/false);
  }
  for (const auto& b : module.named_buffers(/*recurse=*/false)) {
    if (b.value().defined()) out.register_parameter(b.key(), b.value(), /*is_buffer=*/true);
  }
  for (const auto& child : module.named_children()) {
    out.register_module(child.key(), mirror(*child.value(), qualified_name + "_" + child.key(), cu));
  }
  return out;
}

}  // namespace

void export_torchscript(torch::nn::Module& module, const std::function<torch::Tensor(const torch::Tensor&)>& fn,
                        const torch::Tensor& example, const std::string& path, const std::string& class_name,
                        const std::map<std::string, std::string>& extra_files) {
  const bool was_training = module.is_training();
  module.eval();
  torch::NoGradGuard no_grad;
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module traced = mirror(module, type_name(class_name), cu);
  try {
    auto [state, outputs] = torch::jit::tracer::trace(
        {example},
        [&fn](torch::jit::Stack inputs) -> torch::jit::Stack {
          return {fn(inputs.at(0).toTensor())};
        },
        [](const torch::autograd::Variable&) { return std::string(); }, /*strict=*/true,
        /*force_outplace=*/false, &traced, {"x"});
    if (outputs.size() != 1 || !outputs[0].isTensor()) {
      throw Error("export: the traced function must return one tensor (exporting '" + path + "')");
    }
    auto* forward = cu->create_function(c10::QualifiedName(*traced.type()->name(), "forward"), state->graph);
    traced.type()->addMethod(forward);
  } catch (const c10::Error& e) {
    module.train(was_training);
    throw Error("export: tracing failed for '" + path + "': " + e.what_without_backtrace());
  }
  module.train(was_training);

  // Copies, so that the archive never aliases tensors the caller goes on training.
  torch::jit::Module saved = traced.deepcopy();
  torch::jit::ExtraFilesMap extras(extra_files.begin(), extra_files.end());
  std::ostringstream archive;
  try {
    saved.save(archive, extras);
  } catch (const c10::Error& e) {
    throw Error("export: cannot serialise '" + path + "': " + e.what_without_backtrace());
  }
  write_file_atomic(path, archive.str());
}

}  // namespace mgc::models
