#pragma once
// Small file-system helpers shared by every stage.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mgc {

// Writes `bytes` to `path` through a temporary file in the same folder, flushed and renamed into place, so a
// crash leaves either the old file or the new one, never half of one. Throws mgc::Error ("io: ...", naming `path`,
// and its folder when that does not exist) on failure.
// sync = false skips the fsync: for checksummed caches, where a crash may leave a damaged entry that is detected
// and recomputed, and an fsync per file costs more than computing it (feature cache: 47 -> 65 clips/s cold).
void write_file_atomic(const std::string& path, std::string_view bytes, bool sync = true);

// The temporary file write_file_atomic uses for `path`: "<path>.tmp.<pid>", so that a later run can tell a dead
// writer's leftover (see remove_leftovers) from a live writer's file.
std::string atomic_temp_path(const std::string& path);
// The pid in a name that atomic_temp_path made ("x.mel.tmp.123" -> 123), or 0 for any other name.
long atomic_temp_owner(const std::string& name);

// The pid that a temporary name carries right after `mark`, as "<mark><pid>-...": name_pid("mgc-synth-42-x",
// "mgc-synth-", 0) is 42. `from` is where `mark` must start (npos: anywhere). 0 when the name has no such pid.
long name_pid(const std::string& name, const std::string& mark, size_t from = 0);

// Whether no process `pid` exists any more (kill(pid, 0) fails with ESRCH). False for pid <= 0.
bool process_is_gone(long pid);

// The entries of `dir` (and of its sub-folders when `recursive`) that a dead process left: those for whose file
// name `owner` gives the pid (> 0) of a process that no longer exists. Never throws: what cannot be listed is
// skipped. A pid reused by a live process keeps its entry (the safe side).
std::vector<std::string> find_leftovers(const std::string& dir, const std::function<long(const std::string&)>& owner,
                                        bool recursive = false);
// find_leftovers, and removes them. Returns the paths removed (what cannot be removed is skipped).
std::vector<std::string> remove_leftovers(const std::string& dir, const std::function<long(const std::string&)>& owner,
                                          bool recursive = false);

// mgc's folder for state that outlives a run but is no user's document (the undo logs of `mgc tag`):
// "$XDG_STATE_HOME/mgc", or "$HOME/.local/state/mgc" when XDG_STATE_HOME is unset or not absolute (the XDG Base
// Directory rules). Not created here. Throws mgc::Error ("io: ...") when neither variable gives a folder.
std::string user_state_dir();

// mgc's folder for what can be recomputed at any time (FFTW wisdom, the CQT kernel, model parameter counts):
// $MGC_CACHE_DIR when set, else "$XDG_CACHE_HOME/mgc", or "$HOME/.cache/mgc" as above. Not created here. Throws mgc::Error ("io: ...") when neither variable gives a folder.
std::string user_cache_dir();

// Reads a whole file. Throws mgc::Error ("io: ...") if it cannot be opened or read.
std::string read_file(const std::string& path);

// An empty file in the system's temporary folder ("<stem>-XXXXXX"), removed when the object dies.
// Throws mgc::Error ("io: ...") if it cannot be created.
class TempFile {
 public:
  explicit TempFile(const std::string& stem);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace mgc
