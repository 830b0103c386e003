#include "mgc/core/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "mgc/core/error.h"

namespace mgc {

FolderLock::FolderLock(const std::string& dir, const std::string& lock_name, const char* component) {
  const std::string path = lock_name.empty() ? dir : dir + "/" + lock_name;
  fd_ = lock_name.empty() ? ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                          : ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw make_error(component, "cannot lock '{}': {}", dir, std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    const ssize_t n = lock_name.empty() ? 0 : ::pread(fd_, buf, sizeof buf - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK) throw make_error(component, "cannot lock '{}': {}", dir, std::strerror(err));
    const std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
    throw make_error(component, "'{}' is in use by another mgc process{}: wait for it to finish, or use another folder",
                     dir, pid.empty() ? "" : " (pid " + pid + ")");
  }
  if (lock_name.empty()) return;
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t w = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

FolderLock::~FolderLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace mgc
