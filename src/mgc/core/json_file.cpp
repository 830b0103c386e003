#include "mgc/core/json_file.h"

#include "mgc/core/error.h"
#include "mgc/core/fs.h"

namespace mgc {

nlohmann::json read_json_file(const std::string& path, const char* component) {
  const std::string text = read_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw make_error(component, "'{}' is not valid JSON: {}", path, e.what());
  }
}

}  // namespace mgc
