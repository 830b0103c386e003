#include "mgc/core/csv.h"

#include <cctype>

#include "mgc/core/error.h"

namespace mgc::csv {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string rtrim(std::string s) {
  while (!s.empty() && is_blank(s.back())) s.pop_back();
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Optional sign, digits with at most one '.', at least one digit, then an optional exponent (e/E, sign, digits).
bool is_plain_number(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (is_digit(s[i])) {
      ++digits;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// The inverse of cell()'s formula guard.
std::string unguard(std::string field) {
  if (field.size() >= 2 && field[0] == '\'' && needs_formula_guard(std::string_view(field).substr(1))) {
    field.erase(0, 1);
  }
  return field;
}

}  // namespace

bool needs_formula_guard(std::string_view value) {
  if (value.empty()) return false;
  const char c = value.front();
  if (c == '\'') return needs_formula_guard(value.substr(1));
  if (c != '=' && c != '+' && c != '-' && c != '@' && c != '\t' && c != '\r') return false;
  return !is_plain_number(value);
}

std::string cell(std::string_view value) {
  std::string text;
  if (needs_formula_guard(value)) text += '\'';
  text += value;
  const bool quote = text.find_first_of(",\"\r\n") != std::string::npos ||
                     (!text.empty() && (is_blank(text.front()) || is_blank(text.back())));
  if (!quote) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string row(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += cell(values[i]);
  }
  return out;
}

Table parse(std::string_view text, const std::string& source, const char* component) {
  Table table;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  enum class State { field_start, unquoted, quoted, after_quote };
  State state = State::field_start;
  std::vector<std::string> row;
  std::string field;
  int line = 1, row_line = 1, quote_line = 1;
  bool row_started = false;  // a non-blank character or a quote was seen in this row

  auto end_field = [&] {
    row.push_back(unguard(state == State::unquoted ? rtrim(std::move(field)) : std::move(field)));
    field.clear();
  };
  auto end_row = [&] {
    if (row_started) {
      end_field();
      table.rows.push_back(std::move(row));
      table.lines.push_back(row_line);
    }
    row.clear();
    field.clear();
    row_started = false;
    state = State::field_start;
  };

  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool newline = c == '\n' || c == '\r';
    if (newline && state != State::quoted) {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_row();
      ++line;
      row_line = line;
      continue;
    }
    switch (state) {
      case State::field_start:
        if (c == '"') {
          state = State::quoted;
          quote_line = line;
          row_started = true;
        } else if (c == ',') {
          row_started = true;
          end_field();
        } else if (!is_blank(c)) {
          field += c;
          state = State::unquoted;
          row_started = true;
        }
        break;
      case State::unquoted:
        if (c == ',') {
          end_field();
          state = State::field_start;
        } else {
          field += c;
        }
        break;
      case State::quoted:
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            ++i;
          } else {
            state = State::after_quote;
          }
        } else {
          if (c == '\n' || (c == '\r' && !(i + 1 < text.size() && text[i + 1] == '\n'))) ++line;
          field += c;
        }
        break;
      case State::after_quote:
        if (c == ',') {
          end_field();
          state = State::field_start;
        } else if (!is_blank(c)) {
          throw make_error(component, "'{}' line {}: unexpected '{}' after a closing quote", source, line, c);
        }
        break;
    }
  }
  if (state == State::quoted) {
    throw make_error(component, "'{}' line {}: quoted field never closed", source, quote_line);
  }
  end_row();
  return table;
}

}  // namespace mgc::csv
