// mgc extract DATASET: fill the feature cache (decode + log-mel once per clip) on all cores, with the log-mel
// settings a later `mgc train` will use (the same --n-mels, --hop, ... options).
#include <cstdio>
#include <memory>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/core/text.h"
#include "mgc/data/dataset.h"
#include "mgc/data/feature_cache.h"
#include "train_options.h"

namespace mgc::cli {

void register_extract(CLI::App& app) {
  auto data = std::make_shared<std::string>();
  auto cache = std::make_shared<std::string>();
  auto threads = std::make_shared<int>(0);
  auto quiet = std::make_shared<bool>(false);
  auto features = std::make_shared<data::FeatureConfig>();
  CLI::App* cmd = add_command(app, "extract");
  cmd->add_option("dataset", *data, "Dataset folder, GTZAN tree or manifest.csv")->required();
  cmd->add_option("--cache", *cache, "Cache folder (default ~/.cache/mgc/features)");
  cmd->add_option("-j,--jobs", *threads, "Clips decoded at once (0: all cores)")->capture_default_str();
  add_feature_options(cmd, *features);
  cmd->add_flag("-q,--quiet", *quiet, "No progress bar");
  cmd->callback([=] {
    finish_feature_options(*features);
    const data::Dataset ds = data::load_dataset(*data);
    const data::FeatureCache fc(data::cache_folder(*cache), *features);
    const data::ExtractReport r = data::extract_features(ds, fc, *threads, !*quiet);
    for (const auto& e : r.errors) print_error(e);
    if (r.leftovers > 0)
      std::printf("extract: removed %lld temporary file(s) that an interrupted run left in %s\n",
                  static_cast<long long>(r.leftovers), fc.dir().c_str());
    std::printf("extract: %lld clip(s): %lld computed, %lld reused from %s, %lld failed, %.2f s (%.1f clips/s)\n",
                static_cast<long long>(ds.clips.size()), static_cast<long long>(r.computed),
                static_cast<long long>(r.reused), fc.dir().c_str(), static_cast<long long>(r.failed), r.seconds,
                r.seconds > 0 ? static_cast<double>(ds.clips.size()) / r.seconds : 0.0);
    if (r.undecodable > 0 && r.unwritable > 0)
      throw make_error("extract", "{} clip(s) could not be decoded and {} could not be written to the cache",
                       r.undecodable, r.unwritable);
    if (r.undecodable > 0) throw make_error("extract", "{} clip(s) could not be decoded", r.undecodable);
    if (r.unwritable > 0)
      throw make_error("extract", "{} clip(s) could not be written to the cache (is the disk full?)", r.unwritable);
  });
}

}  // namespace mgc::cli
