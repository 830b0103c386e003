// The HTTP service end to end: a toy run is trained once, then servers run in-process on a free loopback port
// and are exercised with httplib's client (and, where Chromium is installed, a headless browser).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/core/version.h"
#include "mgc/run/harmony.h"
#include "mgc/run/predictor.h"
#include "mgc/serve/server.h"
#include "mgc/train/harmony_fit.h"
#include "serve/running_server.h"
#include "train/toy_dataset.h"

using mgc::serve::ServeConfig;
using mgc::serve::Server;
using mgc::test::ScopedEnv;
using mgc::test::TempDir;
using nlohmann::json;

namespace {

// A clip of the toy "high" class: a 2.1 kHz tone over faint noise.
std::vector<float> high_clip(double seconds) {
  const int sr = 22050;
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> y(static_cast<size_t>(seconds * sr));
  for (size_t i = 0; i < y.size(); ++i)
    y[i] = static_cast<float>(0.3 * std::sin(2 * M_PI * 2100.0 * static_cast<double>(i) / sr) + 0.02 * g(rng));
  return y;
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

double elapsed_ms(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

using Running = mgc::test::RunningServer;

class ServeToy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string manifest = mgc::test::make_toy_dataset(dir_->path(), 2, 2.0);
    mgc::run::TrainConfig c = mgc::test::toy_train_config(manifest, dir_->file("cache"), 6);
    run_ = dir_->file("run");
    mgc::test::train_quietly(c, run_);
    clip_ = dir_->file("high clip.wav");
    mgc::test::write_sound(clip_, high_clip(5.0), 22050, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    long_clip_ = dir_->file("long.wav");
    mgc::test::write_sound(long_clip_, high_clip(10.0), 22050, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  }
  static void TearDownTestSuite() { delete dir_; }

  static ServeConfig config() {
    ServeConfig c;
    c.run_dir = run_;
    c.port = 0;
    c.max_upload_bytes = 1 << 20;
    c.max_concurrent = 2;
    c.threads = 1;
    return c;
  }
  static httplib::MultipartFormDataItems upload(const std::string& path, const std::string& name) {
    return {{"file", mgc::read_file(path), name, "audio/wav"}};
  }

  static TempDir* dir_;
  static std::string run_, clip_, long_clip_;
};
TempDir* ServeToy::dir_ = nullptr;
std::string ServeToy::run_, ServeToy::clip_, ServeToy::long_clip_;

}  // namespace

TEST(ServeConfigTest, ValidateNamesTheField) {
  ServeConfig c;
  EXPECT_THROW(c.validate(), mgc::Error);  // no run_dir
  c.run_dir = "run";
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.host, "127.0.0.1");  // loopback by default
  EXPECT_EQ(c.resolved_workers(), c.max_concurrent + 4);
  auto expect_field = [](ServeConfig bad, const std::string& field) {
    try {
      bad.validate();
      ADD_FAILURE() << "no error for " << field;
    } catch (const mgc::Error& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("serve: ", 0), 0u) << e.what();
    }
  };
  ServeConfig bad = c;
  bad.port = 70000;
  expect_field(bad, "port");
  bad = c;
  bad.max_concurrent = 0;
  expect_field(bad, "max_concurrent");
  bad = c;
  bad.max_upload_bytes = 10;
  expect_field(bad, "max_upload_bytes");
  bad = c;
  bad.threads = -1;
  expect_field(bad, "threads");
}

TEST(ServeConfigTest, MissingRunFails) {
  ServeConfig c;
  c.run_dir = "/nonexistent/run";
  c.port = 0;
  EXPECT_THROW(Server{c}, mgc::Error);
}

TEST_F(ServeToy, HealthModelsPageAndUnknownRoute) {
  Running s(config());
  ASSERT_GT(s.port(), 0);
  auto cli = s.client();

  auto health = cli.Get("/healthz");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body), json({{"status", "ok"}}));

  auto models = cli.Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 200);
  EXPECT_NE(models->get_header_value("Content-Type").find("application/json"), std::string::npos);
  const json m = json::parse(models->body);
  EXPECT_EQ(m.at("classes"), json({"high", "low", "noisy"}));
  EXPECT_EQ(m.at("model"), "audio_cnn");
  EXPECT_DOUBLE_EQ(m.at("segment_seconds").get<double>(), 1.0);
  EXPECT_EQ(m.at("run"), "run");
  EXPECT_EQ(m.at("limits").at("max_upload_bytes"), 1 << 20);

  auto page = cli.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->body.find("<input type=\"file\""), std::string::npos);
  EXPECT_NE(page->body.find("/v1/classify"), std::string::npos);
  // Self-contained: no reference to anything off the server.
  EXPECT_EQ(page->body.find("http://"), std::string::npos);
  EXPECT_EQ(page->body.find("https://"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'none'"), std::string::npos);

  auto missing = cli.Get("/v1/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(json::parse(missing->body).at("error").get<std::string>().find("/v1/nothing"), std::string::npos);
  auto wrong_method = cli.Get("/v1/classify");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 404);
  EXPECT_TRUE(json::parse(wrong_method->body).contains("error"));
}

// Issue #33: a page on another site that points a DNS name at 127.0.0.1 (DNS rebinding) is refused by its Host.
TEST_F(ServeToy, OnlyItsOwnHostNamesAreServed) {
  ServeConfig c = config();
  c.allowed_hosts = {"genres.example"};
  Running s(c);
  auto cli = s.client();
  const auto get = [&](const std::string& host) {
    auto r = cli.Get("/healthz", httplib::Headers{{"Host", host}});
    return r ? r->status : -1;
  };
  EXPECT_EQ(get("evil.example"), 403);
  EXPECT_EQ(get("evil.example:" + std::to_string(s.port())), 403);
  EXPECT_EQ(get("127.0.0.1.evil.example"), 403);
  EXPECT_EQ(get("localhost:" + std::to_string(s.port())), 200);
  EXPECT_EQ(get("LOCALHOST"), 200);
  EXPECT_EQ(get("127.0.0.1:" + std::to_string(s.port())), 200);
  EXPECT_EQ(get("[::1]:" + std::to_string(s.port())), 200);
  EXPECT_EQ(get("genres.example"), 200);
  auto refused = cli.Get("/v1/models", httplib::Headers{{"Host", "evil.example"}});
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->body.find("host 'evil.example' is not served here"), std::string::npos) << refused->body;
}

TEST_F(ServeToy, ClassifiesAnUpload) {
  Running s(config());
  auto cli = s.client();
  auto r = cli.Post("/v1/classify?spectrogram=1&top_k=2", upload(clip_, "high clip.wav"));
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);

  EXPECT_EQ(j.at("model"), "audio_cnn");
  EXPECT_EQ(j.at("mgc_version"), mgc::version());
  EXPECT_EQ(j.at("classes"), json({"high", "low", "noisy"}));
  ASSERT_EQ(j.at("top").size(), 2u);
  EXPECT_EQ(j.at("top")[0].at("genre"), "high");
  EXPECT_GE(j.at("top")[0].at("p").get<double>(), j.at("top")[1].at("p").get<double>());
  double sum = 0.0;
  for (const auto& [genre, p] : j.at("probs").items()) sum += p.get<double>();
  EXPECT_NEAR(sum, 1.0, 1e-4);
  EXPECT_EQ(j.at("probs").size(), 3u);
  EXPECT_NEAR(j.at("audio_seconds").get<double>(), 5.0, 0.05);

  // The timeline is the predictor's, segment for segment.
  const mgc::run::Predictor reference(run_, 1);
  const auto expected = reference.predict_file(clip_);
  const json& timeline = j.at("timeline");
  ASSERT_EQ(timeline.size(), expected.segments.size());
  ASSERT_GE(timeline.size(), 5u);  // 1 s windows every 0.5 s over 5 s
  for (size_t i = 0; i < timeline.size(); ++i) {
    EXPECT_NEAR(timeline[i].at("start").get<double>(), expected.segments[i].start_seconds, 1e-9);
    EXPECT_GT(timeline[i].at("end").get<double>(), timeline[i].at("start").get<double>());
    EXPECT_EQ(timeline[i].at("genre"), "high");
    const std::vector<std::string> classes = {"high", "low", "noisy"};
    for (size_t c = 0; c < classes.size(); ++c)  // every class's probability, as the predictor gives it
      EXPECT_NEAR(timeline[i].at("probs").at(classes[c]).get<double>(), expected.segments[i].probs[c], 1e-4) << i;
  }
  // Windows cover the clip up to less than half a hop (0.25 s) at the end.
  EXPECT_LE(timeline.back().at("end").get<double>(), j.at("audio_seconds").get<double>() + 1e-9);
  EXPECT_GT(timeline.back().at("end").get<double>(), j.at("audio_seconds").get<double>() - 0.25);
  EXPECT_NEAR(j.at("probs").at("high").get<double>(), expected.probs[0], 1e-4);

  EXPECT_FALSE(j.at("harmony").get<bool>());  // the run has no harmony model
  EXPECT_FALSE(j.contains("cnn_probs"));

  const json& t = j.at("timing");
  EXPECT_GT(t.at("decode_ms").get<double>(), 0.0);
  EXPECT_GT(t.at("inference_ms").get<double>(), 0.0);
  EXPECT_GE(t.at("total_ms").get<double>(), t.at("decode_ms").get<double>() + t.at("inference_ms").get<double>());

  // The spectrogram is a base64 PNG: decode the first bytes and check the signature.
  const std::string b64 = j.at("spectrogram_png");
  ASSERT_GT(b64.size(), 100u);
  EXPECT_EQ(b64.size() % 4, 0u);
  EXPECT_EQ(b64.substr(0, 11), "iVBORw0KGgo");  // base64 of "\x89PNG\r\n\x1a\n"

  // Without spectrogram=1 there is none; top_k defaults to 3.
  auto plain = cli.Post("/v1/classify", upload(clip_, "clip.wav"));
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->status, 200);
  const json p = json::parse(plain->body);
  EXPECT_FALSE(p.contains("spectrogram_png"));
  EXPECT_EQ(p.at("top").size(), 3u);

  // A raw body with an audio Content-Type works too; other types are refused with 415.
  auto raw = cli.Post("/v1/classify?top_k=1", mgc::read_file(clip_), "audio/wav");
  ASSERT_TRUE(raw);
  ASSERT_EQ(raw->status, 200) << raw->body;
  EXPECT_EQ(json::parse(raw->body).at("top")[0].at("genre"), "high");
  auto text = cli.Post("/v1/classify", "hello", "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 415);
  EXPECT_TRUE(json::parse(text->body).contains("error"));

  auto bad_k = cli.Post("/v1/classify?top_k=zero", upload(clip_, "clip.wav"));
  ASSERT_TRUE(bad_k);
  EXPECT_EQ(bad_k->status, 400);
  EXPECT_NE(json::parse(bad_k->body).at("error").get<std::string>().find("top_k"), std::string::npos);
}

TEST_F(ServeToy, GivesMgcPredictsVoteWhenTheRunHasAHarmonyModel) {
  // A copy of the run with a harmony model (lags short enough for the toy's 2 s clips).
  TempDir d;
  const std::string run = d.file("run");
  std::filesystem::create_directories(run);
  for (const char* f : {"best.safetensors", "config.json", "run.json", "result.json"})
    std::filesystem::copy_file(run_ + "/" + f, run + "/" + f);
  mgc::run::HarmonyOptions ho;
  ho.features.lags_seconds = {0.25, 0.5};
  mgc::train::fit_run_harmony(run, ho, 1, false);

  ServeConfig c = config();
  c.run_dir = run;
  Running s(c);
  auto r = s.client().Post("/v1/classify", upload(clip_, "high clip.wav"));
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  ASSERT_TRUE(j.at("harmony").get<bool>()) << r->body;

  // The same numbers as the predictor's (mgc predict's) for the file: the combined vote and each expert alone.
  const mgc::run::Predictor reference(run, 1);
  ASSERT_TRUE(reference.uses_harmony());
  const auto expected = reference.predict_file(clip_);
  ASSERT_TRUE(expected.harmony);
  const std::vector<std::string> classes = {"high", "low", "noisy"};
  for (size_t k = 0; k < classes.size(); ++k) {
    EXPECT_NEAR(j.at("probs").at(classes[k]).get<double>(), expected.probs[k], 1e-6) << classes[k];
    EXPECT_NEAR(j.at("cnn_probs").at(classes[k]).get<double>(), expected.cnn_probs[k], 1e-6) << classes[k];
    EXPECT_NEAR(j.at("harmony_probs").at(classes[k]).get<double>(), expected.harmony_probs[k], 1e-6) << classes[k];
  }
  // The combined vote differs from the CNN's alone.
  double diff = 0.0;
  for (size_t k = 0; k < classes.size(); ++k) diff += std::abs(expected.probs[k] - expected.cnn_probs[k]);
  EXPECT_GT(diff, 1e-4);
}

TEST_F(ServeToy, BadAudioIs400WithTheDecoderMessage) {
  TempDir tmp;  // uploads land here, so that no other test's upload is seen below
  ScopedEnv env({{"TMPDIR", tmp.path().c_str()}});
  Running s(config());
  auto cli = s.client();
  auto r = cli.Post("/v1/classify", httplib::MultipartFormDataItems{{"file", random_bytes(50000, 1), "noise.wav", "audio/wav"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  const std::string message = json::parse(r->body).at("error");
  EXPECT_EQ(message.rfind("audio: ", 0), 0u) << message;       // the mgc::Error, as it came
  EXPECT_NE(message.find("noise.wav"), std::string::npos) << message;  // names the client's file ...
  EXPECT_EQ(message.find("mgc-upload-"), std::string::npos) << message;  // ... not our temporary one

  auto empty = cli.Post("/v1/classify", httplib::MultipartFormDataItems{{"file", "", "empty.wav", "audio/wav"}});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  auto no_field = cli.Post("/v1/classify", httplib::MultipartFormDataItems{{"other", "x", "x.wav", "audio/wav"}});
  ASSERT_TRUE(no_field);
  EXPECT_EQ(no_field->status, 400);
  EXPECT_NE(json::parse(no_field->body).at("error").get<std::string>().find("'file'"), std::string::npos);

  // No temporary upload is left behind.
  for (const auto& e : std::filesystem::directory_iterator(tmp.path()))
    EXPECT_EQ(e.path().filename().string().rfind("mgc-upload-", 0), std::string::npos) << e.path();
}

TEST_F(ServeToy, OversizedUploadIs413) {
  Running s(config());
  auto cli = s.client();
  auto r = cli.Post("/v1/classify", httplib::MultipartFormDataItems{{"file", random_bytes(2 << 20, 2), "big.wav", "audio/wav"}});
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 413);
  const std::string message = json::parse(r->body).at("error");
  EXPECT_NE(message.find("limit"), std::string::npos) << message;
  EXPECT_NE(message.find("1048576"), std::string::npos) << message;
  auto health = cli.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ServeToy, ConcurrencyIsBoundedAndTheServerSurvives) {
  ServeConfig c = config();
  c.max_concurrent = 2;
  Running s(c);
  const std::string body = mgc::read_file(long_clip_);
  const int n = 3 * c.max_concurrent;
  std::vector<std::future<std::pair<int, std::string>>> replies;
  for (int i = 0; i < n; ++i)
    replies.push_back(std::async(std::launch::async, [&] {
      auto cli = s.client();
      auto r = cli.Post("/v1/classify", httplib::MultipartFormDataItems{{"file", body, "long.wav", "audio/wav"}});
      if (!r) return std::make_pair(-1, httplib::to_string(r.error()));
      return std::make_pair(r->status, r->status == 503 ? r->get_header_value("Retry-After") + " " + r->body : r->body);
    }));
  int ok = 0, busy = 0;
  for (auto& f : replies) {
    const auto [status, text] = f.get();
    EXPECT_TRUE(status == 200 || status == 503) << status << ": " << text;
    if (status == 200) {
      ++ok;
      EXPECT_EQ(json::parse(text).at("top")[0].at("genre"), "high");
    }
    if (status == 503) {
      ++busy;
      EXPECT_EQ(text.rfind("1 ", 0), 0u) << "503 without Retry-After: " << text;
      EXPECT_NE(text.find("busy"), std::string::npos) << text;
    }
  }
  std::printf("concurrency: %d requests, %d answered 200, %d answered 503\n", n, ok, busy);
  EXPECT_GE(ok, c.max_concurrent);
  auto health = s.client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ServeToy, StopFinishesTheRequestInFlightAndReturnsPromptly) {
  Running s(config());
  const std::string body = mgc::read_file(clip_);
  // Send the headers and half the body by hand, so the request is surely in flight when stop() comes.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(s.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string head = "POST /v1/classify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: audio/wav\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  auto send_all = [fd](const std::string& s) {
    for (size_t done = 0; done < s.size();) {
      const ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  };
  ASSERT_TRUE(send_all(head + body.substr(0, body.size() / 2)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // accepted and being read by a worker

  auto stopped = std::async(std::launch::async, [&] { return s.stop_and_join(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(send_all(body.substr(body.size() / 2)));
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response.substr(0, 200);
  EXPECT_NE(response.find("\"genre\":\"high\""), std::string::npos);

  const double ms = stopped.get();
  std::printf("stop() to start() returning: %.0f ms\n", ms);
  EXPECT_LT(ms, 5000.0);
  EXPECT_EQ(s.port(), 0);  // no longer bound
}

TEST_F(ServeToy, StopBeforeStartAndBusyPort) {
  {
    Server early(config());
    early.stop();
    const auto t0 = std::chrono::steady_clock::now();
    early.start();  // returns at once
    EXPECT_LT(elapsed_ms(t0), 1000.0);
    EXPECT_THROW(early.start(), mgc::Error);
  }
  Running first(config());
  ServeConfig c = config();
  c.port = first.port();
  Server second(c);
  try {
    second.start();
    ADD_FAILURE() << "bound a port already in use";
  } catch (const mgc::Error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(c.port)), std::string::npos) << e.what();
  }
}

TEST_F(ServeToy, BrowserUploadShowsTheResults) {
  const std::string script = std::string(MGC_SOURCE_DIR) + "/tests/serve/browser_test.py";
  if (!std::filesystem::exists("/usr/bin/chromium") || !std::filesystem::exists("/usr/bin/chromedriver") ||
      mgc::test::run_command("/usr/bin/python3 -c 'import selenium'").exit_code != 0)
    GTEST_SKIP() << "needs chromium, chromium-driver and python3-selenium (scripts/install-deps.sh)";
  // 6 s of the "high" tone, then 2 s of a "low" one and 2 s of noise bursts: the timeline changes colour.
  std::vector<float> y = high_clip(6.0);
  std::mt19937 rng(9);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (int i = 0; i < 4 * 22050; ++i) {
    const double t = i / 22050.0;
    y.push_back(static_cast<float>(t < 2.0 ? 0.3 * std::sin(2 * M_PI * 230.0 * t) + 0.02 * g(rng)
                                           : (std::fmod(t * 4.0, 1.0) < 0.3 ? 0.3 : 0.02) * g(rng)));
  }
  const std::string clip = dir_->file("mixed clip.wav");
  mgc::test::write_sound(clip, y, 22050, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  Running s(config());
  const std::string screenshot = (std::filesystem::current_path() / "serve_page.png").string();
  const auto r = mgc::test::run_command("/usr/bin/python3 '" + script + "' --url http://127.0.0.1:" +
                                        std::to_string(s.port()) + "/ --audio '" + clip +
                                        "' --expect high --min-blocks 2 --screenshot '" + screenshot + "'");
  std::printf("%s", r.output.c_str());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(screenshot));
}
