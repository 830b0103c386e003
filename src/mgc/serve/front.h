#pragma once
// The server's front door: it accepts the clients' connections and reads each request whole (header and body)
// on one event thread, under an overall deadline, before any worker sees it; a complete request is then handed
// to a worker that forwards it to the HTTP back end (cpp-httplib on a loopback port) and relays the answer.
//
// Why: cpp-httplib reads a request on a worker with a timeout per read only, so a client that sends one header
// byte a second holds a worker for ever, and `workers` such clients stop the service (issue #33). Here slow
// clients cost a connection slot and their bytes, never a worker: they are cut with 408 at their deadline, and
// /healthz is answered beside any number of them.
//
// One request per connection: the back end answers with "Connection: close". The front answers these itself
// (a JSON body from FrontConfig::error_body, then "Connection: close"): 400 malformed framing, 408 too slow,
// 413 body over max_body_bytes, 431 header over max_header_bytes, 503 too many connections or bytes held.
// Header kept free of httplib.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace mgc::serve {

struct FrontConfig {
  // The request's header must have arrived within this many seconds of the connection, and its body within as
  // many again plus one second per 64 KiB it declares; otherwise 408. A response must be taken by the client
  // within this many seconds too.
  int request_timeout_s = 30;
  int64_t max_body_bytes = 50LL << 20;      // over it: 413 (declared, or counted as a chunked body arrives)
  int64_t max_header_bytes = 64 << 10;      // request line and headers; over it: 431
  int max_connections = 1024;               // client connections open at once; over it: 503
  int64_t max_buffered_bytes = 256LL << 20; // request bytes held at once: arriving, waiting for a worker or being
                                            // forwarded, over all connections; over it: 503
  int workers = 8;                          // requests forwarded at once (one back-end worker each)
  int backend_port = 0;                     // the back end, on 127.0.0.1
  bool log = false;                         // one line on stderr per request the front refuses
  // The JSON body of a response the front makes itself: (status, what happened). Must be thread-safe.
  std::function<std::string(int status, const std::string& detail)> error_body;

  // Throws mgc::Error ("serve: ...") naming the field on an out-of-range value.
  void validate() const;
};

class Front {
 public:
  // Binds host:port (port 0: any free port) with SO_REUSEADDR. Throws mgc::Error ("serve: cannot listen on ...")
  // when the address cannot be bound, or on a bad config.
  Front(FrontConfig config, const std::string& host, int port);
  ~Front();  // closes the listening socket; run() must have returned before the object dies
  Front(const Front&) = delete;
  Front& operator=(const Front&) = delete;

  // The bound port.
  int port() const;
  // Serves until stop(); blocks. On stop: accepts no more connections, drops connections that have sent
  // nothing, gives requests being read at most 2 s more to arrive, and returns once every complete request has
  // been answered.
  void run();
  // Asks run() to return as above. Thread-safe, returns at once, idempotent; before run(), run() returns at once.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Finds where a request held in a growing buffer ends, for a front that reads requests whole. Work is linear in
// the bytes however they arrive (it resumes where the last call stopped).
class RequestScanner {
 public:
  RequestScanner(int64_t max_header_bytes, int64_t max_body_bytes);
  // Looks at `buffer`: the same buffer on every call, only ever appended to. Returns the length of the complete
  // request (header and body), 0 while more bytes are needed, or a negative HTTP status when it must be refused:
  // -400 bad framing (Content-Length not a number or given twice differently, both Content-Length and
  // Transfer-Encoding, a coding other than chunked, a bad chunk), -413 body over max_body_bytes, -431 header over
  // max_header_bytes. Once it has returned non-zero it returns the same.
  int64_t scan(const std::string& buffer);
  bool header_done() const { return header_end_ > 0; }
  size_t header_end() const { return header_end_; }  // bytes of request line + headers + blank line
  bool chunked() const { return chunked_; }
  int64_t content_length() const { return length_; }  // -1: none declared
  bool expects_continue() const { return expect_continue_; }  // "Expect: 100-continue"

 private:
  int64_t scan_header(const std::string& buffer);
  int64_t scan_chunks(const std::string& buffer);
  int64_t max_header_, max_body_;
  size_t searched_ = 0, header_end_ = 0;
  bool chunked_ = false, expect_continue_ = false;
  int64_t length_ = -1;
  int64_t result_ = 0;
  enum class Chunk { size_line, data, trailer } chunk_state_ = Chunk::size_line;
  size_t chunk_pos_ = 0;
  int64_t chunk_left_ = 0, chunk_total_ = 0;
};

// The request as the back end gets it: the same bytes less any Expect header (the front has answered it).
std::string without_expect(const std::string& request, size_t header_end);

}  // namespace mgc::serve
