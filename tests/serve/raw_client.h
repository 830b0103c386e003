#pragma once
// A raw TCP client on loopback, for the requests a well-behaved HTTP client does not send (slow, malformed,
// oversized), and the status line of what comes back. Every read waits at most the receive timeout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mgc::test {

class RawClient {
 public:
  explicit RawClient(int port, int receive_timeout_s = 20) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      if (fd_ >= 0) ::close(fd_);
      throw std::runtime_error("connect failed");
    }
    timeval tv{receive_timeout_s, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Sends all of `s`; false once the peer is gone.
  bool send(const std::string& s) {
    for (size_t done = 0; done < s.size();) {
      const ssize_t n = ::send(fd_, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  // What one receive brings.
  std::string read_some() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
  // Everything until the peer closes.
  std::string read_all() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd_, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  // One answer: until its Content-Length is complete, or the peer closes.
  std::string read_reply() {
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
      const size_t head = out.find("\r\n\r\n");
      const size_t cl = out.find("Content-Length: ");
      if (head != std::string::npos && cl != std::string::npos && out.size() >= head + 4 + std::stoul(out.substr(cl + 16)))
        break;
    }
    return out;
  }

 private:
  int fd_ = -1;
};

// `n` raw clients that each send `opening`, then one `byte` every `interval` until stop() or the object's end: the
// slow clients of the server tests.
class SlowClients {
 public:
  SlowClients(int port, int n, const std::string& opening, const std::string& byte, std::chrono::milliseconds interval) {
    for (int i = 0; i < n; ++i) {
      clients_.push_back(std::make_unique<RawClient>(port));
      opened_ = clients_.back()->send(opening) && opened_;
    }
    thread_ = std::thread([this, byte, interval] {
      while (!done_) {
        for (auto& c : clients_) c->send(byte);
        std::this_thread::sleep_for(interval);
      }
    });
  }
  ~SlowClients() { stop(); }
  SlowClients(const SlowClients&) = delete;
  SlowClients& operator=(const SlowClients&) = delete;
  // Whether every client sent its opening.
  bool opened() const { return opened_; }
  RawClient& operator[](size_t i) { return *clients_.at(i); }
  // Ends the trickle (the connections stay open until the object's end). Idempotent.
  void stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::vector<std::unique_ptr<RawClient>> clients_;
  bool opened_ = true;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// The status of the final answer in `reply` (after any "100 Continue"), or -1.
inline int status_of(const std::string& reply) {
  size_t at = 0;
  while (reply.compare(at, 12, "HTTP/1.1 100") == 0) at = reply.find("\r\n\r\n", at) + 4;
  return reply.compare(at, 9, "HTTP/1.1 ") == 0 ? std::stoi(reply.substr(at + 9, 3)) : -1;
}

}  // namespace mgc::test
