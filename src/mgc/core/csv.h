#pragma once
// CSV as mgc writes and reads it: one quoting rule for every CSV file mgc writes (manifests, metrics, predictions,
// tags, comparisons) and one parser for the ones it reads.
//
// Writing (RFC 4180): a cell is quoted when it holds a comma, a double quote, a line break (LF or CR), or leading or
// trailing blanks; quotes inside are doubled. A text cell that a spreadsheet would run as a formula (it begins with
// '=', '+', '-', '@', a tab or a carriage return, and is not a plain decimal number such as "-3.5") is neutralised
// as OWASP recommends: a single quote is put before it ("=1+1" -> "'=1+1"). parse_csv takes that quote off again,
// so mgc reads back what it wrote.
#include <string>
#include <string_view>
#include <vector>

namespace mgc::csv {

// One CSV cell for `value` (see the top of this file): quoted when needed, formula-guarded when needed.
std::string cell(std::string_view value);

// Whether `value` would be formula-guarded by cell(): it begins with '=', '+', '-', '@', '\t' or '\r' and is not a
// plain decimal number (optional sign, digits with at most one '.', an optional exponent), or it is a single quote
// before such a value (so that "'=x" is written "''=x" and reads back as it was).
bool needs_formula_guard(std::string_view value);

// One row: the cells of `values` joined by commas, without a line end.
std::string row(const std::vector<std::string>& values);

// A parsed CSV text: rows of fields, and the 1-based line where each row starts (for messages).
struct Table {
  std::vector<std::vector<std::string>> rows;
  std::vector<int> lines;
};

// Parses CSV (RFC 4180 plus the usual leniencies): fields separated by commas; a field in double quotes may hold
// commas, line breaks and doubled quotes (""); unquoted fields are trimmed of spaces and tabs; LF, CRLF or CR line
// ends; a UTF-8 byte-order mark is skipped; blank lines are skipped; a field that cell() formula-guarded ("'" and
// then one of = + - @ tab CR, and not a plain number after the quote) loses that quote. Rows may differ in length
// (the caller checks). Throws mgc::Error ("<component>: '<source>' line N: ...") on an unterminated quote or text
// after a closing quote.
Table parse(std::string_view text, const std::string& source, const char* component = "csv");

}  // namespace mgc::csv
