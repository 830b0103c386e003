#include "mgc/models/musicnn.h"

#include <torch/nn/functional.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>

#include <torch/torch.h>

#include "mgc/core/error.h"
#include "mgc/models/python_packages.h"

namespace mgc::models {
namespace {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

constexpr double kTfBnEps = 1e-3;  // tf.compat.v1.layers.batch_normalization's default epsilon
constexpr int64_t kMels = 96;

// musicnn/configuration.py, in output order.
const std::vector<std::string> kMsdTags = {
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists", "dance", "00s", "alternative rock",
    "jazz", "beautiful", "metal", "chillout", "male vocalists", "classic rock", "soul", "indie rock", "Mellow",
    "electronica", "80s", "folk", "90s", "chill", "instrumental", "punk", "oldies", "blues", "hard rock", "ambient",
    "acoustic", "experimental", "female vocalist", "guitar", "Hip-Hop", "70s", "party", "country", "easy listening",
    "sexy", "catchy", "funk", "electro", "heavy metal", "Progressive rock", "60s", "rnb", "indie pop", "sad", "House",
    "happy"};
const std::vector<std::string> kMttTags = {
    "guitar", "classical", "slow", "techno", "strings", "drums", "electronic", "rock", "fast", "piano", "ambient",
    "beat", "violin", "vocal", "synth", "female", "indian", "opera", "male", "singing", "vocals", "no vocals",
    "harpsichord", "loud", "quiet", "flute", "woman", "male vocal", "no vocal", "pop", "soft", "sitar", "solo", "man",
    "classic", "choir", "voice", "new age", "dance", "male voice", "female vocal", "beats", "harp", "cello",
    "no voice", "weird", "country", "metal", "female voice", "choral"};

nn::BatchNorm2d bn2d(int64_t c) { return nn::BatchNorm2d(nn::BatchNormOptions(c).eps(kTfBnEps)); }
nn::BatchNorm1d bn1d(int64_t c) { return nn::BatchNorm1d(nn::BatchNormOptions(c).eps(kTfBnEps)); }

void check_channels(const ModelConfig& c, const char* name) {
  if (c.in_channels != 1)
    throw make_error("models", "{} takes one input channel (musicnn's log-mel), got in_channels {}", name,
                     c.in_channels);
}

torch::Tensor check_input(const torch::Tensor& x, const char* name, int64_t frames) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == 1 && x.size(2) == kMels && (frames == 0 || x.size(3) == frames), name,
              " expects [B, 1, 96, ", frames ? std::to_string(frames) : std::string("T"), "], got ", x.sizes());
  return x.transpose(2, 3);  // [B, 1, T, 96]: time on H, mel on W, as the TensorFlow graph lays it out
}

// conv (ReLU) -> BatchNorm, as musicnn's blocks apply them.
struct ConvBnImpl : nn::Module {
  ConvBnImpl(nn::Conv2dOptions o) : conv(register_module("conv", nn::Conv2d(o))), bn(register_module("bn", bn2d(o.out_channels()))) {}
  torch::Tensor forward(const torch::Tensor& x) { return bn(torch::relu(conv(x))); }
  nn::Conv2d conv;
  nn::BatchNorm2d bn;
};
TORCH_MODULE(ConvBn);

struct Conv1dBnImpl : nn::Module {
  Conv1dBnImpl(int64_t in, int64_t out)
      : conv(register_module("conv", nn::Conv1d(nn::Conv1dOptions(in, out, 7)))), bn(register_module("bn", bn1d(out))) {}
  torch::Tensor forward(const torch::Tensor& x) { return bn(torch::relu(conv(F::pad(x, F::PadFuncOptions({3, 3}))))); }
  nn::Conv1d conv;
  nn::BatchNorm1d bn;
};
TORCH_MODULE(Conv1dBn);

class MusicnnImpl : public MusicnnModel {
 public:
  explicit MusicnnImpl(const ModelConfig& c) : MusicnnModel("Musicnn"), num_classes_(c.num_classes) {
    check_channels(c, "musicnn");
    bn_input_ = register_module("bn_input", bn2d(1));
    // Timbral [7 x 0.4*96] and [7 x 0.7*96], 1.6 * 128 filters; temporal [128|64|32 x 1], 1.6 * 32 filters.
    for (int64_t width : {38, 67}) frontend_->push_back(ConvBn(nn::Conv2dOptions(1, 204, {7, width})));
    for (int64_t length : {128, 64, 32}) frontend_->push_back(ConvBn(nn::Conv2dOptions(1, 51, {length, 1})));
    register_module("frontend", frontend_);
    for (int64_t in : {561, 64, 64}) midend_->push_back(Conv1dBn(in, 64));
    register_module("midend", midend_);
    backend_ = register_module("backend", std::make_shared<Backend>());
    const double p = c.dropout >= 0 ? c.dropout : 0.5;
    dropout_pool_ = register_module("dropout_pool", nn::Dropout(p));
    dropout_dense_ = register_module("dropout_dense", nn::Dropout(p));
    fc_ = register_module("fc", nn::Linear(200, num_classes_));
  }

  torch::Tensor embed(torch::Tensor x) override {
    x = bn_input_(check_input(x, "musicnn", 0));
    const torch::Tensor padded = F::pad(x, F::PadFuncOptions({0, 0, 3, 3}));
    std::vector<torch::Tensor> front;
    for (size_t i = 0; i < frontend_->size(); ++i) {
      auto block = frontend_->ptr<ConvBnImpl>(i);
      torch::Tensor in = padded;
      if (i >= 2) {  // TensorFlow's 'same' along time: (k - 1) / 2 frames before, the rest after
        const int64_t k = block->conv->options.kernel_size()->at(0);
        in = F::pad(x, F::PadFuncOptions({0, 0, (k - 1) / 2, k - 1 - (k - 1) / 2}));
      }
      front.push_back(block->forward(in).amax(3));  // max over mel: [B, filters, T]
    }
    const torch::Tensor f = torch::cat(front, 1);  // [B, 561, T]
    const torch::Tensor m1 = midend_->ptr<Conv1dBnImpl>(0)->forward(f);
    const torch::Tensor m2 = midend_->ptr<Conv1dBnImpl>(1)->forward(m1) + m1;
    const torch::Tensor m3 = midend_->ptr<Conv1dBnImpl>(2)->forward(m2) + m2;
    const torch::Tensor all = torch::cat({f, m1, m2, m3}, 1);  // [B, 753, T]
    // Temporal pooling: (max, mean) per feature, interleaved as TensorFlow flattens [B, 753, 2].
    torch::Tensor pooled = torch::stack({all.amax(2), all.mean(2)}, 2).flatten(1);
    pooled = dropout_pool_(backend_->bn_pool(pooled));
    return backend_->bn_dense(torch::relu(backend_->dense(pooled)));
  }

  Outputs forward_all(torch::Tensor x) override { return {fc_(dropout_dense_(embed(std::move(x)))), {}}; }
  void reset_head(int64_t num_classes) override {
    num_classes_ = num_classes;
    fc_ = replace_module("fc", nn::Linear(200, num_classes));
  }
  std::vector<std::string> head_prefixes() const override { return {"fc."}; }
  std::string stem_conv() const override { return "frontend.0.conv"; }
  int64_t num_classes() const override { return num_classes_; }

 private:
  struct Backend : nn::Module {
    Backend() {
      bn_pool = register_module("bn_pool", bn1d(1506));
      dense = register_module("dense", nn::Linear(1506, 200));
      bn_dense = register_module("bn_dense", bn1d(200));
    }
    nn::BatchNorm1d bn_pool{nullptr};
    nn::Linear dense{nullptr};
    nn::BatchNorm1d bn_dense{nullptr};
  };

  int64_t num_classes_;
  nn::BatchNorm2d bn_input_{nullptr};
  nn::ModuleList frontend_;
  nn::ModuleList midend_;
  std::shared_ptr<Backend> backend_;
  nn::Dropout dropout_pool_{nullptr}, dropout_dense_{nullptr};
  nn::Linear fc_{nullptr};
};

class MusicnnVggImpl : public MusicnnModel {
 public:
  static constexpr int64_t kFrames = 187;  // the flattened map is [2, 1, 128] only for 3 s patches

  explicit MusicnnVggImpl(const ModelConfig& c) : MusicnnModel("MusicnnVgg"), num_classes_(c.num_classes) {
    check_channels(c, "musicnn_vgg");
    bn_input_ = register_module("bn_input", bn2d(1));
    for (int64_t i = 0; i < 5; ++i)
      features_->push_back(ConvBn(nn::Conv2dOptions(i == 0 ? 1 : 128, 128, 3).padding(1)));
    register_module("features", features_);
    dropout_ = register_module("dropout", nn::Dropout(c.dropout >= 0 ? c.dropout : 0.5));
    fc_ = register_module("fc", nn::Linear(256, num_classes_));
  }

  torch::Tensor embed(torch::Tensor x) override {
    x = bn_input_(check_input(x, "musicnn_vgg", kFrames));
    // (kernel, stride) of each block's max-pool, time x mel; dropout 0.25 after the first four.
    const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> pools = {
        {{4, 1}, {2, 2}}, {{2, 2}, {2, 2}}, {{2, 2}, {2, 2}}, {{2, 2}, {2, 2}}, {{4, 4}, {4, 4}}};
    for (size_t i = 0; i < pools.size(); ++i) {
      x = F::max_pool2d(features_->ptr<ConvBnImpl>(i)->forward(x),
                        F::MaxPool2dFuncOptions(pools[i].first).stride(pools[i].second));
      if (i + 1 < pools.size()) x = F::dropout(x, F::DropoutFuncOptions().p(0.25).training(is_training()));
    }
    return x.permute({0, 2, 3, 1}).flatten(1);  // NHWC order: [B, 2 * 1 * 128]
  }

  Outputs forward_all(torch::Tensor x) override { return {fc_(dropout_(embed(std::move(x)))), {}}; }
  void reset_head(int64_t num_classes) override {
    num_classes_ = num_classes;
    fc_ = replace_module("fc", nn::Linear(256, num_classes));
  }
  std::vector<std::string> head_prefixes() const override { return {"fc."}; }
  std::string stem_conv() const override { return "features.0.conv"; }
  int64_t num_classes() const override { return num_classes_; }

 private:
  int64_t num_classes_;
  nn::BatchNorm2d bn_input_{nullptr};
  nn::ModuleList features_;
  nn::Dropout dropout_{nullptr};
  nn::Linear fc_{nullptr};
};

// TensorFlow's layer names by creation order -> mgc's module names.
const std::map<std::string, std::string>& musicnn_layer_names() {
  static const std::map<std::string, std::string> m = {
      {"batch_normalization", "bn_input"},        {"conv2d", "frontend.0.conv"},
      {"batch_normalization_1", "frontend.0.bn"}, {"conv2d_1", "frontend.1.conv"},
      {"batch_normalization_2", "frontend.1.bn"}, {"conv2d_2", "frontend.2.conv"},
      {"batch_normalization_3", "frontend.2.bn"}, {"conv2d_3", "frontend.3.conv"},
      {"batch_normalization_4", "frontend.3.bn"}, {"conv2d_4", "frontend.4.conv"},
      {"batch_normalization_5", "frontend.4.bn"}, {"conv2d_5", "midend.0.conv"},
      {"batch_normalization_6", "midend.0.bn"},   {"conv2d_6", "midend.1.conv"},
      {"batch_normalization_7", "midend.1.bn"},   {"conv2d_7", "midend.2.conv"},
      {"batch_normalization_8", "midend.2.bn"},   {"batch_normalization_9", "backend.bn_pool"},
      {"dense", "backend.dense"},                 {"batch_normalization_10", "backend.bn_dense"},
      {"dense_1", "fc"}};
  return m;
}

const std::map<std::string, std::string>& vgg_layer_names() {
  static const std::map<std::string, std::string> m = {
      {"batch_normalization", "bn_input"}, {"1CNN", "features.0.conv"}, {"batch_normalization_1", "features.0.bn"},
      {"2CNN", "features.1.conv"},         {"batch_normalization_2", "features.1.bn"},
      {"3CNN", "features.2.conv"},         {"batch_normalization_3", "features.2.bn"},
      {"4CNN", "features.3.conv"},         {"batch_normalization_4", "features.3.bn"},
      {"5CNN", "features.4.conv"},         {"batch_normalization_5", "features.4.bn"},
      {"dense", "fc"}};
  return m;
}

bool is_optimizer_state(const std::string& name) {
  return name == "beta1_power" || name == "beta2_power" || std::regex_search(name, std::regex("/Adam(_[0-9]+)?$"));
}

}  // namespace

std::shared_ptr<Classifier> musicnn(const ModelConfig& config) { return std::make_shared<MusicnnImpl>(config); }
std::shared_ptr<Classifier> musicnn_vgg(const ModelConfig& config) {
  return std::make_shared<MusicnnVggImpl>(config);
}

const std::vector<MusicnnCheckpoint>& musicnn_checkpoints() {
  static const std::vector<MusicnnCheckpoint> c = {{"MSD_musicnn", "musicnn", "msd", &kMsdTags},
                                                    {"MTT_musicnn", "musicnn", "mtt", &kMttTags},
                                                    {"MSD_vgg", "musicnn_vgg", "msd", &kMsdTags},
                                                    {"MTT_vgg", "musicnn_vgg", "mtt", &kMttTags}};
  return c;
}

const MusicnnCheckpoint& musicnn_checkpoint(const std::string& name) {
  auto lower = [](std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  std::string known;
  for (const auto& c : musicnn_checkpoints()) {
    if (lower(c.name) == lower(name)) return c;
    known += (known.empty() ? "" : ", ") + lower(c.name);
  }
  throw make_error("models", "unknown musicnn checkpoint '{}' (known: {})", name, known);
}

bool is_musicnn_tf_layout(const StateDict& weights) {
  if (weights.format != "tensorflow") return false;
  for (const auto& [name, t] : weights.tensors)
    if (name == "conv2d/kernel" || name == "1CNN/kernel") return true;
  return false;
}

StateDict map_musicnn_weights(const StateDict& tf) {
  const bool vgg = tf.find("1CNN/kernel") != nullptr;
  const auto& layers = vgg ? vgg_layer_names() : musicnn_layer_names();
  StateDict out;
  out.format = tf.format;
  out.unwrapped = vgg ? "musicnn TensorFlow (VGG)" : "musicnn TensorFlow";
  std::vector<std::string> unplaced;
  static const std::map<std::string, std::string> kBn = {
      {"gamma", "weight"}, {"beta", "bias"}, {"moving_mean", "running_mean"}, {"moving_variance", "running_var"}};
  for (const auto& [name, t] : tf.tensors) {
    if (is_optimizer_state(name)) continue;
    const auto slash = name.rfind('/');
    const std::string layer = slash == std::string::npos ? name : name.substr(0, slash);
    const std::string leaf = slash == std::string::npos ? "" : name.substr(slash + 1);
    const auto it = layers.find(layer);
    if (it == layers.end()) {
      unplaced.push_back(name);
      continue;
    }
    const std::string& module = it->second;
    if (layer.rfind("batch_normalization", 0) == 0) {
      const auto b = kBn.find(leaf);
      if (b == kBn.end()) {
        unplaced.push_back(name);
        continue;
      }
      out.tensors.emplace_back(module + "." + b->second, t);
      if (leaf == "moving_mean")  // TensorFlow keeps no count; torch's BatchNorm has the buffer
        out.tensors.emplace_back(module + ".num_batches_tracked", torch::zeros({}, torch::kInt64));
    } else if (leaf == "bias") {
      out.tensors.emplace_back(module + ".bias", t);
    } else if (leaf == "kernel" && t.dim() == 2) {  // dense [in, out] -> Linear [out, in]
      out.tensors.emplace_back(module + ".weight", t.t().contiguous());
    } else if (leaf == "kernel" && t.dim() == 4) {
      // conv [kh, kw, in, out]; the mid-end's [7, C, 1, 64] spans every feature: a Conv1d [64, C, 7].
      const bool conv1d = module.rfind("midend.", 0) == 0;
      out.tensors.emplace_back(module + ".weight", conv1d ? t.squeeze(2).permute({2, 1, 0}).contiguous()
                                                          : t.permute({3, 2, 0, 1}).contiguous());
    } else {
      unplaced.push_back(name);
    }
  }
  if (!unplaced.empty()) {
    std::string list;
    for (const auto& k : unplaced) list += (list.empty() ? "'" : ", '") + k + "'";
    throw make_error("models", "cannot place {} musicnn TensorFlow variable(s) by name: {}", unplaced.size(), list);
  }
  return out;
}

std::string find_musicnn_checkpoint(const std::string& any_case_name) {
  namespace fs = std::filesystem;
  const std::string& name = musicnn_checkpoint(any_case_name).name;  // the wheel's folder name
  auto has_index = [](const std::string& folder) {
    std::error_code ec;
    return fs::is_regular_file(fs::path(folder) / ".index", ec) ? folder : std::string();
  };
  if (const char* env = std::getenv("MGC_MUSICNN_DIR"); env && *env) {
    const std::string folder = (fs::path(env) / name).string();
    if (!has_index(folder).empty()) return folder;
    throw make_error("models", "$MGC_MUSICNN_DIR names '{}', which holds no checkpoint {} ({}/.index)", env, name,
                     folder);
  }
  std::vector<std::string> tried = {"$MGC_MUSICNN_DIR (unset)"};
  const std::string found = find_in_python_packages("musicnn/" + name, ".index", has_index, tried);
  if (!found.empty()) return found;
  std::string list;
  for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
  throw make_error("models",
                   "musicnn checkpoint {} not found (run scripts/setup-venv.sh, which pip-installs musicnn 0.1.0 "
                   "into <repo>/.venv, or set MGC_MUSICNN_DIR to the wheel's musicnn folder); looked in: {}",
                   name, list);
}

std::shared_ptr<MusicnnModel> load_musicnn(const MusicnnCheckpoint& checkpoint, const std::string& folder) {
  const std::string dir = folder.empty() ? find_musicnn_checkpoint(checkpoint.name) : folder;
  ModelConfig config;
  config.name = checkpoint.architecture;
  config.num_classes = static_cast<int64_t>(checkpoint.tags->size());
  config.in_channels = 1;
  auto model = std::dynamic_pointer_cast<MusicnnModel>(create_model(config));
  if (!model) throw make_error("models", "{} is not a musicnn model", config.name);
  const StateDict tf = read_weights(dir);
  if (!is_musicnn_tf_layout(tf))
    throw make_error("models", "'{}' is not a musicnn TensorFlow checkpoint (no conv2d/kernel or 1CNN/kernel)", dir);
  load_state_dict(*model, map_musicnn_weights(tf), /*strict=*/true);
  model->eval();
  return model;
}

}  // namespace mgc::models
