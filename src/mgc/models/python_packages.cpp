#include "mgc/models/python_packages.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace mgc::models {
namespace {

namespace fs = std::filesystem;

std::string search_lib(const fs::path& lib, const std::string& site, const std::string& tail, const std::string& what,
                       const std::function<std::string(const std::string&)>& accept, std::vector<std::string>& tried) {
  tried.push_back((lib / "python3*" / site / tail / what).string());
  std::vector<fs::path> versions;
  std::error_code ec;
  for (fs::directory_iterator it(lib, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().rfind("python3", 0) == 0) versions.push_back(it->path());
  std::sort(versions.rbegin(), versions.rend());  // the newest Python first
  for (const fs::path& v : versions)
    if (std::string found = accept((v / site / tail).string()); !found.empty()) return found;
  return "";
}

}  // namespace

std::string find_in_python_packages(const std::string& tail, const std::string& what,
                                    const std::function<std::string(const std::string& folder)>& accept,
                                    std::vector<std::string>& tried, const std::string& repo_hint) {
  std::vector<fs::path> roots;
  if (!repo_hint.empty()) roots.emplace_back(repo_hint);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path d = exe.parent_path();
    for (int up = 0; up <= 4 && !d.empty(); ++up, d = d.parent_path()) {
      roots.push_back(d);
      if (d == d.root_path()) break;
    }
  }
  if (const fs::path cwd = fs::current_path(ec); !ec) roots.push_back(cwd);
  std::vector<fs::path> seen;
  for (const fs::path& root : roots) {
    const fs::path norm = root.lexically_normal();
    if (std::find(seen.begin(), seen.end(), norm) != seen.end()) continue;
    seen.push_back(norm);
    if (std::string found = search_lib(norm / ".venv" / "lib", "site-packages", tail, what, accept, tried);
        !found.empty())
      return found;
  }
  return search_lib("/usr/local/lib", "dist-packages", tail, what, accept, tried);
}

}  // namespace mgc::models
