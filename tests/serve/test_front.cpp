// Issue #33: the server's front door (src/mgc/serve/front.h). The request scanner on every framing, byte by byte;
// then the front before a small cpp-httplib back end on loopback: slow clients are cut with 408 at their deadline
// and hold no worker, /healthz is answered beside 16 of them, limits are answered early, and a stop finishes the
// requests in flight. Self-stopping: every socket has a receive timeout and every server is stopped and joined.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/serve/front.h"
#include "serve/raw_client.h"

using mgc::serve::Front;
using mgc::serve::FrontConfig;
using mgc::serve::RequestScanner;
using Raw = mgc::test::RawClient;
using mgc::test::status_of;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Feeds `request` to a scanner one byte at a time; returns the first non-zero result and the bytes it took.
std::pair<int64_t, size_t> scan_bytewise(const std::string& request, int64_t max_header = 1 << 16,
                                         int64_t max_body = 1 << 20) {
  RequestScanner scanner(max_header, max_body);
  std::string buffer;
  for (char c : request) {
    buffer += c;
    if (const int64_t r = scanner.scan(buffer); r != 0) return {r, buffer.size()};
  }
  return {0, buffer.size()};
}

TEST(RequestScanner, FindsTheEndOfEveryFraming) {
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(scan_bytewise(get + "GET /next").first, static_cast<int64_t>(get.size()));

  const std::string post = "POST /v1/classify HTTP/1.1\r\ncontent-LENGTH:  5 \r\nHost: x\r\n\r\nhello";
  EXPECT_EQ(scan_bytewise(post + "extra").first, static_cast<int64_t>(post.size()));

  const std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5;name=x\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: t\r\n\r\n";
  EXPECT_EQ(scan_bytewise(chunked + "more").first, static_cast<int64_t>(chunked.size()));

  // The same Content-Length twice is one length.
  const std::string twice = "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab";
  EXPECT_EQ(scan_bytewise(twice).first, static_cast<int64_t>(twice.size()));

  // Nothing complete yet.
  EXPECT_EQ(scan_bytewise("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc").first, 0);
  EXPECT_EQ(scan_bytewise("GET / HTTP/1.1\r\nHost: x\r\n").first, 0);
}

TEST(RequestScanner, RefusesWhatMustBeRefused) {
  EXPECT_EQ(scan_bytewise("GET / HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n", 1024).first, -431);
  // A header that never ends is refused as soon as it passes the limit.
  const auto [r, taken] = scan_bytewise("GET / HTTP/1.1\r\nX: " + std::string(5000, 'a'), 1024);
  EXPECT_EQ(r, -431);
  EXPECT_EQ(taken, 1025u);
  EXPECT_EQ(scan_bytewise("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n").first, -413);
  EXPECT_EQ(scan_bytewise("POST / HTTP/1.1\r\nContent-Length: 999999999999999999999\r\n\r\n").first, -400);
  EXPECT_EQ(scan_bytewise("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").first, -400);
  EXPECT_EQ(scan_bytewise("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab").first, -400);
  EXPECT_EQ(scan_bytewise("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").first, -400);
  EXPECT_EQ(scan_bytewise("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").first, -400);
  const std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(scan_bytewise(chunked + "zz\r\n").first, -400);
  EXPECT_EQ(scan_bytewise(chunked + "3\r\nabcX\r\n").first, -400);  // no CRLF after the data
  EXPECT_EQ(scan_bytewise(chunked + "80000\r\n", 1 << 16, 1 << 16).first, -413);
  // The chunks' total, not one chunk, counts against the limit.
  std::string many = chunked;
  for (int i = 0; i < 5; ++i) many += "4000\r\n" + std::string(0x4000, 'x') + "\r\n";
  EXPECT_EQ(scan_bytewise(many, 1 << 16, 0x10000).first, -413);
}

TEST(RequestScanner, ExpectIsSeenAndRemovedForTheBackEnd) {
  const std::string request = "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab";
  RequestScanner scanner(1 << 16, 1 << 20);
  ASSERT_EQ(scanner.scan(request), static_cast<int64_t>(request.size()));
  EXPECT_TRUE(scanner.expects_continue());
  EXPECT_EQ(mgc::serve::without_expect(request, scanner.header_end()),
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab");
}

// cpp-httplib on a loopback port (what mgc serve runs behind its front): /healthz, and POST /echo answering with
// the body's size (POST /slow: the same after a second).
class Backend {
 public:
  Backend() {
    http_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
    http_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(std::to_string(req.body.size()), "text/plain");
    });
    http_.Post("/slow", [](const httplib::Request& req, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      res.set_content(std::to_string(req.body.size()), "text/plain");
    });
    http_.set_keep_alive_max_count(1);
    port_ = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Backend() {
    http_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::Server http_;
  int port_ = 0;
  std::thread thread_;
};

// A front on a free port before a Backend, running on its own thread until the object dies.
class RunningFront {
 public:
  explicit RunningFront(FrontConfig c) {
    c.backend_port = backend_.port();
    c.error_body = [](int status, const std::string& detail) {
      return "{\"error\":\"" + std::to_string(status) + ": " + detail + "\"}";
    };
    front_ = std::make_unique<Front>(std::move(c), "127.0.0.1", 0);
    thread_ = std::thread([this] { front_->run(); });
  }
  ~RunningFront() { stop(); }
  // Milliseconds from stop() until run() returned.
  double stop() {
    if (!thread_.joinable()) return 0.0;
    const auto t0 = Clock::now();
    front_->stop();
    thread_.join();
    return seconds_since(t0) * 1000.0;
  }
  int port() const { return front_->port(); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_connection_timeout(5, 0);
    c.set_read_timeout(5, 0);
    return c;
  }

 private:
  Backend backend_;
  std::unique_ptr<Front> front_;
  std::thread thread_;
};

FrontConfig small_config() {
  FrontConfig c;
  c.request_timeout_s = 2;
  c.max_body_bytes = 1 << 20;
  c.workers = 2;
  return c;
}

TEST(Front, ForwardsRequestsOfEveryFramingAndAnswersExpect) {
  RunningFront f(small_config());
  auto cli = f.client();
  auto health = cli.Get("/healthz");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok");
  EXPECT_EQ(health->get_header_value("Connection"), "close");
  auto echo = cli.Post("/echo", std::string(300000, 'x'), "application/octet-stream");
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->body, "300000");

  Raw chunked(f.port());
  ASSERT_TRUE(chunked.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"));
  const std::string reply = chunked.read_all();
  EXPECT_EQ(status_of(reply), 200) << reply;
  EXPECT_EQ(reply.substr(reply.size() - 1), "7") << reply;

  // Expect: 100-continue gets its 100 before the body is sent, and one final answer after it.
  Raw expect(f.port());
  ASSERT_TRUE(expect.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  EXPECT_EQ(expect.read_some(), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(expect.send("abcd"));
  const std::string answer = expect.read_all();
  EXPECT_EQ(status_of(answer), 200) << answer;
  EXPECT_EQ(answer.find("100 Continue"), std::string::npos) << answer;  // the back end did not answer it again
  EXPECT_EQ(answer.substr(answer.size() - 1), "4") << answer;
}

// The bar of issue #33: a 1-byte-per-interval header trickle is cut with 408 at the request timeout.
TEST(Front, AHeaderTrickleIsCutWith408AtItsDeadline) {
  RunningFront f(small_config());  // 2 s
  Raw slow(f.port());
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-a0: " + std::string(200, 'b');
  std::atomic<bool> done{false};
  const auto t0 = Clock::now();
  std::thread trickle([&] {
    for (size_t i = 0; i < request.size() && !done; ++i) {
      if (!slow.send(request.substr(i, 1))) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const std::string reply = slow.read_all();  // returns when the front closes
  const double took = seconds_since(t0);
  done = true;
  trickle.join();
  std::printf("a header trickle (1 byte / 100 ms) was cut after %.2f s (request timeout 2 s)\n", took);
  EXPECT_EQ(status_of(reply), 408) << reply;
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
  EXPECT_GE(took, 1.9);
  EXPECT_LT(took, 6.0);  // the deadline plus the linger after the answer, not the trickle's 20 s
}

// Sixteen clients trickling headers (twice the back end's workers) do not delay anyone: they hold no worker.
TEST(Front, SixteenSlowClientsDoNotDelayHealthz) {
  FrontConfig c = small_config();
  c.request_timeout_s = 30;
  RunningFront f(c);
  mgc::test::SlowClients slow(f.port(), 16, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-a0: ", "b",
                               std::chrono::milliseconds(500));
  ASSERT_TRUE(slow.opened());
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // every slow client connected and sending
  std::vector<double> latencies;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    auto r = f.client().Get("/healthz");
    latencies.push_back(seconds_since(t0));
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
  }
  slow.stop();
  std::sort(latencies.begin(), latencies.end());
  std::printf("/healthz beside 16 slow clients: median %.1f ms, max %.1f ms\n", latencies[2] * 1000.0,
              latencies[4] * 1000.0);
  EXPECT_LT(latencies[2], 1.0);
}

TEST(Front, LimitsAreAnsweredFromTheHeaderAndTheClientReadsTheAnswer) {
  FrontConfig c = small_config();
  c.max_body_bytes = 1000;
  c.max_header_bytes = 2048;
  c.max_connections = 4;
  RunningFront f(c);
  // A body over the limit: 413 although the client sends all of it first (the front reads and drops it).
  auto big = f.client().Post("/echo", std::string(200000, 'x'), "application/octet-stream");
  ASSERT_TRUE(big) << httplib::to_string(big.error());
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(big->body, "{\"error\":\"413: body over the limit\"}");
  {
    // A declared 8 GiB: refused at once.
    Raw huge(f.port());
    const auto t0 = Clock::now();
    ASSERT_TRUE(huge.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 8589934592\r\n\r\nRIFF"));
    EXPECT_EQ(status_of(huge.read_all()), 413);
    EXPECT_LT(seconds_since(t0), 5.0);
    Raw header(f.port());
    ASSERT_TRUE(header.send("GET / HTTP/1.1\r\nX: " + std::string(3000, 'a')));
    EXPECT_EQ(status_of(header.read_all()), 431);
    Raw smuggle(f.port());
    ASSERT_TRUE(
        smuggle.send("POST /echo HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    EXPECT_EQ(status_of(smuggle.read_all()), 400);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the front has seen them close
  // Connections over max_connections: 503 at once.
  std::vector<std::unique_ptr<Raw>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<Raw>(f.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Raw extra(f.port());
  EXPECT_EQ(status_of(extra.read_all()), 503);
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto health = f.client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

// Requests waiting for a worker count against max_buffered_bytes like those still arriving: memory is bounded by
// the setting, not by how many clients queue up behind a slow back end.
TEST(Front, RequestsWaitingForAWorkerCountAgainstTheMemoryBound) {
  FrontConfig c = small_config();
  c.workers = 1;
  c.max_body_bytes = 1000;
  c.max_header_bytes = 1024;
  c.max_buffered_bytes = 2600;  // two requests of about 1,080 bytes, not three
  RunningFront f(c);
  const std::string body(1000, 'x');
  auto post = [&] {
    auto r = f.client().Post("/slow", body, "application/octet-stream");
    return r ? r->status : -1;
  };
  auto first = std::async(std::launch::async, post);  // forwarded: the worker waits a second for the back end
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto second = std::async(std::launch::async, post);  // complete, waiting for the worker
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Raw third(f.port());
  ASSERT_TRUE(third.send("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + body));
  const std::string refused = third.read_all();
  EXPECT_EQ(status_of(refused), 503) << refused;
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused;
  EXPECT_EQ(first.get(), 200);
  EXPECT_EQ(second.get(), 200);
  auto after = f.client().Post("/echo", body, "application/octet-stream");  // the bytes were given back
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST(Front, StopFinishesARequestBeingReadAndDropsIdleConnections) {
  RunningFront f(small_config());
  Raw idle(f.port());
  Raw half(f.port());
  ASSERT_TRUE(half.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto stopped = std::async(std::launch::async, [&] { return f.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(idle.read_all(), "");  // closed without an answer
  ASSERT_TRUE(half.send("def"));
  const std::string reply = half.read_all();
  EXPECT_EQ(status_of(reply), 200) << reply;
  EXPECT_EQ(reply.substr(reply.size() - 1), "6") << reply;
  const double ms = stopped.get();
  std::printf("stop() to run() returning: %.0f ms\n", ms);
  EXPECT_LT(ms, 3000.0);
  EXPECT_THROW(Raw late(f.port()), std::runtime_error);  // no longer listening
}

TEST(Front, BadConfigAndBusyPortAreNamed) {
  FrontConfig c = small_config();
  c.backend_port = 1;
  c.error_body = [](int, const std::string&) { return std::string("{}"); };
  c.request_timeout_s = 0;
  try {
    Front bad(c, "127.0.0.1", 0);
    ADD_FAILURE() << "no error";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("request_timeout_s"), std::string::npos) << e.what();
  }
  c.request_timeout_s = 2;
  Front first(c, "127.0.0.1", 0);
  try {
    Front second(c, "127.0.0.1", first.port());
    ADD_FAILURE() << "a second front bound the same port";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(first.port())),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Front(c, "192.0.2.1", 0), mgc::Error);  // TEST-NET: no address of this machine
}

}  // namespace
