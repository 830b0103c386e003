#include "mgc/core/subprocess.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "mgc/core/error.h"

extern char** environ;

namespace mgc {
namespace {

// A file descriptor closed on destruction.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// posix_spawn_file_actions_t destroyed on scope exit.
class SpawnActions {
 public:
  explicit SpawnActions(const char* component) {
    if (posix_spawn_file_actions_init(&actions_) != 0)
      throw make_error(component, "posix_spawn_file_actions_init failed");
  }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

// `envp` null: this process's environment.
pid_t spawn(const std::vector<std::string>& argv, SpawnActions& actions, const char* component,
            char* const* envp = nullptr) {
  if (argv.empty()) throw make_error(component, "no program to run");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0].c_str(), actions.get(), nullptr, args.data(), envp ? envp : environ);
  if (rc != 0) throw make_error(component, "cannot run '{}': {}", argv[0], std::strerror(rc));
  return pid;
}

// Like spawn, with stdin from /dev/null and stdout + stderr into `log_fd`, through fork and exec so that the child
// can ask the kernel to kill it when the thread that started it dies (PR_SET_PDEATHSIG): a SIGKILLed mgc leaves no
// orphan behind. Between fork and exec the child makes only async-signal-safe calls. A program that cannot be
// executed exits with 127.
pid_t spawn_dying_with_parent(const std::vector<std::string>& argv, int log_fd, const char* component,
                              char* const* envp) {
  if (argv.empty()) throw make_error(component, "no program to run");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char* const* env = envp ? envp : environ;
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw make_error(component, "cannot run '{}': {}", argv[0], std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before the request took effect
    const int in = ::open("/dev/null", O_RDONLY);
    if (in < 0 || ::dup2(in, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0) ::_exit(127);
    ::execve(args[0], args.data(), env);
    ::_exit(127);
  }
  return pid;
}

// This process's environment without the names that `overrides` ("NAME=value") set, then `overrides` in order.
std::vector<std::string> child_environment(const std::vector<std::string>& overrides) {
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> names;
  for (const auto& o : overrides) names.push_back(name_of(o) + "=");
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const bool replaced = std::any_of(names.begin(), names.end(),
                                      [&](const std::string& n) { return entry.compare(0, n.size(), n) == 0; });
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

}  // namespace

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string dir = end > start ? dirs.substr(start, end - start) : ".";
    const std::string candidate = dir + "/" + name;
    std::error_code ec;
    if (::access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate, ec)) return candidate;
    start = end + 1;
  }
  return "";
}

std::string find_program(const std::string& name_or_path) {
  if (name_or_path.empty()) return "";
  if (name_or_path.find('/') != std::string::npos) return ::access(name_or_path.c_str(), X_OK) == 0 ? name_or_path : "";
  return find_on_path(name_or_path);
}

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

ProcessOutput run_process(const std::vector<std::string>& argv, std::chrono::seconds timeout, const char* component) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw make_error(component, "pipe failed: {}", std::strerror(errno));
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw make_error(component, "pipe failed: {}", std::strerror(errno));
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);

  SpawnActions actions(component);
  if (posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0) != 0 ||
      posix_spawn_file_actions_adddup2(actions.get(), out_write.get(), 1) != 0 ||
      posix_spawn_file_actions_adddup2(actions.get(), err_write.get(), 2) != 0)
    throw make_error(component, "cannot prepare to run '{}'", argv.empty() ? "" : argv[0]);
  const pid_t pid = spawn(argv, actions, component);
  out_write.reset();
  err_write.reset();

  ProcessOutput result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool out_open = true, err_open = true, timed_out = false;
  char buf[65536];
  while (out_open || err_open) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2];
    int nfds = 0;
    if (out_open) fds[nfds++] = {out_read.get(), POLLIN, 0};
    if (err_open) fds[nfds++] = {err_read.get(), POLLIN, 0};
    const int ready = ::poll(fds, nfds, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < nfds; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      const bool is_out = fds[i].fd == out_read.get();
      if (got <= 0)
        (is_out ? out_open : err_open) = false;
      else
        (is_out ? result.out : result.err).append(buf, static_cast<size_t>(got));
    }
  }
  if (timed_out || out_open || err_open) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) throw make_error(component, "'{}' ran over {} s and was stopped", argv[0], timeout.count());
  result.status = status;
  return result;
}

ChildUsage run_logged(const std::vector<std::string>& argv, const std::string& log_path, const char* component) {
  return run_logged(argv, log_path, LogRunOptions{}, component);
}

ChildUsage run_logged(const std::vector<std::string>& argv, const std::string& log_path, const LogRunOptions& options,
                      const char* component) {
  const int mode = O_WRONLY | O_CREAT | O_CLOEXEC | (options.truncate_log ? O_TRUNC : O_APPEND);
  Fd log(::open(log_path.c_str(), mode, 0644));
  if (log.get() < 0) throw make_error(component, "cannot open the log '{}': {}", log_path, std::strerror(errno));
  SpawnActions actions(component);
  if (posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0) != 0 ||
      posix_spawn_file_actions_adddup2(actions.get(), log.get(), 1) != 0 ||
      posix_spawn_file_actions_adddup2(actions.get(), log.get(), 2) != 0)
    throw make_error(component, "cannot prepare to run '{}'", argv.empty() ? "" : argv[0]);
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  if (!options.environment.empty()) {
    env_strings = child_environment(options.environment);
    for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }
  ChildUsage usage;
  usage.spawner_rss_kib = self_peak_rss_kib();
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = options.die_with_parent
                        ? spawn_dying_with_parent(argv, log.get(), component, envp.empty() ? nullptr : envp.data())
                        : spawn(argv, actions, component, envp.empty() ? nullptr : envp.data());
  log.reset();
  int status = 0;
  rusage ru{};
  if (options.timeout_s > 0) {
    // Polled: wait4 has no time limit of its own.
    const auto deadline = t0 + std::chrono::duration<double>(options.timeout_s);
    for (;;) {
      const pid_t w = ::wait4(pid, &status, WNOHANG, &ru);
      if (w == pid) break;
      if (w < 0 && errno != EINTR)
        throw make_error(component, "waiting for '{}' failed: {}", argv[0], std::strerror(errno));
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        throw make_error(component, "'{}' ran over {:g} s and was stopped", argv[0], options.timeout_s);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  } else {
    while (::wait4(pid, &status, 0, &ru) < 0) {
      if (errno != EINTR) throw make_error(component, "waiting for '{}' failed: {}", argv[0], std::strerror(errno));
    }
  }
  usage.status = status;
  usage.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  usage.max_rss_kib = ru.ru_maxrss;
  return usage;
}

int64_t self_peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

}  // namespace mgc
