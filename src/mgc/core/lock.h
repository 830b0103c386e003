#pragma once
// One writer per folder: an exclusive advisory lock (flock) on a file in it, held for the lifetime of the object.
// The kernel releases it when the process ends in any way (SIGKILL included), so a dead writer never blocks the
// next one and there is nothing to clean up.
#include <string>

namespace mgc {

class FolderLock {
 public:
  // Locks `dir` (which must exist) through its file `lock_name`, created if missing, and writes this process's pid
  // into it; with an empty `lock_name`, through the folder itself, leaving nothing in it (for folders that are the
  // user's, such as a music library; the message then names no pid). Throws mgc::Error ("<component>: '<dir>' is
  // in use by another mgc process (pid N): ...") when another holder has it, or naming the cause when the lock
  // file or folder cannot be opened. Never waits.
  FolderLock(const std::string& dir, const std::string& lock_name, const char* component);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace mgc
