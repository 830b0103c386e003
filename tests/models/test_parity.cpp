// Parity with torchvision 0.14: the same state_dict keys and shapes, and the same eval-mode logits to 1e-4
// relative, on fixtures that tests/models/make_torchvision_fixtures.py writes at test time (MGC_TV_FIXTURES).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"
#include "mgc/models/weights.h"

using namespace mgc::models;

namespace {

std::string fixture_dir() {
  const char* dir = std::getenv("MGC_TV_FIXTURES");
  return dir ? dir : "";
}

}  // namespace

class TorchvisionParity : public ::testing::TestWithParam<const char*> {};

TEST_P(TorchvisionParity, SameKeysShapesAndLogits) {
  const std::string name = GetParam();
  const std::string dir = fixture_dir();
  ASSERT_FALSE(dir.empty()) << "MGC_TV_FIXTURES is not set (CTest sets it)";
  ASSERT_TRUE(std::filesystem::exists(dir + "/" + name + ".safetensors")) << "fixture missing in " << dir;
  const StateDict weights = read_weights(dir + "/" + name + ".safetensors");
  const StateDict io = read_weights(dir + "/" + name + ".io.safetensors");

  ModelConfig config;
  config.name = name;
  auto model = create_model(config);

  // Keys: named_parameters() + named_buffers() equal torchvision's state_dict() keys, shapes included.
  std::set<std::string> ours, theirs;
  for (const auto& p : model->named_parameters()) ours.insert(p.key());
  for (const auto& b : model->named_buffers()) ours.insert(b.key());
  for (const auto& [k, t] : weights.tensors) theirs.insert(k);
  EXPECT_EQ(ours, theirs);

  const LoadReport report = load_state_dict(*model, weights, /*strict=*/true);
  EXPECT_EQ(report.loaded, static_cast<int64_t>(weights.tensors.size()));

  // torchvision's own file format (torch.save, zip) holds bit-identical tensors under the same names.
  const std::string pth = dir + "/" + name + ".pth";
  if (std::filesystem::exists(pth)) {
    const StateDict from_pth = read_weights(pth);
    ASSERT_EQ(from_pth.tensors.size(), weights.tensors.size());
    for (const auto& [k, t] : weights.tensors) {
      const torch::Tensor* u = from_pth.find(k);
      ASSERT_NE(u, nullptr) << k;
      EXPECT_TRUE(u->scalar_type() == t.scalar_type() && torch::equal(*u, t)) << k;
    }
  } else {
    EXPECT_TRUE(name == "vgg16_bn" || name == "vgg19" || name == "vgg19_bn") << "missing " << pth;
  }

  model->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor logits = model->forward(*io.find("input"));
  const torch::Tensor expected = *io.find("logits");
  ASSERT_EQ(logits.sizes(), expected.sizes());
  const double scale = expected.abs().max().item<double>();
  const double err = (logits - expected).abs().max().item<double>();
  std::printf("[ parity   ] %s: max |logit error| %.3g (max |logit| %.3g)\n", name.c_str(), err, scale);
  EXPECT_LE(err, 1e-4 * scale) << name;
}

INSTANTIATE_TEST_SUITE_P(Torchvision, TorchvisionParity,
                         ::testing::Values("resnet18", "resnet34", "resnet50", "vgg16", "vgg16_bn", "vgg19",
                                           "vgg19_bn", "densenet121", "inception_v3", "mobilenet_v2",
                                           "efficientnet_b0"),
                         [](const auto& info) { return std::string(info.param); });
