#include "mgc/core/fs.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mgc/core/error.h"

namespace mgc {

std::string atomic_temp_path(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

long name_pid(const std::string& name, const std::string& mark, size_t from) {
  const size_t at = from == std::string::npos ? name.find(mark) : (name.compare(from, mark.size(), mark) == 0 ? from : std::string::npos);
  if (at == std::string::npos) return 0;
  const size_t first = at + mark.size();
  long pid = 0;
  size_t i = first;
  for (; i < name.size() && i < first + 9 && name[i] >= '0' && name[i] <= '9'; ++i) pid = pid * 10 + (name[i] - '0');
  return i > first && i < name.size() && name[i] == '-' ? pid : 0;
}

long atomic_temp_owner(const std::string& name) {
  const size_t at = name.rfind(".tmp.");
  if (at == std::string::npos || at + 5 >= name.size() || name.size() - at - 5 > 9) return 0;
  long pid = 0;
  for (size_t i = at + 5; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

bool process_is_gone(long pid) { return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }

std::vector<std::string> find_leftovers(const std::string& dir, const std::function<long(const std::string&)>& owner,
                                        bool recursive) {
  namespace fs = std::filesystem;
  std::vector<std::string> found;
  std::error_code ec;
  const auto consider = [&](const fs::directory_entry& e) {
    if (process_is_gone(owner(e.path().filename().string()))) found.push_back(e.path().string());
  };
  if (recursive) {
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) consider(*it);
  } else {
    for (const auto& e : fs::directory_iterator(dir, ec)) consider(e);
  }
  return found;
}

std::vector<std::string> remove_leftovers(const std::string& dir, const std::function<long(const std::string&)>& owner,
                                          bool recursive) {
  std::vector<std::string> removed;
  for (const std::string& path : find_leftovers(dir, owner, recursive)) {  // listed first, removed after the walk
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (!ec) removed.push_back(path);
  }
  return removed;
}

void write_file_atomic(const std::string& path, std::string_view bytes, bool sync) {
  const std::string tmp = atomic_temp_path(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    const std::filesystem::path folder = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (err == ENOENT && !folder.empty() && !std::filesystem::is_directory(folder, ec))
      throw make_error("io", "cannot write '{}': its folder '{}' does not exist", path, folder.string());
    throw make_error("io", "cannot write '{}': {}", path, std::strerror(err));
  }
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw make_error("io", "cannot write '{}': {}", tmp, std::strerror(err));
    }
    done += static_cast<size_t>(w);
  }
  if ((sync && ::fsync(fd) != 0) || ::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw make_error("io", "cannot flush '{}': {}", tmp, std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw make_error("io", "cannot rename '{}' to '{}': {}", tmp, path, std::strerror(err));
  }
}

TempFile::TempFile(const std::string& stem) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (stem + "-XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw make_error("io", "cannot create a temporary file '{}': {}", tmpl, std::strerror(errno));
  ::close(fd);
  path_ = tmpl;
}

TempFile::~TempFile() { ::unlink(path_.c_str()); }

namespace {

// An XDG base directory's mgc folder: $<variable>/mgc when it is absolute, else $HOME/<fallback>/mgc.
std::string xdg_dir(const char* variable, const char* fallback, const char* what) {
  const char* xdg = std::getenv(variable);
  if (xdg && xdg[0] == '/') return (std::filesystem::path(xdg) / "mgc").string();
  const char* home = std::getenv("HOME");
  if (!home || !home[0])
    throw make_error("io", "neither {} nor HOME is set: no folder for mgc's {} (set one of them)", variable, what);
  return (std::filesystem::path(home) / fallback / "mgc").string();
}

}  // namespace

std::string user_state_dir() { return xdg_dir("XDG_STATE_HOME", ".local/state", "state"); }

std::string user_cache_dir() {
  if (const char* dir = std::getenv("MGC_CACHE_DIR"); dir && dir[0]) return dir;
  return xdg_dir("XDG_CACHE_HOME", ".cache", "cache");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw make_error("io", "cannot open '{}': {}", path, std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw make_error("io", "cannot read '{}'", path);
  return ss.str();
}

}  // namespace mgc
