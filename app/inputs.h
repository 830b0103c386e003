#pragma once
// The audio files a command was given: files as they are, folders searched recursively.
#include <string>
#include <vector>

namespace mgc::cli {

// One input file, or a reason it cannot be read that is known before decoding.
struct Input {
  std::string path;
  std::string problem;  // non-empty: report this instead of decoding
};

// Files of the inputs; folders are searched recursively (sorted). In a folder, an entry named like audio that is
// not a regular file (dangling link, FIFO, socket) is listed with its problem so it is reported, not skipped or
// opened (opening a FIFO would block). An unreadable subfolder is reported and the walk goes on.
std::vector<Input> expand_inputs(const std::vector<std::string>& inputs);

// "a,b,,c" -> {"a", "b", "c"}: a comma-separated option's items, empty ones dropped.
std::vector<std::string> split_list(const std::string& s);

}  // namespace mgc::cli
