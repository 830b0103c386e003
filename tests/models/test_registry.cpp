// Every registry entry: builds, gives [B, classes] at its smallest input, replaces its head, adapts its stem to
// one channel, and reports parameters and depth.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"
#include "test_util.h"

using namespace mgc::models;

namespace {

std::vector<std::string> all_names() {
  std::vector<std::string> names;
  for (const auto& m : registry()) names.push_back(m.name);
  return names;
}

}  // namespace

class EveryModel : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryModel, BuildsForwardsReplacesHeadAndAdaptsStem) {
  const ModelInfo& info = model_info(GetParam());
  ModelConfig c;
  c.name = info.name;
  c.num_classes = 10;
  c.in_channels = 1;
  auto model = create_model(c);
  model->eval();
  torch::NoGradGuard no_grad;
  const int64_t side = info.min_input_size;
  const torch::Tensor x = torch::randn({2, 1, info.fixed_height > 0 ? info.fixed_height : side,
                                        info.fixed_width > 0 ? info.fixed_width : side});
  const torch::Tensor y = model->forward(x);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 10}));
  EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  EXPECT_EQ(model->num_classes(), 10);

  // The head prefixes name real parameters, and only the head changes size with the class count.
  int64_t head_params = 0;
  for (const auto& p : model->named_parameters())
    for (const auto& prefix : model->head_prefixes())
      if (p.key().rfind(prefix, 0) == 0) head_params += p.value().numel();
  EXPECT_GT(head_params, 0);
  const ModelStats before = model_stats(*model);
  model->reset_head(7);
  EXPECT_EQ(model->num_classes(), 7);
  EXPECT_EQ(model->forward(x).sizes(), (std::vector<int64_t>{2, 7}));
  const ModelStats after = model_stats(*model);
  EXPECT_EQ(after.depth, before.depth);
  EXPECT_LT(after.parameters, before.parameters);  // 7 outputs instead of 10
  EXPECT_GT(before.depth, 5);
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryModel, ::testing::ValuesIn(all_names()),
                         [](const auto& info) { return info.param; });

TEST(Registry, ParameterCountsAndDepthsMatchTorchvision) {
  // Parameter counts of torchvision 0.14's 1000-class models; depth = Conv2d + Linear layers.
  const std::vector<std::tuple<std::string, int64_t, int64_t>> expected = {
      {"resnet18", 11689512, 21},       {"resnet50", 25557032, 54},     {"vgg16", 138357544, 16},
      {"densenet121", 7978856, 121},    {"mobilenet_v2", 3504872, 53},  {"efficientnet_b0", 5288548, 82},
  };
  for (const auto& [name, params, depth] : expected) {
    ModelConfig c;
    c.name = name;
    const ModelStats s = model_stats(*create_model(c));
    EXPECT_EQ(s.parameters, params) << name;
    EXPECT_EQ(s.depth, depth) << name;
  }
}

TEST(Registry, UnknownNamesAndBadConfigsAreRefused) {
  try {
    model_info("resnet51");
    FAIL();
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown model 'resnet51'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("resnet50"), std::string::npos);  // lists the known ones
  }
  ModelConfig c;
  c.name = "audio_cnn";
  c.num_classes = 0;
  EXPECT_THROW(create_model(c), mgc::Error);
}

TEST(Registry, OneChannelStemSumsTheRgbKernels) {
  ModelConfig rgb;
  rgb.name = "resnet18";
  torch::manual_seed(3);
  auto a = create_model(rgb);
  ModelConfig mono = rgb;
  mono.in_channels = 1;
  torch::manual_seed(3);
  auto b = create_model(mono);
  const torch::Tensor wa = a->named_parameters()["conv1.weight"];
  const torch::Tensor wb = b->named_parameters()["conv1.weight"];
  EXPECT_EQ(wb.sizes(), (std::vector<int64_t>{64, 1, 7, 7}));
  EXPECT_TRUE(torch::allclose(wb, wa.sum(1, true)));
  // A grey image repeated to RGB gives the same logits as the one-channel model on the grey image.
  a->eval();
  b->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor g = torch::randn({1, 1, 64, 64});
  EXPECT_TRUE(torch::allclose(a->forward(g.repeat({1, 3, 1, 1})), b->forward(g), 1e-4, 1e-5));
}

// `mgc models`: parameters and depth as the models are built for the head asked for (10 classes by default, as
// trained on the genres), as a table or as JSON; named models only; an unknown name is named.
TEST(ModelsCli, CountsForTheHeadAskedForAsTableOrJson) {
  mgc::test::TempDir cache;  // counts are cached (below): in this test's folder, not the user's
  ::setenv("XDG_CACHE_HOME", cache.path().c_str(), 1);
  const auto json = mgc::test::run_cli("models audio_cnn mobilenet_v2 --classes 7 --format json");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const auto parsed = nlohmann::json::parse(json.output);
  EXPECT_EQ(parsed.at("classes"), 7);
  ASSERT_EQ(parsed.at("models").size(), 2u);
  for (const auto& row : parsed.at("models")) {
    const ModelInfo& info = model_info(row.at("name").get<std::string>());
    ModelConfig c;
    c.name = info.name;
    c.num_classes = 7;
    c.in_channels = info.log_mel_stem ? 1 : 3;
    const ModelStats s = model_stats(*create_model(c));
    EXPECT_EQ(row.at("parameters").get<int64_t>(), s.parameters) << info.name;
    EXPECT_EQ(row.at("depth").get<int64_t>(), s.depth) << info.name;
    EXPECT_EQ(row.at("input_channels").get<int64_t>(), c.in_channels) << info.name;
    EXPECT_EQ(row.at("family"), info.family);
  }
  EXPECT_EQ(parsed.at("models")[0].at("name"), "audio_cnn");
  const auto table = mgc::test::run_cli("models audio_cnn");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  ModelConfig ten;
  ten.name = "audio_cnn";
  ten.num_classes = 10;
  ten.in_channels = 1;
  EXPECT_NE(table.output.find(std::to_string(model_stats(*create_model(ten)).parameters)), std::string::npos)
      << table.output;
  EXPECT_NE(table.output.find("with a head of 10 classes"), std::string::npos) << table.output;
  const auto unknown = mgc::test::run_cli("models resnet5");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("unknown model 'resnet5'"), std::string::npos) << unknown.output;
  EXPECT_NE(mgc::test::run_cli("models --format yaml").exit_code, 0);
}

// `mgc models` counts once per build and keeps the counts in $XDG_CACHE_HOME/mgc: the next run reads them (same
// output); a cache of another build, or a damaged one, is counted again (issue #34).
TEST(ModelsCli, CountsAreCachedPerBuild) {
  mgc::test::TempDir dir;
  ::setenv("XDG_CACHE_HOME", dir.path().c_str(), 1);
  const std::string args = "models audio_cnn resnet18 --classes 7 --format json";
  const auto first = mgc::test::run_cli(args);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string cache = dir.file("mgc/model-stats.json");
  ASSERT_TRUE(std::filesystem::exists(cache));
  auto j = nlohmann::json::parse(mgc::read_file(cache));
  EXPECT_EQ(j.at("stats").at("resnet18/7/3").size(), 2u) << j;
  EXPECT_EQ(mgc::test::run_cli(args).output, first.output);  // from the cache
  // Another build's counts (or wrong ones under another key) are not used.
  j["build"] = "another-build";
  j["stats"]["resnet18/7/3"] = {1, 1};
  mgc::write_file_atomic(cache, j.dump());
  EXPECT_EQ(mgc::test::run_cli(args).output, first.output);
  mgc::write_file_atomic(cache, "{ damaged");
  EXPECT_EQ(mgc::test::run_cli(args).output, first.output);
  EXPECT_EQ(nlohmann::json::parse(mgc::read_file(cache)).at("stats").size(), 2u);  // written again
  ::unsetenv("XDG_CACHE_HOME");
}
