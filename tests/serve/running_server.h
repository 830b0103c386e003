#pragma once
// A Server started on its own thread for a test; stopped and joined when the object dies (test_server and
// test_server_load).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "mgc/serve/server.h"

namespace mgc::test {

class RunningServer {
 public:
  explicit RunningServer(serve::ServeConfig config) : server_(std::move(config)) {
    thread_ = std::thread([this] {
      try {
        server_.start();
      } catch (const std::exception& e) {
        error_ = e.what();
      }
    });
    if (!server_.wait_until_listening(30000)) ADD_FAILURE() << "server did not start: " << error_;
  }
  ~RunningServer() { stop_and_join(); }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  // Milliseconds from stop() until start() returned (0 if already stopped).
  double stop_and_join() {
    if (!thread_.joinable()) return 0.0;
    const auto t0 = std::chrono::steady_clock::now();
    server_.stop();
    thread_.join();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  serve::Server& server() { return server_; }
  int port() const { return server_.port(); }
  // A client of the server: 10 s to connect, timeout_s seconds for each read and write.
  httplib::Client client(int timeout_s = 60) const {
    httplib::Client c("127.0.0.1", server_.port());
    c.set_connection_timeout(10, 0);
    c.set_read_timeout(timeout_s, 0);
    c.set_write_timeout(timeout_s, 0);
    return c;
  }

 private:
  serve::Server server_;
  std::thread thread_;
  std::string error_;
};

}  // namespace mgc::test
