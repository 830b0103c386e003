// mgc serve RUN_DIR: the HTTP API and web page of a trained run, until SIGINT or SIGTERM.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/serve/server.h"

namespace mgc::cli {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int sig) { g_signal = sig; }

// Installs the handler for SIGINT and SIGTERM; a second signal gets the default action (SA_RESETHAND), so a
// stuck shutdown can still be interrupted. Restores the previous handlers when it dies.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    g_signal = 0;
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

struct Options {
  serve::ServeConfig config;
  double max_upload_mb = 50.0;
  bool quiet = false;
};

}  // namespace

void register_serve(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = add_command(app, "serve");
  cmd->add_option("run", o->config.run_dir, "Run folder made by mgc train")->required();
  cmd->add_option("--host", o->config.host, "Address to bind (0.0.0.0 exposes the service)")->capture_default_str();
  cmd->add_option("--allow-host", o->config.allowed_hosts,
                  "A Host header name to serve besides the bound address and localhost (repeatable; guards "
                  "against DNS rebinding; a wildcard --host serves every name)");
  cmd->add_option("--port", o->config.port, "TCP port (0: any free port)")->capture_default_str();
  cmd->add_option("--max-upload-mb", o->max_upload_mb, "Largest request body in MiB; larger gets 413")
      ->capture_default_str();
  cmd->add_option("--max-concurrent", o->config.max_concurrent,
                  "Classifications at once; more get 503 with Retry-After")->capture_default_str();
  cmd->add_option("--threads", o->config.threads, "Intra-op inference threads (0: all cores)")->capture_default_str();
  cmd->add_option("--workers", o->config.workers, "HTTP worker threads (0: max-concurrent + 4)")
      ->capture_default_str();
  cmd->add_option("--request-timeout", o->config.request_timeout_s,
                  "Seconds a request's header may take to arrive (its body gets as long again, plus 1 s per "
                  "64 KiB); slower clients get 408")
      ->capture_default_str();
  cmd->add_option("--max-connections", o->config.max_connections, "Client connections open at once; more get 503")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "No per-request log lines");
  cmd->callback([o] {
    if (!(o->max_upload_mb > 0.0) || o->max_upload_mb > 64 * 1024.0)
      throw make_error("serve", "--max-upload-mb must be in (0, 65536], got {}", o->max_upload_mb);
    serve::ServeConfig c = o->config;
    c.max_upload_bytes = static_cast<int64_t>(std::llround(o->max_upload_mb * 1024.0 * 1024.0));
    c.log_requests = !o->quiet;
    serve::Server server(c);

    // The handler only records the signal; this thread turns it into stop(), which is not async-signal-safe.
    const StopSignals signals;
    std::atomic<bool> finished{false};
    std::thread watcher([&] {
      while (!finished && g_signal == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (g_signal != 0) {
        std::fprintf(stderr, "serve: %s received, finishing the requests in flight...\n",
                     g_signal == SIGINT ? "SIGINT" : "SIGTERM");
        server.stop();
      }
    });
    struct JoinWatcher {
      std::atomic<bool>& finished;
      std::thread& watcher;
      ~JoinWatcher() {
        finished = true;
        watcher.join();
      }
    } join_watcher{finished, watcher};

    const std::string shown_host = c.host.find(':') != std::string::npos ? "[" + c.host + "]" : c.host;
    std::thread announce([&] {
      if (server.wait_until_listening(60000))
        std::fprintf(stderr, "serve: %s on http://%s:%d/ (Ctrl-C to stop)\n", c.run_dir.c_str(),
                     shown_host.c_str(), server.port());
    });
    try {
      server.start();
    } catch (...) {
      server.stop();  // wakes wait_until_listening
      announce.join();
      throw;
    }
    announce.join();
    std::fprintf(stderr, "serve: stopped\n");
  });
}

}  // namespace mgc::cli
