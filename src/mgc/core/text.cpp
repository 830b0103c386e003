#include "mgc/core/text.h"

#include <fmt/format.h>

#include <cstdio>

namespace mgc {

std::string escape_control(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == 0x1b) {
      out += "\\e";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[i + 1]));
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void print_error(std::string_view message) {
  std::fprintf(stderr, "mgc: error: %s\n", escape_control(message).c_str());
  std::fflush(stderr);
}

void print_warning(std::string_view message) {
  std::fprintf(stderr, "mgc: warning: %s\n", escape_control(message).c_str());
  std::fflush(stderr);
}

}  // namespace mgc
