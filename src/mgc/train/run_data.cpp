#include "mgc/train/run_data.h"

#include <map>
#include <mutex>

#include "mgc/core/error.h"
#include "mgc/core/parallel.h"
#include "mgc/core/progress.h"
#include "mgc/data/feature_cache.h"

namespace mgc::train {

std::string cache_dir_for(const run::TrainConfig& config) { return data::cache_folder(config.cache_dir); }

data::Split split_for(const data::Dataset& dataset, const run::TrainConfig& config) {
  data::SplitConfig sc;
  sc.by = config.split_by;
  sc.method = config.split_method;
  sc.val_fraction = config.val_fraction;
  sc.test_fraction = config.test_fraction;
  sc.folds = config.folds;
  sc.fold = config.fold;
  sc.seed = config.split_seed >= 0 ? static_cast<uint64_t>(config.split_seed) : config.seed;
  return data::make_split(dataset, sc);
}

const std::vector<int64_t>& side_indices(const data::Split& split, const std::string& side) {
  if (side == "train") return split.train;
  if (side == "val") return split.val;
  if (side == "test") return split.test;
  if (const auto it = split.extra.find(side); it != split.extra.end()) return it->second;
  std::string known = "train, val, test";
  for (const auto& [name, clips] : split.extra) known += ", " + name;
  throw make_error("train", "unknown split side '{}' ({})", side, known);
}

std::vector<const data::Clip*> recorded_clips(const data::Dataset& dataset, const std::vector<std::string>& paths,
                                              const std::string& data, const char* component) {
  std::map<std::string, const data::Clip*> clip_of;
  for (const auto& c : dataset.clips) clip_of[c.path] = &c;
  std::vector<const data::Clip*> out;
  out.reserve(paths.size());
  for (const std::string& path : paths) {
    auto it = clip_of.find(path);
    if (it == clip_of.end()) throw make_error(component, "clip '{}' of the run's split is not in '{}'", path, data);
    out.push_back(it->second);
  }
  return out;
}

RunData load_run_data(const run::TrainConfig& config, const std::vector<std::string>& sides, bool progress) {
  RunData run;
  run.dataset = data::load_dataset(config.data);
  run.split = split_for(run.dataset, config);
  run.features.resize(run.dataset.clips.size());

  std::vector<int64_t> wanted;
  for (const auto& side : sides) {
    const auto& idx = side_indices(run.split, side);
    wanted.insert(wanted.end(), idx.begin(), idx.end());
  }
  const data::FeatureCache cache(cache_dir_for(config), config.features);
  std::mutex mutex;
  Progress bar("features", static_cast<int64_t>(wanted.size()), progress);
  parallel_for(static_cast<int64_t>(wanted.size()), config.threads, [&](int64_t i, int) {
    const int64_t clip = wanted[static_cast<size_t>(i)];
    try {
      run.features[static_cast<size_t>(clip)] = cache.get(run.dataset.clips[static_cast<size_t>(clip)].path);
    } catch (const Error& e) {
      std::lock_guard<std::mutex> lock(mutex);
      run.failures.push_back(e.what());
    }
    bar.tick();
  });
  bar.finish();
  for (const auto& side : sides) {
    const auto& idx = side_indices(run.split, side);
    int64_t ok = 0;
    for (int64_t c : idx) ok += run.features[static_cast<size_t>(c)].cols > 0;
    if (!idx.empty() && ok == 0) throw make_error("train", "no clip of the {} side could be decoded", side);
  }
  return run;
}

}  // namespace mgc::train
