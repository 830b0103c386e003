#include "mgc/run/run_dir.h"

#include <filesystem>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/json_file.h"

namespace mgc::run {

TrainConfig load_run_config(const std::string& run_dir, const char* component) {
  const std::string path = RunPaths{run_dir}.config();
  if (!std::filesystem::exists(path))
    throw make_error(component, "'{}' is not a run folder (no config.json)", run_dir);
  return read_config_file(path);
}

nlohmann::json load_run_json(const std::string& run_dir, const char* component) {
  return read_json_file(RunPaths{run_dir}.run_json(), component);
}

RunInfo load_run(const std::string& run_dir, const char* component) {
  RunInfo info;
  info.paths = RunPaths{run_dir};
  info.config = load_run_config(run_dir, component);
  info.run = load_run_json(run_dir, component);
  try {
    info.classes = info.run.at("classes").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw make_error(component, "'{}' is malformed: {}", info.paths.run_json(), e.what());
  }
  if (info.classes.empty()) throw make_error(component, "'{}' lists no classes", info.paths.run_json());
  return info;
}

}  // namespace mgc::run
