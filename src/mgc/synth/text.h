#pragma once
// Internal to synth/: the string splitting that the groove table, the MMA text and mma's output need. Not for
// other stages (CSV has its own parser in core/csv.h).
#include <sstream>
#include <string>
#include <vector>

namespace mgc::synth::detail {

// The words of `s` (split at any run of white space; none for a blank string).
inline std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// `s` cut at every `sep`: n separators give n + 1 parts, empty ones included.
inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// `s` without leading and trailing spaces, tabs, CRs and LFs.
inline std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace mgc::synth::detail
