#pragma once
// The HTTP service of a trained run (cpp-httplib, plain HTTP): a JSON API to classify uploaded audio and a
// self-contained web page. Routes (docs/SERVE.md has examples):
//   GET  /             the web page (page.h)
//   GET  /healthz      {"status":"ok"}
//   GET  /v1/models    {model, classes, segment_seconds, run, limits}
//   POST /v1/classify  multipart/form-data field "file", or a raw body with Content-Type audio/*;
//                      query: top_k (default 3), spectrogram=1 (adds a base64 log-mel PNG)
// Every error is JSON {"error": message}: 400 bad audio, parameter or framing, 403 a Host not served, 404 unknown
// route, 408 a request that did not arrive within request_timeout_s, 413 upload over max_upload_bytes, 415
// neither multipart nor audio/*, 431 header over 64 KiB, 503 (with Retry-After) when max_concurrent
// classifications are already running: a request over the limit is refused at once rather than queued, so a
// client sees back-pressure immediately and no queue can grow without bound.
// Header kept free of httplib and libtorch.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mgc::serve {

struct ServeConfig {
  std::string run_dir;                   // run folder made by `mgc train` (config.json, run.json, weights)
  std::string host = "127.0.0.1";        // address to bind; loopback by default, "0.0.0.0" exposes the service
  int port = 8080;                       // TCP port; 0 = any free port (read it back with Server::port())
  int64_t max_upload_bytes = 50LL << 20; // limit on a request body (multipart overhead included); over it: 413
  int max_concurrent = 4;                // classifications running at once; over it: 503 + Retry-After
  int threads = 0;                       // intra-op inference threads (0 = all cores)
  int workers = 0;                       // HTTP worker threads (connections served at once); 0 = max_concurrent + 4
  bool log_requests = false;             // one line per request on stderr
  // Slow clients: a request's header must arrive within request_timeout_s of the connection, and its body
  // within as many seconds again plus one per 64 KiB (408 otherwise); the answer must be taken within as long.
  // Requests are read whole before a worker sees them (front.h), so slow clients hold no worker.
  int request_timeout_s = 30;
  int max_connections = 1024;            // client connections open at once; over it: 503
  // Host header names served besides the bound address and loopback's (localhost, 127.0.0.1, [::1]): a page on
  // another site cannot reach the API through a DNS name it points at 127.0.0.1 (DNS rebinding). Bound to a
  // wildcard address (0.0.0.0, ::) every name is served.
  std::vector<std::string> allowed_hosts;

  // Throws mgc::Error ("serve: ...") naming the field on an out-of-range value.
  void validate() const;
  // The worker count after resolving 0.
  int resolved_workers() const;
};

class Server {
 public:
  // Validates the config and loads the run's model. Throws mgc::Error on a bad config or run folder.
  explicit Server(ServeConfig config);
  ~Server();  // stops the server if it is running; start() must have returned before the object dies
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port and serves until stop(); blocks. When it returns, the listening socket is closed and every
  // request in flight has been answered. Throws mgc::Error if the address cannot be bound or if start() was
  // already called. A stop() that comes before start() makes start() return at once.
  void start();
  // Asks start() to return: stops accepting connections; requests in flight finish (idle connections are
  // dropped at once, requests still arriving get 2 s more). Thread-safe, returns without waiting, idempotent.
  // Not async-signal-safe: from a signal handler, set a flag and call stop() from a thread (the CLI does).
  void stop();
  // The bound port once start() has bound (useful with port 0), else 0.
  int port() const;
  // Waits up to timeout_ms for start() to bind; true when the server accepts connections.
  bool wait_until_listening(int timeout_ms) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mgc::serve
