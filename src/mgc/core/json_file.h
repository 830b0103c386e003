#pragma once
// Reading a JSON file (run files, configs, models), with one error for every reader.
#include <nlohmann/json.hpp>
#include <string>

namespace mgc {

// The JSON document in `path`. Throws mgc::Error ("io: ..." when it cannot be read, "<component>: '<path>' is not
// valid JSON: <why>" when it does not parse).
nlohmann::json read_json_file(const std::string& path, const char* component);

}  // namespace mgc
