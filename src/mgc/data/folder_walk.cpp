#include "mgc/data/folder_walk.h"

#include <algorithm>
#include <filesystem>

namespace mgc::data {

std::vector<WalkEntry> walk_folder(const std::string& dir, const std::function<bool(const std::string&)>& accept,
                                   const WalkOptions& options) {
  namespace fs = std::filesystem;
  std::vector<WalkEntry> found;
  auto flags = fs::directory_options::none;
  if (options.skip_unreadable) flags |= fs::directory_options::skip_permission_denied;
  if (options.follow_symlinks) flags |= fs::directory_options::follow_directory_symlink;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, flags, ec), end;
  if (ec) return {{WalkEntry::Kind::unlisted, dir, "cannot list folder: " + ec.message()}};
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (options.skip_hidden && !name.empty() && name[0] == '.') {
      std::error_code st;
      if (it->is_directory(st)) it.disable_recursion_pending();
      continue;
    }
    if (!accept(p.string())) continue;
    std::error_code st;
    const fs::file_status s = fs::status(p, st);
    if (fs::is_directory(s)) continue;  // a folder named like a file is searched like any folder
    if (fs::is_regular_file(s)) {
      found.push_back({WalkEntry::Kind::file, p.string(), ""});
    } else if (st == std::errc::too_many_symbolic_link_levels) {
      found.push_back({WalkEntry::Kind::not_regular, p.string(), "a symbolic link loop"});
    } else if (!fs::exists(s)) {
      found.push_back({WalkEntry::Kind::not_regular, p.string(), "no such file (dangling link?)"});
    } else {
      found.push_back(
          {WalkEntry::Kind::not_regular, p.string(), "not a regular file (FIFO, socket or device), skipped"});
    }
  }
  if (ec) found.push_back({WalkEntry::Kind::unlisted, dir, "cannot list folder: " + ec.message()});
  std::sort(found.begin(), found.end(), [](const WalkEntry& a, const WalkEntry& b) { return a.path < b.path; });
  return found;
}

}  // namespace mgc::data
