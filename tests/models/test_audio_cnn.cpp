#include <gtest/gtest.h>
#include <torch/torch.h>

#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"

using namespace mgc::models;

TEST(AudioCnn, SizeAndShapes) {
  ModelConfig c;
  c.name = "audio_cnn";
  c.num_classes = 10;
  c.in_channels = 1;
  auto m = create_model(c);
  const ModelStats s = model_stats(*m);
  EXPECT_GE(s.parameters, 300000);
  EXPECT_LE(s.parameters, 1000000);
  EXPECT_EQ(s.depth, 10);  // 9 convolutions + 1 linear
  m->eval();
  torch::NoGradGuard no_grad;
  // Any input of at least 32 x 32, e.g. 128 mels x 130 frames (3 s at hop 512).
  EXPECT_EQ(m->forward(torch::randn({3, 1, 128, 130})).sizes(), (std::vector<int64_t>{3, 10}));
  EXPECT_EQ(m->forward(torch::randn({1, 1, 32, 40})).sizes(), (std::vector<int64_t>{1, 10}));
  EXPECT_THROW(m->forward(torch::randn({1, 1, 16, 16})), c10::Error);
}

TEST(AudioCnn, LearnsASeparableToyProblem) {
  // Two classes: energy in the low or in the high mel bands. A few Adam steps must fit them.
  torch::manual_seed(0);
  ModelConfig c;
  c.name = "audio_cnn";
  c.num_classes = 2;
  c.in_channels = 1;
  auto m = create_model(c);
  torch::Tensor x = torch::randn({16, 1, 32, 32}) * 0.1;
  torch::Tensor y = torch::zeros({16}, torch::kLong);
  for (int i = 0; i < 16; ++i) {
    const bool high = i % 2 == 1;
    y[i] = high ? 1 : 0;
    x.index({i, 0, high ? torch::indexing::Slice(16, 32) : torch::indexing::Slice(0, 16)}) += 1.0;
  }
  torch::optim::Adam opt(m->parameters(), torch::optim::AdamOptions(3e-3));
  m->train();
  for (int step = 0; step < 30; ++step) {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(m->forward(x), y);
    loss.backward();
    opt.step();
  }
  m->eval();
  torch::NoGradGuard no_grad;
  const auto pred = m->forward(x).argmax(1);
  EXPECT_EQ(pred.eq(y).sum().item<int64_t>(), 16);
}
