#include "mgc/serve/server.h"

// Debian's cpp-httplib is a compiled library: include it with the definitions of its pkg-config Cflags
// (CPPHTTPLIB_OPENSSL_SUPPORT ...), which the build passes, so that its classes have the library's layout.
// We serve plain HTTP only; TLS belongs to a reverse proxy.
#include <httplib.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <thread>

#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/core/version.h"
#include "mgc/features/image.h"
#include "mgc/run/predictor.h"
#include "mgc/serve/front.h"
#include "mgc/serve/page.h"

namespace mgc::serve {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::string base64(const std::string& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// JSON as text. Client-given names need not be UTF-8: invalid bytes become U+FFFD instead of an exception (a 500).
std::string json_text(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(json_text(body), "application/json");
}

// The body of every error: {"error": message}.
std::string error_json(const std::string& message) { return json_text({{"error", message}}); }

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(error_json(message), "application/json");
}

// A counting semaphore that never blocks: a request either gets a slot or is told to come back.
class Slots {
 public:
  explicit Slots(int n) : free_(n) {}
  bool try_acquire() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_ == 0) return false;
    --free_;
    return true;
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++free_;
  }

 private:
  std::mutex mutex_;
  int free_;
};

class SlotGuard {
 public:
  explicit SlotGuard(Slots& s) : slots_(s), held_(s.try_acquire()) {}
  ~SlotGuard() {
    if (held_) slots_.release();
  }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;
  bool held() const { return held_; }

 private:
  Slots& slots_;
  bool held_;
};

// An uploaded body on disk under the system temp folder, with an extension so the decoders pick the format;
// removed when the object dies.
class TempUpload {
 public:
  TempUpload(const std::string& bytes, const std::string& extension) {
    std::string path = (std::filesystem::temp_directory_path() / ("mgc-upload-XXXXXX" + extension)).string();
    const int fd = mkstemps(path.data(), static_cast<int>(extension.size()));
    if (fd < 0) throw make_error("serve", "cannot create a temporary file for the upload");
    path_ = path;
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) {
        ::close(fd);
        std::remove(path_.c_str());
        throw make_error("serve", "cannot write the upload to '{}'", path_);
      }
      done += static_cast<size_t>(n);
    }
    ::close(fd);
  }
  ~TempUpload() { std::remove(path_.c_str()); }
  TempUpload(const TempUpload&) = delete;
  TempUpload& operator=(const TempUpload&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ".wav" from "My Song.WAV"; "" when the name has no plausible audio extension.
std::string extension_of_name(const std::string& filename) {
  const auto dot = filename.find_last_of('.');
  if (dot == std::string::npos || dot + 1 == filename.size() || filename.size() - dot > 8) return "";
  std::string ext = ".";
  for (size_t i = dot + 1; i < filename.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(filename[i]);
    if (!std::isalnum(c)) return "";
    ext += static_cast<char>(std::tolower(c));
  }
  return ext;
}

std::string extension_of_type(std::string type) {
  type = type.substr(0, type.find(';'));
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::pair<const char*, const char*> known[] = {
      {"audio/wav", ".wav"},   {"audio/x-wav", ".wav"},    {"audio/wave", ".wav"},  {"audio/vnd.wave", ".wav"},
      {"audio/flac", ".flac"}, {"audio/x-flac", ".flac"},  {"audio/mpeg", ".mp3"},  {"audio/mp3", ".mp3"},
      {"audio/ogg", ".ogg"},   {"audio/vorbis", ".ogg"},   {"audio/opus", ".opus"}, {"audio/mp4", ".m4a"},
      {"audio/x-m4a", ".m4a"}, {"audio/aac", ".aac"},      {"audio/aiff", ".aiff"}, {"audio/x-aiff", ".aiff"},
      {"audio/basic", ".au"},  {"audio/webm", ".webm"}};
  for (const auto& [t, e] : known)
    if (type == t) return e;
  return "";
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

const char* status_message(int status) {
  switch (status) {
    case 400: return "bad request";
    case 408: return "request timeout";
    case 403: return "forbidden";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 413: return "upload too large";
    case 414: return "request URI too long";
    case 415: return "unsupported media type";
    case 431: return "header too large";
    case 503: return "busy";
    default: return status >= 500 ? "internal error" : "request failed";
  }
}

// The name of a Host header without its port, lower-cased: "LocalHost:8080" -> "localhost", "[::1]:80" -> "[::1]".
std::string host_name(const std::string& header) {
  std::string h = header;
  if (!h.empty() && h[0] == '[') {
    const size_t close = h.find(']');
    h = close == std::string::npos ? h : h.substr(0, close + 1);
  } else if (h.find(':') != std::string::npos && h.find(':') == h.rfind(':')) {
    h = h.substr(0, h.find(':'));
  }
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return h;
}

}  // namespace

void ServeConfig::validate() const {
  if (run_dir.empty()) throw make_error("serve", "run_dir is empty: give a run folder made by mgc train");
  if (host.empty()) throw make_error("serve", "host is empty");
  if (port < 0 || port > 65535) throw make_error("serve", "port must be in [0, 65535], got {}", port);
  if (max_upload_bytes < 1024)
    throw make_error("serve", "max_upload_bytes must be >= 1024, got {}", max_upload_bytes);
  if (max_concurrent < 1 || max_concurrent > 1024)
    throw make_error("serve", "max_concurrent must be in [1, 1024], got {}", max_concurrent);
  if (threads < 0) throw make_error("serve", "threads must be >= 0 (0 = all cores), got {}", threads);
  if (workers < 0 || workers > 4096) throw make_error("serve", "workers must be in [0, 4096], got {}", workers);
  if (request_timeout_s < 1 || request_timeout_s > 3600)
    throw make_error("serve", "request_timeout_s must be in [1, 3600], got {}", request_timeout_s);
  if (max_connections < 1 || max_connections > 65536)
    throw make_error("serve", "max_connections must be in [1, 65536], got {}", max_connections);
}

int ServeConfig::resolved_workers() const { return workers > 0 ? workers : max_concurrent + 4; }

struct Server::Impl {
  enum class State { idle, listening, finished };

  // Whether a request's Host header names this server (ServeConfig::allowed_hosts). Requests without one (HTTP/1.0
  // clients) are served: browsers always send it.
  bool host_allowed(const std::string& header) const {
    if (header.empty() || config.host == "0.0.0.0" || config.host == "::" || config.host == "[::]") return true;
    const std::string name = host_name(header);
    for (const std::string& allowed : {std::string("localhost"), std::string("127.0.0.1"), std::string("[::1]"),
                                       host_name(config.host), "[" + host_name(config.host) + "]"})
      if (name == allowed) return true;
    for (const std::string& allowed : config.allowed_hosts)
      if (name == host_name(allowed)) return true;
    return false;
  }

  explicit Impl(ServeConfig c)
      : config((c.validate(), std::move(c))),
        predictor(config.run_dir, config.threads),
        slots(config.max_concurrent) {}

  void setup_routes();
  void classify(const httplib::Request& req, httplib::Response& res);
  // The message of an error: "<what the status means>: <detail>"; a 413 names the limit, a 408 the timeout.
  std::string error_message(int status, const std::string& detail) const {
    std::string message = status_message(status);
    if (status == 413)
      message += fmt::format(": the limit is {} bytes ({:.1f} MB)", config.max_upload_bytes,
                             static_cast<double>(config.max_upload_bytes) / (1 << 20));
    else if (status == 408)
      message += fmt::format(": {} (within {} s)", detail, config.request_timeout_s);
    else if (!detail.empty())
      message += ": " + detail;
    return message;
  }

  ServeConfig config;
  run::Predictor predictor;
  Slots slots;
  httplib::Server http;

  mutable std::mutex state_mutex;
  mutable std::condition_variable state_cv;
  State state = State::idle;
  bool stop_requested = false;
  std::atomic<int> bound_port{0};
  std::atomic<int> listen_fd{-1};  // the back end's listening socket, to raise httplib's backlog of 5
  std::unique_ptr<Front> front;    // the clients' side (front.h); made by start()
};

void Server::Impl::setup_routes() {
  const int workers = config.resolved_workers();
  // httplib owns the queue it gets from this factory (its API takes a raw pointer).
  http.new_task_queue = [workers] { return new httplib::ThreadPool(static_cast<size_t>(workers)); };
  http.set_payload_max_length(static_cast<size_t>(config.max_upload_bytes));
  // httplib's default sets SO_REUSEPORT on Linux, which lets a second server bind a port already in use and
  // silently share its connections; SO_REUSEADDR alone allows a quick restart but refuses a second listener.
  http.set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd = static_cast<int>(sock);
  });
  // The front (front.h) has read the request whole and refused bodies over the limit; the Host check is ours.
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (host_allowed(req.get_header_value("Host"))) return httplib::Server::HandlerResponse::Unhandled;
    send_error(res, 403,
               fmt::format("host '{}' is not served here (mgc serve --allow-host NAME serves it)",
                           req.get_header_value("Host")));
    return httplib::Server::HandlerResponse::Handled;
  });
  http.set_keep_alive_max_count(1);  // the front sends one request per connection and relays "Connection: close"
  http.set_keep_alive_timeout(2);
  http.set_read_timeout(30);  // the front writes whole requests at once: these bound a stuck front, not clients
  http.set_write_timeout(30);

  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    const std::string_view page = index_html();
    res.set_content(page.data(), page.size(), "text/html; charset=utf-8");
    // The page needs nothing from elsewhere; say so to the browser.
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
                   "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
  });
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, {{"status", "ok"}});
  });
  http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200,
              {{"model", predictor.model_name()},
               {"classes", predictor.classes()},
               {"segment_seconds", predictor.segment_seconds()},
               {"run", std::filesystem::path(config.run_dir).lexically_normal().filename().string()},
               {"limits", {{"max_upload_bytes", config.max_upload_bytes}, {"max_concurrent", config.max_concurrent}}}});
  });
  http.Post("/v1/classify", [this](const httplib::Request& req, httplib::Response& res) { classify(req, res); });

  // Any 4xx/5xx without a body (unknown route, 413 from the body reader ...) gets a JSON one.
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) -> httplib::Server::HandlerResponse {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    send_error(res, res.status, error_message(res.status, res.status == 404 ? req.method + " " + req.path : ""));
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string message = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      message += std::string(": ") + e.what();
    } catch (...) {
    }
    send_error(res, 500, message);
  });
  if (config.log_requests)
    http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "serve: %s %s %d %zu bytes\n", req.method.c_str(), req.path.c_str(), res.status,
                   res.body.size());
    });
}

void Server::Impl::classify(const httplib::Request& req, httplib::Response& res) {
  const auto t0 = Clock::now();
  // Parameters first: a bad request should not take a slot.
  int top_k = 3;
  if (req.has_param("top_k")) {
    const std::string v = req.get_param_value("top_k");
    try {
      size_t used = 0;
      top_k = std::stoi(v, &used);
      if (used != v.size() || top_k < 1) throw std::invalid_argument(v);
    } catch (const std::exception&) {
      return send_error(res, 400, fmt::format("top_k must be a positive integer, got '{}'", v));
    }
  }
  const std::string spectrogram_param = req.get_param_value("spectrogram");
  const bool want_spectrogram = spectrogram_param == "1" || spectrogram_param == "true";

  const std::string* bytes = nullptr;
  std::string name, extension;
  httplib::MultipartFormData part;
  if (req.is_multipart_form_data()) {
    if (!req.has_file("file"))
      return send_error(res, 400, "multipart upload has no 'file' field");
    part = req.get_file_value("file");
    bytes = &part.content;
    name = part.filename;
    extension = extension_of_name(part.filename);
    if (extension.empty()) extension = extension_of_type(part.content_type);
  } else {
    const std::string type = req.get_header_value("Content-Type");
    if (type.rfind("audio/", 0) != 0 && type.rfind("application/octet-stream", 0) != 0)
      return send_error(res, 415,
                        fmt::format("send multipart/form-data with a 'file' field, or the audio as the body with "
                                    "Content-Type audio/*; got Content-Type '{}'", type));
    bytes = &req.body;
    extension = extension_of_type(type);
    if (req.has_param("filename")) {
      name = req.get_param_value("filename");
      if (extension.empty()) extension = extension_of_name(name);
    }
  }
  if (name.empty()) name = "upload";
  if (bytes->empty()) return send_error(res, 400, fmt::format("'{}' is empty", name));

  const SlotGuard slot(slots);
  if (!slot.held()) {
    res.set_header("Retry-After", "1");
    return send_error(res, 503,
                      fmt::format("busy: {} classifications are running; retry shortly", config.max_concurrent));
  }

  run::FilePrediction p;
  double decode_ms = 0.0, inference_ms = 0.0;
  features::Spectrogram mel;
  {
    const TempUpload file(*bytes, extension);
    try {
      const auto t1 = Clock::now();
      audio::AudioConfig ac;
      ac.sample_rate = predictor.sample_rate();
      ac.mono = true;
      const audio::Audio decoded = audio::load_audio(file.path(), ac);
      decode_ms = ms_since(t1);
      const auto t2 = Clock::now();
      // The same vote as mgc predict: the CNN, combined with the run's harmony model when it has one.
      p = predictor.predict_audio(decoded, name, &mel);
      inference_ms = ms_since(t2);
    } catch (const Error& e) {
      // The message names our temporary file; name the client's file instead.
      return send_error(res, 400, replace_all(e.what(), file.path(), name));
    }
  }

  const auto& classes = predictor.classes();
  nlohmann::json out = run::prediction_json(p, classes, top_k, true);
  out["model"] = predictor.model_name();
  out["mgc_version"] = version();
  out["classes"] = classes;
  if (want_spectrogram) {
    try {
      out["spectrogram_png"] = base64(features::encode_png(features::render_spectrogram(mel)));
    } catch (const Error& e) {
      return send_error(res, 400, e.what());
    }
  }
  out["timing"] = {{"decode_ms", decode_ms}, {"inference_ms", inference_ms}, {"total_ms", ms_since(t0)}};
  send_json(res, 200, out);
}

Server::Server(ServeConfig config) : impl_(std::make_unique<Impl>(std::move(config))) { impl_->setup_routes(); }

Server::~Server() { stop(); }

void Server::start() {
  Impl& m = *impl_;
  {
    std::lock_guard<std::mutex> lock(m.state_mutex);
    if (m.state != Impl::State::idle) throw make_error("serve", "start() was already called on this server");
    if (m.stop_requested) {
      m.state = Impl::State::finished;
      return;
    }
    const int backend_port = m.http.bind_to_any_port("127.0.0.1");
    if (backend_port <= 0) {
      m.state = Impl::State::finished;
      throw make_error("serve", "cannot listen on a loopback port for the back end");
    }
    // httplib listens with a backlog of 5; the front opens at most `workers` connections at once, but a
    // larger backlog costs nothing.
    if (m.listen_fd >= 0) ::listen(m.listen_fd, SOMAXCONN);
    FrontConfig fc;
    fc.request_timeout_s = m.config.request_timeout_s;
    fc.max_body_bytes = m.config.max_upload_bytes;
    fc.max_connections = m.config.max_connections;
    fc.max_buffered_bytes = std::max<int64_t>(256LL << 20, 2 * (m.config.max_upload_bytes + fc.max_header_bytes));
    fc.workers = m.config.resolved_workers();
    fc.backend_port = backend_port;
    fc.log = m.config.log_requests;
    fc.error_body = [&m](int status, const std::string& detail) { return error_json(m.error_message(status, detail)); };
    try {
      m.front = std::make_unique<Front>(std::move(fc), m.config.host, m.config.port);
    } catch (const Error&) {
      m.state = Impl::State::finished;
      throw;
    }
    m.bound_port = m.front->port();
    m.state = Impl::State::listening;
  }
  m.state_cv.notify_all();
  std::atomic<bool> backend_returned{false};
  std::thread backend([&] {
    m.http.listen_after_bind();
    backend_returned = true;
  });
  m.front->run();  // returns after stop(), once every complete request has been answered
  // httplib loses a stop() that comes before its loop has started: wait for the loop.
  while (!m.http.is_running() && !backend_returned) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  m.http.stop();
  backend.join();
  {
    std::lock_guard<std::mutex> lock(m.state_mutex);
    m.state = Impl::State::finished;
    m.bound_port = 0;
  }
  m.state_cv.notify_all();
}

void Server::stop() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.state_mutex);
  m.stop_requested = true;
  if (m.state == Impl::State::listening) m.front->stop();
}

int Server::port() const { return impl_->bound_port; }

bool Server::wait_until_listening(int timeout_ms) const {
  std::unique_lock<std::mutex> lock(impl_->state_mutex);
  return impl_->state_cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                  [&] { return impl_->state != Impl::State::idle; }) &&
         impl_->state == Impl::State::listening;
}

}  // namespace mgc::serve
