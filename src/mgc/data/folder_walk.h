#pragma once
// The one recursive walk over a folder of audio files: datasets (class folders), `mgc predict` on a folder and
// `mgc tag` on a music library all list their files through it.
#include <functional>
#include <string>
#include <vector>

namespace mgc::data {

struct WalkOptions {
  bool skip_hidden = true;       // leave out names starting with '.', and everything under such a folder
  bool follow_symlinks = false;  // descend into symbolic links to folders
  bool skip_unreadable = true;   // skip folders that cannot be entered for lack of permission (false: they end
                                 // the walk with an `unlisted` entry)
};

// One entry the walk found: a file to read, or a problem to report instead.
struct WalkEntry {
  enum class Kind {
    file,         // a regular file (or a link to one) whose name `accept` took
    not_regular,  // named like a wanted file but not a regular one: a dangling link, FIFO, socket or device
    unlisted,     // a folder that could not be listed (the walk stops there)
  };
  Kind kind = Kind::file;
  std::string path;
  std::string problem;  // why, for not_regular and unlisted ("no such file (dangling link?)", ...)
};

// The entries under `dir` whose file name `accept` takes (given the entry's path), sorted by path. A folder named
// like a wanted file is searched like any folder, never opened (opening a FIFO would block). A listing error ends
// the walk with an `unlisted` entry (see WalkOptions::skip_unreadable for folders one may not enter).
// Never throws for what it finds; `dir` itself not being a listable folder gives one `unlisted` entry.
std::vector<WalkEntry> walk_folder(const std::string& dir, const std::function<bool(const std::string&)>& accept,
                                   const WalkOptions& options = {});

}  // namespace mgc::data
