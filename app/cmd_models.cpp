// mgc models: the registry as a table or JSON (name, parameters, depth, input size, paper).
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "mgc/core/error.h"
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
    nlohmann::json rows = nlohmann::json::array();
    if (o->format == "table")
      std::printf("%-18s %12s %6s %6s  %s\n", "model", "parameters", "depth", "input", "description / paper");
    for (const models::ModelInfo* info : chosen) {
      models::ModelConfig c;
      c.name = info->name;
      c.num_classes = o->classes;
      c.in_channels = info->log_mel_stem ? 1 : 3;
      const models::ModelStats s = models::model_stats(*models::create_model(c));
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
