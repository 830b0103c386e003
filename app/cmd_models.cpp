// mgc models: the registry as a table (name, parameters, depth, input size, paper).
#include <chrono>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "mgc/models/classifier.h"
#include "mgc/models/registry.h"
#include "mgc/models/runtime.h"

namespace mgc::cli {

void register_models(CLI::App& app) {
  auto classes = std::make_shared<int64_t>(1000);
  CLI::App* cmd = add_command(app, "models");
  cmd->add_option("--classes", *classes, "Count parameters for a head of this many classes")->capture_default_str();
  cmd->callback([classes] {
    set_num_threads(0);
    std::printf("%-16s %12s %6s %6s  %s\n", "model", "parameters", "depth", "input", "description / paper");
    for (const auto& info : models::registry()) {
      models::ModelConfig c;
      c.name = info.name;
      c.num_classes = *classes;
      c.in_channels = info.log_mel_stem ? 1 : 3;
      const models::ModelStats s = models::model_stats(*models::create_model(c));
      std::printf("%-16s %12lld %6lld %6lld  %s\n%-16s %12s %6s %6s  %s\n", info.name.c_str(),
                  static_cast<long long>(s.parameters), static_cast<long long>(s.depth),
                  static_cast<long long>(info.input_size), info.description.c_str(), "", "", "", "",
                  info.paper.c_str());
    }
    std::printf("\ndepth = weight layers (Conv2d, Conv1d and Linear modules, every branch counted once)\n");
  });
}

}  // namespace mgc::cli
