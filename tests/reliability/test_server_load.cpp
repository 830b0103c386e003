// Issue #10: the HTTP service under hostile load on loopback. 200 concurrent requests (bounded: every one gets
// 200 or 503, none is dropped, memory stays flat between rounds), oversized uploads (413 without reading them),
// malformed multipart (400), slow clients that do not block others, and non-UTF-8 file names. Self-stopping: each
// client has a deadline and the server is stopped and joined at the end of each test.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "mgc/core/fs.h"
#include "mgc/serve/server.h"
#include "test_util.h"
#include "serve/raw_client.h"
#include "serve/running_server.h"
#include "train/toy_dataset.h"

using mgc::serve::ServeConfig;
using mgc::serve::Server;
using mgc::test::RawClient;
using mgc::test::status_of;
using mgc::test::TempDir;
using nlohmann::json;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Resident memory of this process in MiB (/proc/self/status VmRSS).
double rss_mib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0.0;
}

using Running = mgc::test::RunningServer;

class ServerLoad : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    const auto r = mgc::test::train_toy_run_cli(*dir_);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    mgc::test::write_sound(dir_->file("clip.wav"), mgc::test::sine(2100.0, 22050, 1.5), 22050, 1,
                           SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    clip_ = mgc::read_file(dir_->file("clip.wav"));
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static ServeConfig config() {
    ServeConfig c;
    c.run_dir = dir_->file("run");
    c.port = 0;
    c.max_upload_bytes = 256 << 10;
    c.max_concurrent = 2;
    c.threads = 1;
    return c;
  }
  static std::unique_ptr<TempDir> dir_;
  static std::string clip_;
};
std::unique_ptr<TempDir> ServerLoad::dir_;
std::string ServerLoad::clip_;

// One round of n concurrent uploads; returns {answered 200, answered 503}. Any other outcome fails the test.
std::pair<int, int> round_of(const Running& s, const std::string& clip, int n) {
  std::vector<std::future<std::pair<int, std::string>>> replies;
  std::atomic<int> started{0};
  for (int i = 0; i < n; ++i)
    replies.push_back(std::async(std::launch::async, [&] {
      ++started;
      auto cli = s.client(60);
      auto r = cli.Post("/v1/classify", clip, "audio/wav");
      if (!r) return std::make_pair(-1, httplib::to_string(r.error()));
      return std::make_pair(r->status, r->body);
    }));
  int ok = 0, busy = 0;
  for (auto& f : replies) {
    const auto [status, body] = f.get();
    if (status == 200) {
      ++ok;
      EXPECT_EQ(json::parse(body).at("probs").size(), 3u);
    } else if (status == 503) {
      ++busy;
    } else {
      ADD_FAILURE() << status << ": " << body;
    }
  }
  EXPECT_EQ(started.load(), n);
  return {ok, busy};
}

TEST_F(ServerLoad, TwoHundredConcurrentRequestsAreAllAnsweredAndMemoryStaysFlat) {
  Running s(config());
  const auto t0 = std::chrono::steady_clock::now();
  const auto [ok1, busy1] = round_of(s, clip_, 200);
  const double first = seconds_since(t0);
  const double rss1 = rss_mib();
  const auto [ok2, busy2] = round_of(s, clip_, 200);
  const double rss2 = rss_mib();
  std::printf("200 concurrent x 2 rounds: %d+%d answered 200, %d+%d answered 503 (busy), first round %.1f s, "
              "RSS %.0f -> %.0f MiB\n", ok1, ok2, busy1, busy2, first, rss1, rss2);
  EXPECT_EQ(ok1 + busy1, 200);
  EXPECT_EQ(ok2 + busy2, 200);
  EXPECT_GE(ok1, 2);
  EXPECT_LT(rss2 - rss1, 64.0) << "memory grew between identical rounds";
  auto health = s.client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ServerLoad, OversizedUploadsAreRefusedWithoutBeingRead) {
  Running s(config());
  const std::string big(1 << 20, 'x');
  auto cli = s.client();
  auto raw = cli.Post("/v1/classify", big, "audio/wav");
  ASSERT_TRUE(raw) << httplib::to_string(raw.error());
  EXPECT_EQ(raw->status, 413);
  EXPECT_NE(json::parse(raw->body).at("error").get<std::string>().find("262144"), std::string::npos) << raw->body;

  // A declared 8 GiB body is refused from its header alone: the server answers without waiting for the bytes.
  RawClient c(s.port());
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send("POST /v1/classify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: audio/wav\r\n"
                         "Content-Length: 8589934592\r\n\r\nRIFF"));
  const std::string reply = c.read_reply();
  EXPECT_EQ(status_of(reply), 413) << reply;
  EXPECT_LT(seconds_since(t0), 10.0);

  // Chunked, no length: 413 once the chunks pass the limit (the front counts them).
  RawClient chunked(s.port());
  std::string body = "POST /v1/classify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: audio/wav\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) body += "2000\r\n" + std::string(0x2000, 'y') + "\r\n";
  body += "0\r\n\r\n";
  chunked.send(body);  // the server may close before all of it is sent
  const int chunked_status = status_of(chunked.read_reply());
  EXPECT_EQ(chunked_status, 413);

  auto health = s.client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ServerLoad, MalformedMultipartIs400AndTheServerGoesOn) {
  Running s(config());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"multipart/form-data; boundary=XyZ", "this is not multipart at all"},
      {"multipart/form-data; boundary=XyZ", "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF"},
      {"multipart/form-data", "--XyZ\r\n\r\n--XyZ--\r\n"},
      {"multipart/form-data; boundary=", "--\r\n\r\n"},
      {"multipart/form-data; boundary=XyZ", "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n"
                                            "not audio\r\n--XyZ--\r\n"},
  };
  for (const auto& [type, body] : cases) {
    RawClient c(s.port());
    ASSERT_TRUE(c.send("POST /v1/classify HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: " + type +
                           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
    const std::string reply = c.read_reply();
    EXPECT_EQ(status_of(reply), 400) << type << " | " << body << "\n" << reply;
  }
  // A file name that is not UTF-8 comes back (replaced) in a JSON error, not as a 500.
  auto cli = s.client();
  auto latin1 = cli.Post("/v1/classify", httplib::MultipartFormDataItems{{"file", "junk", "caf\xe9.wav", "audio/wav"}});
  ASSERT_TRUE(latin1);
  EXPECT_EQ(latin1->status, 400) << latin1->body;
  EXPECT_NO_THROW(json::parse(latin1->body));
  auto good = cli.Post("/v1/classify", clip_, "audio/wav");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200) << good->body;
}

TEST_F(ServerLoad, SlowClientsDoNotBlockOthers) {
  Running s(config());
  // Three clients announce a body and then trickle it (one byte per 100 ms, held for the whole test).
  mgc::test::SlowClients slow(s.port(), 3,
                               "POST /v1/classify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: audio/wav\r\n"
                               "Content-Length: 100000\r\n\r\nR",
                               "I", std::chrono::milliseconds(100));
  ASSERT_TRUE(slow.opened());
  const auto t0 = std::chrono::steady_clock::now();
  auto cli = s.client(20);
  int ok = 0;
  for (int i = 0; i < 5; ++i) {
    auto r = cli.Post("/v1/classify", clip_, "audio/wav");
    ok += r && r->status == 200 ? 1 : 0;
  }
  const double took = seconds_since(t0);
  slow.stop();
  std::printf("5 classifications beside 3 slow clients: %.2f s\n", took);
  EXPECT_EQ(ok, 5);
  EXPECT_LT(took, 15.0);
}

// Issue #33: a header trickle no longer holds a worker until the read timeout: the front cuts it with a JSON 408
// at request_timeout_s, and 16 of them at once (more than the 6 workers) leave /healthz answered at once.
TEST_F(ServerLoad, HeaderTrickleIsCutAndSlowHeadersHoldNoWorker) {
  ServeConfig c = config();
  c.request_timeout_s = 3;
  Running s(c);
  mgc::test::SlowClients slow(s.port(), 16, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a0: ", "b",
                               std::chrono::milliseconds(500));
  ASSERT_TRUE(slow.opened());
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto cli = s.client(5);
  auto health = cli.Get("/healthz");
  const double health_s = seconds_since(t0) - 0.5;
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  auto good = cli.Post("/v1/classify", clip_, "audio/wav");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200) << good->body;
  const std::string reply = slow[0].read_reply();
  const double cut_s = seconds_since(t0);
  slow.stop();
  std::printf("16 header trickles: /healthz in %.0f ms; the first trickle cut after %.2f s (timeout 3 s)\n",
              health_s * 1000.0, cut_s);
  EXPECT_LT(health_s, 1.0);
  EXPECT_EQ(status_of(reply), 408) << reply;
  const std::string body = reply.substr(reply.find("\r\n\r\n") + 4);
  EXPECT_EQ(json::parse(body).at("error"), "request timeout: the request did not arrive in time (within 3 s)");
  EXPECT_LT(cut_s, 3.0 + 2.0);
}

}  // namespace
