#include "mgc/models/weights.h"

#include <torch/torch.h>

#include <fstream>
#include <map>
#include <set>

#include "mgc/core/error.h"

namespace mgc::models {
namespace {

std::string shape_str(const torch::IntArrayRef& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

bool has_prefix(const std::string& name, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes)
    if (name.rfind(p, 0) == 0) return true;
  return false;
}

}  // namespace

const torch::Tensor* StateDict::find(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

int64_t StateDict::numel() const {
  int64_t n = 0;
  for (const auto& kv : tensors) n += kv.second.numel();
  return n;
}

StateDict read_weights(const std::string& path) {
  if (is_tf_checkpoint(path)) return read_tf_checkpoint(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw make_error("weights", "'{}': cannot open", path);
  char head[4] = {};
  in.read(head, 4);
  if (in.gcount() < 4) throw make_error("weights", "'{}': too short to be a weight file", path);
  // Zip archives start with "PK"; pickles (the legacy format) with the PROTO opcode 0x80.
  if ((head[0] == 'P' && head[1] == 'K') || static_cast<unsigned char>(head[0]) == 0x80) return read_pytorch(path);
  return read_safetensors(path);
}

std::string LoadReport::summary() const {
  std::string out = fmt::format("{} tensor(s) loaded", loaded);
  auto list = [&out](const char* what, const std::vector<std::string>& names) {
    if (names.empty()) return;
    out += fmt::format("; {} {}:", names.size(), what);
    for (size_t i = 0; i < names.size() && i < 20; ++i) out += " " + names[i];
    if (names.size() > 20) out += fmt::format(" ... and {} more", names.size() - 20);
  };
  list("missing from the file", missing);
  list("unexpected in the file", unexpected);
  list("with mismatched shapes", mismatched);
  return out;
}

LoadReport load_state_dict(torch::nn::Module& module, const StateDict& weights, bool strict,
                           const std::vector<std::string>& skip_prefixes) {
  std::map<std::string, torch::Tensor> targets;
  std::vector<std::string> order;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) targets[p.key()] = p.value(), order.push_back(p.key());
  for (const auto& b : module.named_buffers(/*recurse=*/true)) targets[b.key()] = b.value(), order.push_back(b.key());

  LoadReport report;
  std::set<std::string> seen;
  std::vector<std::pair<torch::Tensor, const torch::Tensor*>> copies;
  for (const auto& [name, tensor] : weights.tensors) {
    if (has_prefix(name, skip_prefixes)) continue;
    seen.insert(name);
    auto it = targets.find(name);
    if (it == targets.end()) {
      report.unexpected.push_back(name);
    } else if (it->second.sizes() != tensor.sizes()) {
      report.mismatched.push_back(name + ": file " + shape_str(tensor.sizes()) + " vs model " +
                                  shape_str(it->second.sizes()));
    } else {
      copies.emplace_back(it->second, &tensor);
    }
  }
  for (const auto& name : order)
    if (!seen.count(name) && !has_prefix(name, skip_prefixes)) report.missing.push_back(name);

  if (strict && !report.ok()) throw make_error("weights", "state_dict does not match the model: {}", report.summary());
  torch::NoGradGuard no_grad;
  for (auto& [target, source] : copies) {
    target.copy_(source->to(target.dtype()));
    ++report.loaded;
  }
  return report;
}

}  // namespace mgc::models
