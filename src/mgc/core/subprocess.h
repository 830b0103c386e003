#pragma once
// Running other programs without a shell: posix_spawn with an argv vector (nothing is ever parsed by /bin/sh),
// stdin from /dev/null, and either captured output (gnuplot) or output written to a log file with the child's
// resource usage read back by wait4 (training children, whose peak memory `mgc compare` reports; the corpus
// generator's mma and fluidsynth, with a time limit and a pinned environment).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace mgc {

// The first executable `name` on PATH, or "" if there is none.
std::string find_on_path(const std::string& name);

// A program as a user names it (a command-line option such as --mma): a name holding a '/' is a path, returned as
// it is if it is executable (access X_OK); a bare name is looked up with find_on_path. "" if there is no such
// executable or `name_or_path` is empty.
std::string find_program(const std::string& name_or_path);

// The shell's view of a waitpid status: the exit code of a program that exited, 128 + the signal's number for one
// that a signal killed (so a SIGKILLed program gives 137).
int exit_code(int status);

struct ProcessOutput {
  int status = 0;        // as waitpid's status (WIFEXITED / WEXITSTATUS)
  std::string out, err;  // everything the program wrote to stdout and stderr
};

// Runs argv[0] (a path) with argv, stdin from /dev/null, and collects stdout and stderr. Kills it after
// `timeout`. Throws mgc::Error ("<component>: ...") if it cannot be started or runs too long.
ProcessOutput run_process(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                          const char* component = "core");

struct ChildUsage {
  int status = 0;               // as waitpid's status
  double seconds = 0.0;         // wall time from spawn to exit
  int64_t max_rss_kib = 0;      // ru_maxrss of the child from wait4 (KiB on Linux): its peak resident set size
  int64_t spawner_rss_kib = 0;  // this process's peak RSS when it spawned the child: the floor of max_rss_kib
};

// Runs argv[0] (a path) with argv, stdin from /dev/null, stdout and stderr appended to `log_path` (created),
// waits for it with wait4 and returns its exit status and resource usage. Linux keeps the high-water RSS of the
// spawning process's memory image across exec, so max_rss_kib is max(child's own peak, this process's peak RSS
// at the time of the spawn): spawn from a process that is still small. Throws mgc::Error ("<component>: ...")
// if the log cannot be opened or the program cannot be started.
ChildUsage run_logged(const std::vector<std::string>& argv, const std::string& log_path,
                      const char* component = "core");

// What run_logged can do beyond its defaults (log appended to, no time limit, this process's environment).
struct LogRunOptions {
  bool truncate_log = false;             // start the log empty (one log per run) instead of appending to it
  double timeout_s = 0;                  // > 0: seconds after which the program is killed (SIGKILL); 0 = no limit
  std::vector<std::string> environment;  // "NAME=value" entries that set NAME in the child's environment, replacing
                                         // any value it would inherit from this process
  bool die_with_parent = false;          // the kernel kills the program when the calling thread ends, however it
                                         // ends (SIGKILL too): no orphan outlives mgc. A program that cannot be
                                         // executed then exits with 127 instead of throwing
};

// run_logged with `options`. Throws mgc::Error ("<component>: ...") if the log cannot be opened, the program
// cannot be started, or it runs longer than options.timeout_s (it is killed and reaped first).
ChildUsage run_logged(const std::vector<std::string>& argv, const std::string& log_path, const LogRunOptions& options,
                      const char* component = "core");

// This process's peak resident set size so far (VmHWM of /proc/self/status) in KiB; 0 if unknown.
int64_t self_peak_rss_kib();

}  // namespace mgc
