#include "mgc/train/harmony_fit.h"

#include <torch/nn/functional/loss.h>
#include <torch/optim/lbfgs.h>
#include <torch/types.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/lock.h"
#include "mgc/core/text.h"
#include "mgc/data/dataset.h"
#include "mgc/run/run_dir.h"
#include "mgc/train/run_data.h"

namespace mgc::train {

run::HarmonyModel fit_harmony(const std::vector<std::vector<float>>& x, const std::vector<int64_t>& y,
                              const std::vector<std::string>& classes, const run::HarmonyOptions& options) {
  options.validate();
  if (x.empty()) throw make_error("harmony", "no training clips");
  if (x.size() != y.size()) throw make_error("harmony", "{} feature rows but {} labels", x.size(), y.size());
  const auto n = static_cast<int64_t>(x.size());
  const auto d = static_cast<int64_t>(x[0].size());
  const auto k = static_cast<int64_t>(classes.size());
  if (k < 2) throw make_error("harmony", "need at least two classes, got {}", k);
  if (d != options.features.size())
    throw make_error("harmony", "rows have {} features, the options make {}", d, options.features.size());
  std::vector<int64_t> per_class(static_cast<size_t>(k), 0);
  for (int64_t i = 0; i < n; ++i) {
    if (static_cast<int64_t>(x[static_cast<size_t>(i)].size()) != d)
      throw make_error("harmony", "feature row {} has {} values, row 0 has {}", i, x[static_cast<size_t>(i)].size(), d);
    const int64_t label = y[static_cast<size_t>(i)];
    if (label < 0 || label >= k) throw make_error("harmony", "label {} out of range (0..{})", label, k - 1);
    ++per_class[static_cast<size_t>(label)];
  }
  for (int64_t c = 0; c < k; ++c)
    if (per_class[static_cast<size_t>(c)] == 0)
      throw make_error("harmony", "class '{}' has no training clip", classes[static_cast<size_t>(c)]);

  run::HarmonyModel m;
  m.classes = classes;
  m.options = options;
  m.train_clips = n;
  // Standardise with the training clips' mean and (population) standard deviation, as scikit-learn's StandardScaler.
  auto xt = torch::empty({n, d}, torch::kFloat64);
  auto acc = xt.accessor<double, 2>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) acc[i][j] = x[static_cast<size_t>(i)][static_cast<size_t>(j)];
  const torch::Tensor mu = xt.mean(0);
  torch::Tensor sd = (xt - mu).pow(2).mean(0).sqrt();
  sd = torch::where(sd > 1e-12, sd, torch::ones_like(sd));  // a constant feature: left unscaled (as StandardScaler)
  const torch::Tensor xs = (xt - mu) / sd;
  const torch::Tensor yt = torch::tensor(y, torch::kInt64);

  torch::Tensor w = torch::zeros({k, d}, torch::kFloat64).requires_grad_(true);
  torch::Tensor b = torch::zeros({k}, torch::kFloat64).requires_grad_(true);
  torch::optim::LBFGS opt({w, b}, torch::optim::LBFGSOptions(1.0)
                                      .max_iter(options.max_iterations)
                                      .max_eval(options.max_iterations * 5 / 4)
                                      .tolerance_grad(1e-7)
                                      .tolerance_change(1e-12)
                                      .history_size(20)
                                      .line_search_fn("strong_wolfe"));
  const double l2 = 1.0 / (2.0 * options.c);
  auto closure = [&] {
    opt.zero_grad();
    const torch::Tensor logits = torch::addmm(b, xs, w.t());
    const torch::Tensor loss =
        torch::nn::functional::cross_entropy(logits, yt,
                                             torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)) +
        l2 * w.pow(2).sum();
    loss.backward();
    return loss;
  };
  opt.step(closure);

  torch::NoGradGuard no_grad;
  const torch::Tensor pred = torch::addmm(b, xs, w.t()).argmax(1);
  m.train_accuracy = pred.eq(yt).to(torch::kFloat64).mean().item<double>();
  auto to_vec = [](const torch::Tensor& t) {
    const torch::Tensor c = t.detach().contiguous().to(torch::kFloat64);
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  };
  m.mean = to_vec(mu);
  m.scale = to_vec(sd);
  m.weight = to_vec(w);
  m.bias = to_vec(b);
  return m;
}

HarmonyFitReport fit_run_harmony(const std::string& run_dir, const run::HarmonyOptions& options, int threads,
                                 bool progress) {
  options.validate();
  const auto t0 = std::chrono::steady_clock::now();
  const run::RunInfo info = run::load_run(run_dir, "harmony");
  const FolderLock lock(run_dir, run::kLockFile, "harmony");
  const run::TrainConfig& config = info.config;
  const std::vector<std::string>& classes = info.classes;
  std::map<std::string, int64_t> class_index;
  for (size_t i = 0; i < classes.size(); ++i) class_index[classes[i]] = static_cast<int64_t>(i);
  const data::Dataset ds = data::load_dataset(config.data);
  std::vector<std::pair<std::string, int64_t>> clips;
  for (const data::Clip* clip :
       recorded_clips(ds, info.run.at("split").at("train").get<std::vector<std::string>>(), config.data, "harmony")) {
    auto c = class_index.find(clip->label);
    if (c == class_index.end())
      throw make_error("harmony", "clip '{}' has label '{}' that the run does not know", clip->path, clip->label);
    clips.emplace_back(clip->path, c->second);
  }
  if (clips.empty()) throw make_error("harmony", "the run '{}' has no training clips", run_dir);

  std::vector<std::string> paths;
  for (const auto& c : clips) paths.push_back(c.first);
  std::vector<run::ClipHarmony> feats = run::clips_harmony_features(paths, features::ChromaCqt(options.cqt), options,
                                                                    threads, "harmony features", progress);
  HarmonyFitReport report;
  std::vector<std::vector<float>> x;
  std::vector<int64_t> y;
  for (size_t i = 0; i < clips.size(); ++i) {
    if (!feats[i].error.empty()) {
      print_error(feats[i].error);
      ++report.failed;
      continue;
    }
    x.push_back(std::move(feats[i].features));
    y.push_back(clips[i].second);
  }
  if (x.empty()) throw make_error("harmony", "no training clip of '{}' gave harmony features (errors above)", run_dir);
  report.model = fit_harmony(x, y, classes, options);
  run::save_harmony(info.paths.harmony(), report.model);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace mgc::train
