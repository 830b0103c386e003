#include "mgc/serve/front.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "mgc/core/error.h"

namespace mgc::serve {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kBodyBytesPerSecond = 64 << 10;           // the slowest body we wait for, after the grace
constexpr auto kStopGrace = std::chrono::seconds(2);        // what a request being read gets after stop()
constexpr auto kLinger = std::chrono::seconds(2);           // reading (and dropping) after an early answer
constexpr int64_t kLingerBytes = 64LL << 20;                // ... at most this much

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// A complete error response: the status line, the JSON body, "Connection: close" (and "Retry-After: 1" for 503).
std::string error_response(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\nContent-Type: application/json\r\n" +
         (status == 503 ? "Retry-After: 1\r\n" : "") + "Content-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

// Sends all of `bytes` on a non-blocking socket by `deadline`. False when the peer is gone or too slow.
bool send_by(int fd, const char* data, size_t size, Clock::time_point deadline) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::send(fd, data + done, size - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000))) < 0 && errno != EINTR) return false;
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

// ---- RequestScanner -----------------------------------------------------------------------------------------

RequestScanner::RequestScanner(int64_t max_header_bytes, int64_t max_body_bytes)
    : max_header_(max_header_bytes), max_body_(max_body_bytes) {}

int64_t RequestScanner::scan(const std::string& buffer) {
  if (result_ != 0) return result_;
  if (header_end_ == 0) {
    result_ = scan_header(buffer);
    if (result_ != 0 || header_end_ == 0) return result_;
  }
  if (chunked_) {
    result_ = scan_chunks(buffer);
  } else {
    const int64_t end = static_cast<int64_t>(header_end_) + std::max<int64_t>(length_, 0);
    if (static_cast<int64_t>(buffer.size()) >= end) result_ = end;
  }
  return result_;
}

int64_t RequestScanner::scan_header(const std::string& buffer) {
  // Resume the search three bytes back: the terminator may straddle two reads.
  const size_t from = searched_ >= 3 ? searched_ - 3 : 0;
  const size_t end = buffer.find("\r\n\r\n", from);
  if (end == std::string::npos) {
    searched_ = buffer.size();
    return static_cast<int64_t>(buffer.size()) > max_header_ ? -431 : 0;
  }
  if (static_cast<int64_t>(end + 4) > max_header_) return -431;
  header_end_ = end + 4;
  bool has_length = false, has_coding = false;
  size_t line = buffer.find("\r\n") + 2;  // past the request line
  while (line < end + 2) {
    const size_t eol = buffer.find("\r\n", line);
    const std::string field = buffer.substr(line, eol - line);
    line = eol + 2;
    const size_t colon = field.find(':');
    if (colon == std::string::npos) continue;  // the back end judges malformed lines
    const std::string name = lower(trim(field.substr(0, colon)));
    const std::string value = trim(field.substr(colon + 1));
    if (name == "content-length") {
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); }))
        return -400;
      const int64_t n = std::stoll(value);
      if (has_length && n != length_) return -400;
      has_length = true;
      length_ = n;
    } else if (name == "transfer-encoding") {
      if (lower(value) != "chunked" || has_coding) return -400;
      has_coding = true;
    } else if (name == "expect") {
      expect_continue_ = lower(value) == "100-continue";
    }
  }
  if (has_length && has_coding) return -400;  // a request smuggling shape: refuse it
  chunked_ = has_coding;
  if (length_ > max_body_) return -413;
  chunk_pos_ = header_end_;
  return 0;
}

int64_t RequestScanner::scan_chunks(const std::string& buffer) {
  for (;;) {
    if (chunk_state_ == Chunk::data) {
      if (buffer.size() < chunk_pos_ + static_cast<size_t>(chunk_left_) + 2) return 0;
      if (buffer.compare(chunk_pos_ + static_cast<size_t>(chunk_left_), 2, "\r\n") != 0) return -400;
      chunk_pos_ += static_cast<size_t>(chunk_left_) + 2;
      chunk_state_ = Chunk::size_line;
      continue;
    }
    const size_t eol = buffer.find("\r\n", chunk_pos_);
    if (eol == std::string::npos) return buffer.size() - chunk_pos_ > 4096 ? -400 : 0;
    const std::string line = buffer.substr(chunk_pos_, eol - chunk_pos_);
    chunk_pos_ = eol + 2;
    if (chunk_state_ == Chunk::trailer) {
      if (line.empty()) return static_cast<int64_t>(chunk_pos_);
      continue;
    }
    const std::string hex = trim(line.substr(0, line.find(';')));
    if (hex.empty() || hex.size() > 15 ||
        !std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c); }))
      return -400;
    chunk_left_ = std::stoll(hex, nullptr, 16);
    chunk_total_ += chunk_left_;
    if (chunk_total_ > max_body_) return -413;
    chunk_state_ = chunk_left_ == 0 ? Chunk::trailer : Chunk::data;
  }
}

std::string without_expect(const std::string& request, size_t header_end) {
  std::string out;
  out.reserve(request.size());
  size_t line = 0;
  while (line < header_end) {
    const size_t eol = request.find("\r\n", line) + 2;
    const std::string_view field(request.data() + line, eol - line);
    const bool expect = field.size() > 7 && lower(std::string(field.substr(0, 7))) == "expect:";
    if (!expect) out.append(field);
    line = eol;
  }
  out.append(request, header_end, std::string::npos);
  return out;
}

void FrontConfig::validate() const {
  if (request_timeout_s < 1 || request_timeout_s > 3600)
    throw make_error("serve", "request_timeout_s must be in [1, 3600], got {}", request_timeout_s);
  if (max_body_bytes < 0) throw make_error("serve", "max_body_bytes must be >= 0, got {}", max_body_bytes);
  if (max_header_bytes < 1024) throw make_error("serve", "max_header_bytes must be >= 1024, got {}", max_header_bytes);
  if (max_connections < 1) throw make_error("serve", "max_connections must be >= 1, got {}", max_connections);
  if (max_buffered_bytes < max_body_bytes + max_header_bytes)
    throw make_error("serve", "max_buffered_bytes ({}) must hold one whole request ({} bytes)", max_buffered_bytes,
                     max_body_bytes + max_header_bytes);
  if (workers < 1) throw make_error("serve", "workers must be >= 1, got {}", workers);
  if (backend_port < 1 || backend_port > 65535)
    throw make_error("serve", "backend_port must be in [1, 65535], got {}", backend_port);
  if (!error_body) throw make_error("serve", "error_body is not set");
}

// ---- Front --------------------------------------------------------------------------------------------------

struct Front::Impl {
  struct Conn {
    int fd = -1;
    std::string buffer;
    RequestScanner scanner;
    Clock::time_point deadline;
    bool continued = false;  // "100 Continue" sent
    bool lingering = false;  // answered early: reading and dropping what the client still sends
    int64_t dropped = 0;
    Conn(int f, const FrontConfig& c)
        : fd(f), scanner(c.max_header_bytes, c.max_body_bytes),
          deadline(Clock::now() + std::chrono::seconds(c.request_timeout_s)) {}
  };
  struct Job {
    int fd;
    std::string request;
  };

  FrontConfig config;
  int listen_fd = -1, wake_fd = -1, epoll_fd = -1;
  int bound_port = 0;
  std::atomic<bool> stopping{false};
  std::unordered_map<int, Conn> conns;
  // Request bytes held: conns' buffers, and complete requests until their worker has forwarded them (the event
  // thread adds, workers subtract).
  std::atomic<int64_t> buffered{0};
  std::optional<Clock::time_point> accept_paused_until;  // out of descriptors: accepting again at this time
  // Complete requests for the workers.
  std::mutex jobs_mutex;
  std::condition_variable jobs_cv;
  std::deque<Job> jobs;
  bool jobs_closed = false;

  ~Impl() {
    for (int fd : {listen_fd, wake_fd, epoll_fd})
      if (fd >= 0) ::close(fd);
  }

  // Watches `fd` for input on the event loop.
  void watch(int fd) const {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  }

  void log_refusal(int status, const std::string& detail) const {
    if (config.log) std::fprintf(stderr, "serve: %d %s (refused by the front)\n", status, detail.c_str());
  }

  // Answers with an error, then reads and drops what the client still sends for a while (closing a socket with
  // unread data would reset it, and the client might not see the answer).
  void refuse(Conn& c, int status, const std::string& detail) {
    log_refusal(status, detail);
    const std::string response = error_response(status, config.error_body(status, detail));
    send_by(c.fd, response.data(), response.size(), Clock::now() + std::chrono::milliseconds(200));
    ::shutdown(c.fd, SHUT_WR);
    buffered -= static_cast<int64_t>(c.buffer.size());
    std::string().swap(c.buffer);
    c.lingering = true;
    c.deadline = Clock::now() + kLinger;
  }

  void close_conn(int fd) {
    const auto it = conns.find(fd);
    if (it == conns.end()) return;
    buffered -= static_cast<int64_t>(it->second.buffer.size());
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns.erase(it);
  }

  void accept_all() {
    for (;;) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE) {
          // Out of descriptors: the kernel keeps the rest queued; stop watching the socket for a moment, or the
          // loop would spin on it.
          ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
          accept_paused_until = Clock::now() + std::chrono::milliseconds(100);
        }
        return;
      }
      if (static_cast<int>(conns.size()) >= config.max_connections) {
        log_refusal(503, "too many connections");
        const std::string response = error_response(503, config.error_body(503, "too many connections"));
        ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
        ::close(fd);
        continue;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      conns.emplace(fd, Conn(fd, config));
      watch(fd);
    }
  }

  void on_readable(Conn& c) {
    char chunk[64 << 10];
    for (;;) {
      const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
      if (n == 0) return close_conn(c.fd);  // the client is gone (or done after an early answer)
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return close_conn(c.fd);
      }
      if (c.lingering) {
        c.dropped += n;
        if (c.dropped > kLingerBytes) return close_conn(c.fd);
        continue;
      }
      if (buffered + n > config.max_buffered_bytes) return refuse(c, 503, "the server holds too many requests");
      c.buffer.append(chunk, static_cast<size_t>(n));
      buffered += n;
      const int64_t end = c.scanner.scan(c.buffer);
      if (end < 0) {
        const int status = static_cast<int>(-end);
        return refuse(c, status, status == 413 ? "body over the limit"
                                 : status == 431 ? "header over the limit"
                                                 : "bad request framing");
      }
      if (end == 0) {
        if (c.scanner.header_done() && !c.continued) {
          // The body is allowed its own time, and the client asked before sending it.
          const int64_t declared = c.scanner.chunked() ? config.max_body_bytes : c.scanner.content_length();
          c.deadline = Clock::now() + std::chrono::seconds(config.request_timeout_s) +
                       std::chrono::seconds(std::max<int64_t>(declared, 0) / kBodyBytesPerSecond);
          if (stopping) c.deadline = std::min(c.deadline, Clock::now() + kStopGrace);
          if (c.scanner.expects_continue()) {
            static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
            send_by(c.fd, kContinue, sizeof kContinue - 1, Clock::now() + std::chrono::milliseconds(200));
          }
          c.continued = true;
        }
        continue;
      }
      // Complete: hand the request (and the connection) to a worker.
      std::string request = c.scanner.expects_continue() ? without_expect(c.buffer.substr(0, static_cast<size_t>(end)),
                                                                         c.scanner.header_end())
                                                         : c.buffer.substr(0, static_cast<size_t>(end));
      const int fd = c.fd;
      buffered += static_cast<int64_t>(request.size()) - static_cast<int64_t>(c.buffer.size());
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
      conns.erase(fd);
      {
        std::lock_guard<std::mutex> lock(jobs_mutex);
        jobs.push_back({fd, std::move(request)});
      }
      jobs_cv.notify_one();
      return;
    }
  }

  // Cuts what is past its deadline; returns the milliseconds until the next deadline (at most 1000).
  int sweep() {
    const auto now = Clock::now();
    auto next = now + std::chrono::seconds(1);
    if (accept_paused_until) {
      if (*accept_paused_until <= now && listen_fd >= 0) {
        watch(listen_fd);
        accept_paused_until.reset();
      } else if (listen_fd >= 0) {
        next = std::min(next, *accept_paused_until);
      }
    }
    std::vector<int> expired;
    for (auto& [fd, c] : conns) {
      if (c.deadline <= now) expired.push_back(fd);
      else next = std::min(next, c.deadline);
    }
    for (int fd : expired) {
      Conn& c = conns.at(fd);
      if (c.lingering || (stopping && c.buffer.empty())) {
        close_conn(fd);
      } else {
        refuse(c, 408, "the request did not arrive in time");
        next = std::min(next, c.deadline);
      }
    }
    return static_cast<int>(
        std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1));
  }

  // The stop: no more connections; idle ones closed; the ones being read get kStopGrace.
  void begin_stop() {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
    ::close(listen_fd);
    listen_fd = -1;
    std::vector<int> idle;
    for (auto& [fd, c] : conns) {
      if (c.buffer.empty() && !c.lingering) idle.push_back(fd);
      else c.deadline = std::min(c.deadline, Clock::now() + kStopGrace);
    }
    for (int fd : idle) close_conn(fd);
  }

  // A worker: forwards each complete request to the back end and relays the answer to the client.
  void work() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(jobs_mutex);
        jobs_cv.wait(lock, [&] { return !jobs.empty() || jobs_closed; });
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      forward(job);
      ::close(job.fd);
      buffered -= static_cast<int64_t>(job.request.size());
    }
  }

  void forward(const Job& job) {
    const auto write_deadline = [&] { return Clock::now() + std::chrono::seconds(config.request_timeout_s); };
    const int backend = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(config.backend_port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (backend < 0 || ::connect(backend, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      if (backend >= 0) ::close(backend);
      const std::string response = error_response(503, config.error_body(503, "the back end is not reachable"));
      send_by(job.fd, response.data(), response.size(), write_deadline());
      return;
    }
    // The back end is ours and on loopback: blocking writes and reads, each bounded by a generous timeout.
    timeval tv{600, 0};
    ::setsockopt(backend, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(backend, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    bool sent = true;
    for (size_t done = 0; done < job.request.size();) {
      const ssize_t n = ::send(backend, job.request.data() + done, job.request.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        sent = false;
        break;
      }
      done += static_cast<size_t>(n);
    }
    if (sent) {
      // No half-close: cpp-httplib takes a peer that has shut its side as gone and would not answer. It closes
      // after one answer (keep_alive_max_count 1), which ends the relay.
      char chunk[64 << 10];
      const auto deadline = write_deadline();
      for (;;) {
        const ssize_t n = ::recv(backend, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (!send_by(job.fd, chunk, static_cast<size_t>(n), deadline)) break;  // the client is gone or too slow
      }
    }
    ::close(backend);
  }
};

Front::Front(FrontConfig config, const std::string& host, int port) : impl_(std::make_unique<Impl>()) {
  config.validate();
  Impl& m = *impl_;
  m.config = std::move(config);
  const auto cannot = [&](const std::string& why) {
    return make_error("serve", "cannot listen on {}:{} ({})", host, port, why);
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const std::string name = host.size() > 2 && host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2)
                                                                                         : host;
  if (const int rc = ::getaddrinfo(name.c_str(), service.c_str(), &hints, &found); rc != 0)
    throw cannot(std::string("not an address of this machine: ") + ::gai_strerror(rc));
  std::string why = "no address";
  for (addrinfo* a = found; a && m.listen_fd < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR allows a quick restart; no SO_REUSEPORT, which would let a second server share the port.
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      m.listen_fd = fd;
    } else {
      why = std::strerror(errno);
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (m.listen_fd < 0) throw cannot(why);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(m.listen_fd, reinterpret_cast<sockaddr*>(&bound), &len);
  m.bound_port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                   : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  m.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  m.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (m.wake_fd < 0 || m.epoll_fd < 0) throw make_error("serve", "cannot create the event loop: {}", std::strerror(errno));
  m.watch(m.listen_fd);
  m.watch(m.wake_fd);
}

Front::~Front() = default;

int Front::port() const { return impl_->bound_port; }

void Front::stop() {
  impl_->stopping = true;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(impl_->wake_fd, &one, sizeof one);
}

void Front::run() {
  Impl& m = *impl_;
  std::vector<std::thread> workers;
  for (int i = 0; i < m.config.workers; ++i) workers.emplace_back([&m] { m.work(); });
  bool stop_begun = false;
  std::vector<epoll_event> events(256);
  int timeout_ms = 0;
  for (;;) {
    if (m.stopping && !stop_begun) {
      m.begin_stop();
      stop_begun = true;
    }
    if (stop_begun && m.conns.empty()) break;
    const int n = ::epoll_wait(m.epoll_fd, events.data(), static_cast<int>(events.size()), timeout_ms);
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<size_t>(i)].data.fd;
      if (fd == m.wake_fd) {
        uint64_t v;
        [[maybe_unused]] const ssize_t r = ::read(m.wake_fd, &v, sizeof v);
      } else if (fd == m.listen_fd) {
        if (!m.stopping) m.accept_all();
      } else if (const auto it = m.conns.find(fd); it != m.conns.end()) {
        m.on_readable(it->second);
      }
    }
    timeout_ms = m.sweep();
  }
  {
    std::lock_guard<std::mutex> lock(m.jobs_mutex);
    m.jobs_closed = true;
  }
  m.jobs_cv.notify_all();
  for (auto& w : workers) w.join();
}

}  // namespace mgc::serve
