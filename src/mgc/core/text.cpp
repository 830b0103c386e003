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

std::string fit_column(std::string_view text, size_t width) {
  if (width == 0) return "";
  const auto is_start = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; };
  size_t chars = 0;
  for (const char c : text) chars += is_start(c) ? 1 : 0;
  if (chars <= width) return std::string(text) + std::string(width - chars, ' ');
  // The first width - 1 characters, then an ellipsis.
  size_t end = 0, kept = 0;
  while (end < text.size()) {
    if (is_start(text[end]) && kept++ == width - 1) break;
    ++end;
  }
  return std::string(text.substr(0, end)) + "\u2026";
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
