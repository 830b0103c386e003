#include "inputs.h"

#include <filesystem>
#include <sstream>
#include <system_error>

#include "mgc/data/dataset.h"
#include "mgc/data/folder_walk.h"

namespace mgc::cli {

std::vector<Input> expand_inputs(const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  std::vector<Input> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (!fs::is_directory(in, ec)) {
      files.push_back({in, ""});
      continue;
    }
    data::WalkOptions walk;
    walk.skip_hidden = false;
    for (const data::WalkEntry& e : data::walk_folder(in, data::is_audio_file, walk)) files.push_back({e.path, e.problem});
  }
  return files;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace mgc::cli
