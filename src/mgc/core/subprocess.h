#pragma once
// Running other programs without a shell: posix_spawn with an argv vector (nothing is ever parsed by /bin/sh),
// stdin from /dev/null, and either captured output (gnuplot) or output appended to a log file with the child's
// resource usage read back by wait4 (training children, whose peak memory `mgc compare` reports).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace mgc {

// The first executable `name` on PATH, or "" if there is none.
std::string find_on_path(const std::string& name);

struct ProcessOutput {
  int status = 0;        // as waitpid's status (WIFEXITED / WEXITSTATUS)
  std::string out, err;  // everything the program wrote to stdout and stderr
};

// Runs argv[0] (a path) with argv, stdin from /dev/null, and collects stdout and stderr. Kills it after
// `timeout`. Throws mgc::Error ("<component>: ...") if it cannot be started or runs too long.
ProcessOutput run_process(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                          const char* component = "core");

struct ChildUsage {
  int status = 0;            // as waitpid's status
  double seconds = 0.0;      // wall time from spawn to exit
  int64_t max_rss_kib = 0;   // ru_maxrss of the child from wait4 (KiB on Linux): its peak resident set size
  int64_t spawner_rss_kib = 0;  // this process's peak RSS when it spawned the child: the floor of max_rss_kib
};

// Runs argv[0] (a path) with argv, stdin from /dev/null, stdout and stderr appended to `log_path` (created),
// waits for it with wait4 and returns its exit status and resource usage. Linux keeps the high-water RSS of the
// spawning process's memory image across exec, so max_rss_kib is max(child's own peak, this process's peak RSS
// at the time of the spawn): spawn from a process that is still small. Throws mgc::Error ("<component>: ...")
// if the log cannot be opened or the program cannot be started.
ChildUsage run_logged(const std::vector<std::string>& argv, const std::string& log_path,
                      const char* component = "core");

// This process's peak resident set size so far (VmHWM of /proc/self/status) in KiB; 0 if unknown.
int64_t self_peak_rss_kib();

}  // namespace mgc
