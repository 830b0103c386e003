// mgc weights inspect FILE: what a weight file (or TensorFlow checkpoint) holds (format, unwrapping, every tensor's name, shape and dtype).
// mgc weights convert IN OUT.safetensors: any supported weight file -> .safetensors, without Python.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/models/weights.h"

namespace mgc::cli {
namespace {

struct Options {
  bool quiet = false;
  std::string input;
  std::string output;
};

const char* dtype_name(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32:
      return "float32";
    case torch::kFloat16:
      return "float16";
    case torch::kBFloat16:
      return "bfloat16";
    case torch::kFloat64:
      return "float64";
    case torch::kInt64:
      return "int64";
    case torch::kInt32:
      return "int32";
    case torch::kInt16:
      return "int16";
    case torch::kInt8:
      return "int8";
    case torch::kUInt8:
      return "uint8";
    case torch::kBool:
      return "bool";
    default:
      return c10::toString(t);
  }
}

std::string shape_str(torch::IntArrayRef s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

void inspect(const Options& o) {
  const models::StateDict sd = models::read_weights(o.input);
  std::printf("file:       %s\n", o.input.c_str());
  std::printf("format:     %s\n", sd.format.c_str());
  std::printf("unwrapped:  %s\n", sd.unwrapped.empty() ? "no (top-level state_dict)" : sd.unwrapped.c_str());
  std::printf("tensors:    %zu\n", sd.tensors.size());
  size_t width = 0;
  for (const auto& kv : sd.tensors) width = std::max(width, kv.first.size());
  width = std::min<size_t>(width, 60);
  for (const auto& [name, t] : sd.tensors)
    std::printf("  %-*s  %-9s %s\n", static_cast<int>(width), name.c_str(), dtype_name(t.scalar_type()),
                shape_str(t.sizes()).c_str());
  std::printf("parameters: %lld (numel over all tensors, buffers included)\n", static_cast<long long>(sd.numel()));
}

void convert(const Options& o) {
  const std::string suffix = ".safetensors";
  if (o.output.size() <= suffix.size() || o.output.compare(o.output.size() - suffix.size(), suffix.size(), suffix))
    throw make_error("weights", "output '{}' must end in .safetensors (the only format written)", o.output);
  const models::StateDict sd = models::read_weights(o.input);
  models::write_safetensors(o.output, sd.tensors);
  if (o.quiet) return;
  std::printf("read %s (%s%s%s): %zu tensors, %lld values\n", o.input.c_str(), sd.format.c_str(),
              sd.unwrapped.empty() ? "" : ", unwrapped ", sd.unwrapped.c_str(), sd.tensors.size(),
              static_cast<long long>(sd.numel()));
  std::printf("wrote %s\n", o.output.c_str());
}

}  // namespace

void register_weights(CLI::App& app) {
  CLI::App* cmd = add_command(app, "weights");
  cmd->require_subcommand(1);

  auto inspect_opts = std::make_shared<Options>();
  CLI::App* ins = cmd->add_subcommand("inspect", "Print a weight file's format, tensors (name, dtype, shape) and size");
  ins->add_option("file", inspect_opts->input,
                  "PyTorch checkpoint (zip or legacy), .safetensors, or a TensorFlow checkpoint (its .index, its "
                  "prefix, or its folder)")
      ->required();
  ins->callback([inspect_opts] { inspect(*inspect_opts); });

  auto convert_opts = std::make_shared<Options>();
  CLI::App* conv = cmd->add_subcommand("convert", "Convert a weight file to .safetensors (tensors as saved)");
  conv->add_option("input", convert_opts->input,
                   "PyTorch checkpoint (zip or legacy), .safetensors, or a TensorFlow checkpoint (.index, prefix or "
                   "folder)")
      ->required();
  conv->add_option("output", convert_opts->output, "The .safetensors file to write")->required();
  conv->add_flag("-q,--quiet", convert_opts->quiet, "Print nothing on success");
  conv->callback([convert_opts] { convert(*convert_opts); });
}

}  // namespace mgc::cli
