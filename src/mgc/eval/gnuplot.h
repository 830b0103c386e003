#pragma once
// Shared by the charts (confusion matrices, comparison reports) that mgc draws with gnuplot.
#include <string>

namespace mgc::eval {

// A gnuplot single-quoted string literal. Inside single quotes gnuplot performs no backquote (shell) or macro
// substitution and no backslash escapes; the only special character is the quote itself, written twice.
// Control characters (a newline would end the command) become spaces. Class and model names go through this.
inline std::string gnuplot_quote(const std::string& s) {
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'')
      out += "''";
    else if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
      out += ' ';
    else
      out += ch;
  }
  return out + "'";
}

}  // namespace mgc::eval
