#pragma once
// Text from files (tags, file names, messages quoting them) made safe to print on a terminal.
#include <string>
#include <string_view>

namespace mgc {

// `text` with every control character escaped so that a terminal shows it instead of obeying it: C0 controls and
// DEL as \n, \r, \t, \e or \xNN, and the C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F) as \u0080..\u009f.
// Other bytes, UTF-8 text and invalid bytes alike, are kept (a printed "\e" may thus also be those two characters:
// what matters is that nothing reaches the terminal as a control).
std::string escape_control(std::string_view text);

// `text` as a table cell `width` characters wide (UTF-8 code points, counted as one column each): padded with
// spaces, or cut to width - 1 characters and "…" when longer. width 0 gives "".
std::string fit_column(std::string_view text, size_t width);

// "mgc: error: <message>" and "mgc: warning: <message>" as one line on stderr, controls escaped (escape_control),
// flushed. The one way mgc reports a problem to the user.
void print_error(std::string_view message);
void print_warning(std::string_view message);

}  // namespace mgc
