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
  // config.json's relative paths are relative to the folder training started in (run.json's "cwd"), not to this
  // process's: resolved, so that a run is evaluated, reported or served from any folder.
  if (const auto cwd = info.run.find("cwd"); cwd != info.run.end() && cwd->is_string()) {
    const auto resolve = [&](std::string& path, bool must_exist) {
      if (path.empty() || std::filesystem::path(path).is_absolute()) return;
      const std::filesystem::path p = (std::filesystem::path(cwd->get<std::string>()) / path).lexically_normal();
      if (!must_exist || std::filesystem::exists(p)) path = p.string();
    };
    resolve(info.config.data, false);
    resolve(info.config.cache_dir, false);
    resolve(info.config.pretrained, true);  // "imagenet", "msd": names of weights, not paths
    // The split's clips are named as the dataset named them then: relative to that folder too.
    if (auto split = info.run.find("split"); split != info.run.end() && split->is_object())
      for (auto& [side, clips] : split->items())
        if (clips.is_array())
          for (auto& clip : clips)
            if (clip.is_string()) {
              std::string path = clip.get<std::string>();
              resolve(path, false);
              clip = path;
            }
  }
  return info;
}

}  // namespace mgc::run
