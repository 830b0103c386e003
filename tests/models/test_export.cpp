// TorchScript export: a traced module loads in libtorch's own loader (and in Python's torch.jit.load) with mgc's
// parameter names, and gives mgc's outputs on inputs it was not traced with (other batch sizes and lengths).
#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <set>

#include "mgc/core/error.h"
#include "mgc/core/npy.h"
#include "mgc/core/version.h"
#include "mgc/models/classifier.h"
#include "mgc/models/export.h"
#include "mgc/models/registry.h"
#include "mgc/run/model.h"
#include "mgc/run/run_dir.h"
#include "mgc/tools/export.h"
#include "train/toy_dataset.h"

using mgc::test::TempDir;

namespace {

std::set<std::string> names_of(const mgc::models::Classifier& m) {
  std::set<std::string> out;
  for (const auto& p : m.named_parameters()) out.insert(p.key());
  for (const auto& b : m.named_buffers()) out.insert(b.key());
  return out;
}

std::set<std::string> names_of(const torch::jit::Module& m) {
  std::set<std::string> out;
  for (const auto& p : m.named_parameters()) out.insert(p.name);
  for (const auto& b : m.named_buffers()) out.insert(b.name);
  return out;
}

// Random-init model (with trained-looking BatchNorm statistics), exported, reloaded, compared on new shapes.
void check_model(const std::string& name, int64_t in_channels, std::vector<int64_t> example_shape,
                 std::vector<std::vector<int64_t>> test_shapes) {
  SCOPED_TRACE(name);
  torch::manual_seed(3);
  mgc::models::ModelConfig mc;
  mc.name = name;
  mc.num_classes = 7;
  mc.in_channels = in_channels;
  mc.aux_logits = false;
  auto model = mgc::models::create_model(mc);
  {
    torch::NoGradGuard g;  // non-trivial running statistics, so eval-mode BatchNorm is really exercised
    for (auto& b : model->named_buffers()) {
      if (b.key().find("running_mean") != std::string::npos) b.value().uniform_(-0.2, 0.2);
      if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 1.5);
    }
  }
  model->train();  // export must trace eval mode and leave the mode as it found it
  TempDir dir;
  const std::string path = dir.file("m.pt");
  mgc::models::export_torchscript(
      *model, [&](const torch::Tensor& x) { return model->forward(x); }, torch::randn(example_shape), path, name);
  EXPECT_TRUE(model->is_training());

  torch::jit::Module loaded = torch::jit::load(path);
  EXPECT_EQ(names_of(loaded), names_of(*model));
  model->eval();
  torch::NoGradGuard g;
  for (const auto& shape : test_shapes) {
    const torch::Tensor x = torch::randn(shape);
    const torch::Tensor want = model->forward(x);
    const torch::Tensor got = loaded.forward({x}).toTensor();
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_LT((got - want).abs().max().item<double>(), 1e-5) << "input " << x.sizes();
  }
  // The weights are the module's attributes, not constants baked into the graph: changing them changes the output.
  const torch::Tensor x = torch::randn(test_shapes.front());
  const torch::Tensor before = loaded.forward({x}).toTensor();
  for (const auto& p : loaded.named_parameters()) p.value.mul_(0.5);
  EXPECT_GT((loaded.forward({x}).toTensor() - before).abs().max().item<double>(), 1e-4);
}

}  // namespace

TEST(Export, AudioCnnKeepsNamesAndAnyBatchAndLength) {
  check_model("audio_cnn", 1, {2, 1, 64, 40}, {{1, 1, 64, 40}, {5, 1, 64, 40}, {3, 1, 64, 97}});
}

TEST(Export, ImageNetFamilies) {
  check_model("resnet18", 3, {2, 3, 64, 64}, {{3, 3, 64, 64}, {1, 3, 96, 80}});
  check_model("mobilenet_v2", 1, {2, 1, 64, 64}, {{3, 1, 64, 64}});
  check_model("efficientnet_b0", 3, {2, 3, 64, 64}, {{4, 3, 64, 64}});
  check_model("densenet121", 3, {2, 3, 64, 64}, {{3, 3, 64, 64}});
}

TEST(Export, ARunLoadsInCppAndPythonWithItsContract) {
  TempDir dir;
  const std::string manifest = mgc::test::make_toy_dataset(dir.path());
  auto config = mgc::test::toy_train_config(manifest, dir.file("cache"), 1);
  const std::string run = dir.file("run");
  mgc::test::train_quietly(config, run);

  const std::string out = dir.file("model.pt");
  const mgc::tools::ExportInfo info = mgc::tools::export_run_torchscript(run, out);
  EXPECT_EQ(info.model, "audio_cnn");
  EXPECT_EQ(info.classes, (std::vector<std::string>{"high", "low", "noisy"}));
  EXPECT_EQ(info.n_mels, 128);
  EXPECT_EQ(info.frames, config.segment_frames());

  // The run's own inference path on some windows, against the exported module on the same windows.
  auto c = mgc::run::load_run_config(run, "export");
  c.pretrained.clear();
  auto model = mgc::run::build_model(c, 3);
  mgc::run::load_model_weights(*model, run + "/best.safetensors");
  torch::manual_seed(5);
  const torch::Tensor db = torch::rand({4, 1, 128, info.frames}) * -80.0;
  const torch::Tensor want = mgc::run::predict_probs(*model, db, c, 8, torch::kCPU);

  torch::jit::ExtraFilesMap extra{{"mgc.json", ""}};
  torch::jit::Module loaded = torch::jit::load(out, c10::nullopt, extra);
  const auto meta = nlohmann::json::parse(extra.at("mgc.json"));
  EXPECT_EQ(meta.at("format"), "mgc-torchscript-1");
  EXPECT_EQ(meta.at("classes").get<std::vector<std::string>>(), info.classes);
  EXPECT_EQ(meta.at("input").at("shape").at(2), 128);
  EXPECT_EQ(meta.at("config").at("model"), "audio_cnn");
  // What the file does not hold of mgc predict's path, said in the file (issue #34).
  EXPECT_EQ(meta.at("mgc_version"), mgc::version());
  EXPECT_EQ(meta.at("predict").at("reproduces"), "mgc predict");
  EXPECT_FALSE(meta.at("predict").at("harmony_model").get<bool>());
  EXPECT_EQ(meta.at("predict").at("not_included").size(), 4u);
  EXPECT_DOUBLE_EQ(meta.at("predict").at("windows").at("seconds").get<double>(), config.segment_seconds);
  torch::NoGradGuard g;
  const torch::Tensor got = torch::softmax(loaded.forward({db}).toTensor(), 1);
  EXPECT_LT((got - want).abs().max().item<double>(), 1e-6);

  // Python (Debian's torch, no mgc code) loads the same file and gives the same probabilities.
  const std::string in_npy = dir.file("x.npy"), out_npy = dir.file("y.npy");
  const torch::Tensor dbc = db.contiguous();
  mgc::write_npy(in_npy, dbc.sizes().vec(), dbc.data_ptr<float>());
  const std::string script =
      "import json, sys, numpy as np, torch\n"
      "extra = {'mgc.json': ''}\n"
      "m = torch.jit.load(sys.argv[1], _extra_files=extra)\n"
      "meta = json.loads(extra['mgc.json'])\n"
      "assert meta['classes'] == ['high', 'low', 'noisy'], meta['classes']\n"
      "m.eval()\n"
      "with torch.no_grad():\n"
      "    p = torch.softmax(m(torch.from_numpy(np.load(sys.argv[2]))), 1)\n"
      "np.save(sys.argv[3], p.numpy().astype(np.float32))\n";
  std::ofstream(dir.file("load.py")) << script;
  const auto r = mgc::test::run_command("/usr/bin/python3 " + dir.file("load.py") + " " + out + " " + in_npy + " " +
                                        out_npy);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const mgc::NpyArray py = mgc::read_npy(out_npy);
  ASSERT_EQ(py.shape, (std::vector<int64_t>{4, 3}));
  const auto acc = want.accessor<float, 2>();
  double max_err = 0.0;
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 3; ++j)
      max_err = std::max(max_err, std::abs(static_cast<double>(py.data[i * 3 + j]) - acc[i][j]));
  EXPECT_LT(max_err, 1e-6);

  // The CLI says what it wrote; a folder that is no run is one clear error.
  const auto cli = mgc::test::run_cli("export " + run + " --torchscript " + dir.file("cli.pt"));
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("exported audio_cnn (3 classes, input [B, 1, 128, " + std::to_string(info.frames) +
                            "] dB)"),
            std::string::npos)
      << cli.output;
  const auto bad = mgc::test::run_cli("export " + dir.file("cache") + " --torchscript " + dir.file("x.pt"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("config.json"), std::string::npos) << bad.output;
  EXPECT_THROW(mgc::tools::export_run_torchscript(dir.file("nothing"), dir.file("y.pt")), mgc::Error);
}
