#include <gtest/gtest.h>
#include <torch/torch.h>

#include <regex>

#include "mgc/core/error.h"
#include "mgc/models/pretrained.h"
#include "mgc/models/registry.h"
#include "test_util.h"

using namespace mgc::models;
using mgc::test::TempDir;

namespace {

std::vector<std::pair<std::string, torch::Tensor>> state_of(const Classifier& m) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : m.named_parameters()) out.emplace_back(p.key(), p.value().detach().clone());
  for (const auto& b : m.named_buffers()) out.emplace_back(b.key(), b.value().detach().clone());
  return out;
}

std::shared_ptr<Classifier> build(const std::string& name, int64_t classes, int64_t channels = 3) {
  ModelConfig c;
  c.name = name;
  c.num_classes = classes;
  c.in_channels = channels;
  return create_model(c);
}

}  // namespace

TEST(Pretrained, ImageNetHeadIsSkippedForTenGenresAndBackboneLoads) {
  TempDir dir;
  torch::manual_seed(1);
  auto imagenet = build("resnet18", 1000);
  write_safetensors(dir.file("r18.safetensors"), state_of(*imagenet));
  auto genres = build("resnet18", 10);
  const PretrainedReport r = load_pretrained(*genres, dir.file("r18.safetensors"));
  EXPECT_TRUE(r.head_skipped);
  EXPECT_TRUE(r.load.ok()) << r.load.summary();
  EXPECT_EQ(r.load.loaded, static_cast<int64_t>(state_of(*imagenet).size()) - 2);  // all but fc.weight, fc.bias
  EXPECT_TRUE(torch::equal(genres->named_parameters()["layer4.1.conv2.weight"],
                           imagenet->named_parameters()["layer4.1.conv2.weight"]));
  EXPECT_EQ(genres->named_parameters()["fc.weight"].sizes(), (std::vector<int64_t>{10, 512}));
}

TEST(Pretrained, RgbStemIsSummedIntoAOneChannelModel) {
  TempDir dir;
  auto imagenet = build("resnet18", 1000);
  write_safetensors(dir.file("r18.safetensors"), state_of(*imagenet));
  auto mono = build("resnet18", 10, 1);
  load_pretrained(*mono, dir.file("r18.safetensors"));
  EXPECT_TRUE(torch::allclose(mono->named_parameters()["conv1.weight"],
                              imagenet->named_parameters()["conv1.weight"].sum(1, true)));
}

TEST(Pretrained, LegacyDenseNetKeysAreRenamed) {
  TempDir dir;
  auto ref = build("densenet121", 1000);
  auto state = state_of(*ref);
  // torchvision's first DenseNet checkpoints said "denselayer1.norm.1.weight" for "denselayer1.norm1.weight".
  const std::regex modern(R"(^(.*denselayer\d+\.(?:norm|relu|conv))([12])\.(weight|bias|running_mean|running_var)$)");
  int64_t legacy = 0;
  for (auto& [name, t] : state) {
    std::smatch m;
    if (std::regex_match(name, m, modern)) {
      name = m[1].str() + "." + m[2].str() + "." + m[3].str();
      ++legacy;
    }
  }
  ASSERT_GT(legacy, 400);
  write_safetensors(dir.file("old.safetensors"), state);
  auto model = build("densenet121", 1000);
  const PretrainedReport r = load_pretrained(*model, dir.file("old.safetensors"));
  EXPECT_EQ(r.renamed, legacy);
  EXPECT_FALSE(r.head_skipped);
  EXPECT_TRUE(torch::equal(model->named_parameters()["features.denseblock4.denselayer16.conv2.weight"],
                           ref->named_parameters()["features.denseblock4.denselayer16.conv2.weight"]));
}

TEST(Pretrained, WrongArchitectureIsRefusedWithKeyNames) {
  TempDir dir;
  write_safetensors(dir.file("cnn.safetensors"), state_of(*build("audio_cnn", 10, 1)));
  auto model = build("resnet18", 10);
  try {
    load_pretrained(*model, dir.file("cnn.safetensors"));
    FAIL() << "loading audio_cnn weights into resnet18 must fail";
  } catch (const mgc::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cnn.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find("conv1.weight"), std::string::npos) << msg;      // missing from the file
    EXPECT_NE(msg.find("features.0.weight"), std::string::npos) << msg;  // unexpected in the file
  }
}

TEST(Pretrained, InceptionAuxHeadInTheFileIsDroppedWhenTheModelHasNone) {
  TempDir dir;
  auto with_aux = build("inception_v3", 1000);
  write_safetensors(dir.file("inc.safetensors"), state_of(*with_aux));
  ModelConfig c;
  c.name = "inception_v3";
  c.num_classes = 10;
  c.aux_logits = false;
  auto model = create_model(c);
  const PretrainedReport r = load_pretrained(*model, dir.file("inc.safetensors"));
  EXPECT_TRUE(r.load.ok()) << r.load.summary();
  EXPECT_EQ(r.dropped_optional, std::vector<std::string>{"AuxLogits."});
  EXPECT_TRUE(torch::equal(model->named_parameters()["Mixed_7c.branch_pool.conv.weight"],
                           with_aux->named_parameters()["Mixed_7c.branch_pool.conv.weight"]));
}
