#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mgc/core/error.h"
#include "mgc/models/classifier.h"
#include "mgc/models/input.h"
#include "mgc/models/registry.h"
#include "mgc/models/transfer.h"

using namespace mgc::models;

namespace {

std::shared_ptr<Classifier> small_model() {
  ModelConfig c;
  c.name = "audio_cnn";
  c.num_classes = 4;
  c.in_channels = 1;
  torch::manual_seed(0);
  return create_model(c);
}

std::map<std::string, torch::Tensor> snapshot(const Classifier& m) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : m.named_parameters()) out[p.key()] = p.value().detach().clone();
  for (const auto& b : m.named_buffers()) out[b.key()] = b.value().detach().clone();
  return out;
}

void sgd_step(Classifier& m) {
  std::vector<torch::Tensor> trainable;
  for (const auto& p : m.parameters())
    if (p.requires_grad()) trainable.push_back(p);
  torch::optim::SGD opt(trainable, torch::optim::SGDOptions(0.1));
  m.train();
  opt.zero_grad();
  const torch::Tensor x = torch::randn({4, 1, 32, 32}) * 3.0 + 1.0;
  torch::nn::functional::cross_entropy(m.forward(x), torch::tensor({0, 1, 2, 3})).backward();
  opt.step();
}

}  // namespace

TEST(Transfer, FrozenBackboneKeepsWeightsAndNormStatistics) {
  auto m = small_model();
  const int64_t trainable = freeze_backbone(*m);
  EXPECT_EQ(trainable, 256 * 4 + 4);  // fc: (128 mean + 128 max) x 4 + bias
  const auto before = snapshot(*m);
  sgd_step(*m);
  for (const auto& p : m->named_parameters()) {
    const bool head = p.key().rfind("fc.", 0) == 0;
    EXPECT_EQ(torch::equal(p.value(), before.at(p.key())), !head) << p.key();
  }
  for (const auto& b : m->named_buffers())
    EXPECT_TRUE(torch::equal(b.value(), before.at(b.key()))) << b.key() << " moved while frozen";
}

TEST(Transfer, UnfreezeTrainsEverythingAgain) {
  auto m = small_model();
  freeze_backbone(*m);
  unfreeze_all(*m);
  for (const auto& p : m->parameters()) EXPECT_TRUE(p.requires_grad());
  const auto before = snapshot(*m);
  sgd_step(*m);
  EXPECT_FALSE(torch::equal(m->named_parameters()["features.0.weight"], before.at("features.0.weight")));
  EXPECT_FALSE(torch::equal(m->named_buffers()["features.1.running_mean"], before.at("features.1.running_mean")));
}

TEST(Transfer, FreezingWithoutNormStatsLetsThemMove) {
  auto m = small_model();
  freeze_backbone(*m, /*freeze_norm_stats=*/false);
  const auto before = snapshot(*m);
  sgd_step(*m);
  EXPECT_TRUE(torch::equal(m->named_parameters()["features.0.weight"], before.at("features.0.weight")));
  EXPECT_FALSE(torch::equal(m->named_buffers()["features.1.running_mean"], before.at("features.1.running_mean")));
}

TEST(Transfer, SetTrainableByPrefix) {
  auto m = small_model();
  freeze_backbone(*m);
  const int64_t changed = set_trainable(*m, {"features.28."}, true);  // the last conv: 128 x 128 x 3 x 3
  EXPECT_EQ(changed, 128 * 128 * 9);
  EXPECT_TRUE(m->named_parameters()["features.28.weight"].requires_grad());
  EXPECT_FALSE(m->named_parameters()["features.0.weight"].requires_grad());
  EXPECT_THROW(set_trainable(*m, {"layer9."}, true), mgc::Error);
}

TEST(Input, MonoAndImageNetNormalisation) {
  const torch::Tensor db = torch::tensor({-100.0f, -80.0f, -40.0f, 0.0f, 5.0f}).view({1, 1, 1, 5});
  const torch::Tensor mono = prepare_input(db, InputConfig{InputMode::Mono});
  EXPECT_TRUE(torch::allclose(mono.flatten(), torch::tensor({-2.0f, -2.0f, 0.0f, 2.0f, 2.0f})));
  const torch::Tensor rgb = prepare_input(db, InputConfig{InputMode::ImageNetRgb});
  ASSERT_EQ(rgb.sizes(), (std::vector<int64_t>{1, 3, 1, 5}));
  EXPECT_NEAR(rgb[0][0][0][3].item<float>(), (1.0 - 0.485) / 0.229, 1e-5);
  EXPECT_NEAR(rgb[0][2][0][0].item<float>(), (0.0 - 0.406) / 0.225, 1e-5);
  EXPECT_NEAR(rgb[0][1][0][2].item<float>(), (0.5 - 0.456) / 0.224, 1e-5);
  EXPECT_EQ(parse_input_mode("imagenet"), InputMode::ImageNetRgb);
  EXPECT_THROW(parse_input_mode("rgb"), mgc::Error);
  EXPECT_THROW(prepare_input(torch::zeros({1, 3, 4, 4}), InputConfig{}), c10::Error);
  // center_bands: each band's mean over time moves to the middle of the range (0 after the mono standardisation);
  // what changes in time is kept.
  const torch::Tensor bands =
      torch::tensor({-80.0f, -40.0f, -40.0f, 0.0f, -20.0f, -20.0f, -20.0f, -20.0f}).view({1, 1, 2, 4});
  InputConfig centred{InputMode::Mono};
  centred.norm = InputNorm::Band;
  const torch::Tensor c = prepare_input(bands, centred);
  // Band 0 in [0, 1]: 0, 0.5, 0.5, 1 (mean 0.5) -> unchanged -> -2, 0, 0, 2. Band 1: 0.75 constant -> 0.5 -> 0.
  EXPECT_TRUE(torch::allclose(c.flatten(), torch::tensor({-2.0f, 0.0f, 0.0f, 2.0f, 0.0f, 0.0f, 0.0f, 0.0f}), 0, 1e-6))
      << c;
  InputConfig centred_rgb{InputMode::ImageNetRgb};
  centred_rgb.norm = InputNorm::Band;
  EXPECT_NEAR(prepare_input(bands, centred_rgb)[0][1][1][2].item<float>(), (0.5 - 0.456) / 0.224, 1e-5);
  // Both: the plain channel, then the band-normed one.
  InputConfig both{InputMode::Mono};
  both.norm = InputNorm::Both;
  EXPECT_EQ(both.channels(), 2);
  const torch::Tensor two = prepare_input(bands, both);
  ASSERT_EQ(two.sizes(), (std::vector<int64_t>{1, 2, 2, 4}));
  EXPECT_TRUE(torch::allclose(two.select(1, 0), prepare_input(bands, InputConfig{InputMode::Mono}).select(1, 0)));
  EXPECT_TRUE(torch::allclose(two.select(1, 1), c.select(1, 0)));
  InputConfig both_rgb{InputMode::ImageNetRgb};
  both_rgb.norm = InputNorm::Both;
  EXPECT_THROW(both_rgb.validate(), mgc::Error);
  EXPECT_EQ(parse_input_norm("both"), InputNorm::Both);
  EXPECT_THROW(parse_input_norm("bands"), mgc::Error);
  InputConfig bad;
  bad.db_min = 0;
  EXPECT_THROW(bad.validate(), mgc::Error);
}
