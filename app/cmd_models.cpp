// mgc models: the registry as a table or JSON (name, parameters, depth, input size, paper).
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"
#include "mgc/models/runtime.h"

namespace mgc::cli {

namespace {

struct ModelsOptions {
  int64_t classes = 10;
  std::string format = "table";
  std::vector<std::string> names;  // empty: every registered model
};

// Counting a model's parameters means building it, weights initialised: 6.2 s for the whole registry on the 2-core
// machine (2026-12-08), mostly VGG16's 138 M. So each (model, classes, channels) is counted once per build of this
// executable and kept in <user_cache_dir()>/model-stats.json under the executable's identity (size and
// modification time): a rebuilt mgc counts again. A cache that cannot be read or written is only a slower run.
class StatsCache {
 public:
  StatsCache() {
    struct stat st {};
    if (::stat("/proc/self/exe", &st) == 0)
      build_ = std::to_string(st.st_size) + "-" + std::to_string(st.st_mtim.tv_sec) + "." +
               std::to_string(st.st_mtim.tv_nsec);
    try {
      path_ = user_cache_dir() + "/model-stats.json";
      if (std::filesystem::exists(path_)) {
        const auto j = nlohmann::json::parse(read_file(path_));
        if (j.at("build") == build_) stats_ = j.at("stats");
      }
    } catch (const std::exception&) {  // no home, a damaged file: count again
      stats_ = nlohmann::json::object();
    }
  }
  ~StatsCache() {
    if (!changed_ || path_.empty() || build_.empty()) return;
    try {
      std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
      write_file_atomic(path_, nlohmann::json{{"build", build_}, {"stats", stats_}}.dump(1) + "\n", false);
    } catch (const std::exception&) {  // a read-only home: the next run counts again
    }
  }
  StatsCache(const StatsCache&) = delete;
  StatsCache& operator=(const StatsCache&) = delete;

  models::ModelStats get(const models::ModelConfig& c) {
    const std::string key = c.name + "/" + std::to_string(c.num_classes) + "/" + std::to_string(c.in_channels);
    if (const auto it = stats_.find(key); it != stats_.end() && it->is_array() && it->size() == 2) {
      models::ModelStats s;  // a fresh model: every parameter trainable
      s.parameters = s.trainable_parameters = it->at(0).get<int64_t>();
      s.depth = it->at(1).get<int64_t>();
      return s;
    }
    const models::ModelStats s = models::model_stats(*models::create_model(c));
    stats_[key] = {s.parameters, s.depth};
    changed_ = true;
    return s;
  }

 private:
  std::string path_, build_;
  nlohmann::json stats_ = nlohmann::json::object();
  bool changed_ = false;
};

}  // namespace

void register_models(CLI::App& app) {
  auto o = std::make_shared<ModelsOptions>();
  CLI::App* cmd = add_command(app, "models");
  cmd->add_option("names", o->names, "Only these models (default: every registered model)");
  cmd->add_option("--classes", o->classes,
                  "Count parameters with a head of this many classes (10: the genres of GTZAN and mgc synth)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--format", o->format, "table or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  cmd->callback([o] {
    set_num_threads(0);
    std::vector<const models::ModelInfo*> chosen;
    for (const auto& name : o->names) chosen.push_back(&models::model_info(name));  // throws naming an unknown one
    if (chosen.empty())
      for (const auto& info : models::registry()) chosen.push_back(&info);
    StatsCache cache;
    nlohmann::json rows = nlohmann::json::array();
    if (o->format == "table")
      std::printf("%-18s %12s %6s %6s  %s\n", "model", "parameters", "depth", "input", "description / paper");
    for (const models::ModelInfo* info : chosen) {
      models::ModelConfig c;
      c.name = info->name;
      c.num_classes = o->classes;
      c.in_channels = info->log_mel_stem ? 1 : 3;
      const models::ModelStats s = cache.get(c);
      if (o->format == "table") {
        std::printf("%-18s %12lld %6lld %6lld  %s\n%-18s %12s %6s %6s  %s\n", info->name.c_str(),
                    static_cast<long long>(s.parameters), static_cast<long long>(s.depth),
                    static_cast<long long>(info->input_size), info->description.c_str(), "", "", "", "",
                    info->paper.c_str());
        std::fflush(stdout);
      } else {
        rows.push_back({{"name", info->name},
                        {"family", info->family},
                        {"parameters", s.parameters},
                        {"depth", s.depth},
                        {"input_channels", c.in_channels},
                        {"input_size", info->input_size},
                        {"min_input_size", info->min_input_size},
                        {"description", info->description},
                        {"paper", info->paper}});
      }
    }
    if (o->format == "json") {
      std::printf("%s\n", nlohmann::json{{"classes", o->classes}, {"models", rows}}.dump(2).c_str());
    } else {
      std::printf("\nparameters: with a head of %lld classes and the input channels the model is built for "
                  "(1 for log-mel models, 3 for ImageNet models)\n"
                  "depth: weight layers (Conv2d, Conv1d and Linear modules, every branch counted once)\n",
                  static_cast<long long>(o->classes));
    }
  });
}

}  // namespace mgc::cli
