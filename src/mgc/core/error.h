#pragma once
// The one exception type of the mgc library. Messages start with the component ("audio: ", "features: ", ...)
// and name the file or value at fault, so that `main` can print them as one clear line.
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace mgc {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Builds an Error whose message is "<component>: <formatted text>".
template <typename... Args>
Error make_error(const char* component, fmt::format_string<Args...> format, Args&&... args) {
  return Error(std::string(component) + ": " + fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace mgc
