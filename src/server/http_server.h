// HttpServer: exidx's HTTP/1.1 server on Boost.Beast (whose headers stay in
// http_server.cc and http_framing.*). A few I/O threads run an io_context;
// every request is handed to a worker pool (handlers may block on the store:
// Apply fsyncs, and group commit needs concurrent callers) and its response
// posted back.
//
// Limits enforced here, before a handler runs: the connection cap (503 beyond
// it), header size (431), body size (413, checked while reading: a declared
// Content-Length over the limit is refused before any body byte is read), a
// deadline to receive each whole request (against slowloris; also the
// keep-alive idle time), a deadline for each write. Framing (RFC 9112 sections
// 3.2, 6.1, 6.3) is checked once the headers are in, before any body byte is
// read: Transfer-Encoding with chunked not last, on HTTP/1.0 or together with
// Content-Length, a repeated Content-Length, a missing, repeated or malformed
// Host are 400, another transfer coding than chunked 501; each of these
// closes the connection, so no body byte is ever taken as a next request.
// A request that expects 100-continue gets the 100 once its headers passed.
//
// Server-Sent Events: a response with HttpResponse::stream becomes a
// text/event-stream. The session subscribes to the ChangeHub; on every
// notification and heartbeat it polls the stream on a worker and queues the
// text for an asynchronous write. A client whose queue grows past
// sse_queue_bytes (it reads slower than changes arrive) is disconnected; it
// can resume with Last-Event-ID. Ingestion never waits for a stream.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "core/error.h"
#include "server/change_hub.h"
#include "server/http_message.h"
#include "server/metrics.h"

namespace exidx::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: a free port, see HttpServer::port().
  int io_threads = 2;
  int worker_threads = 8;
  std::size_t max_connections = 1024;
  std::size_t body_limit = std::size_t{1} << 20;
  std::size_t header_limit = 16 * 1024;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds heartbeat{15'000};
  std::size_t sse_queue_bytes = std::size_t{1} << 20;
  std::chrono::milliseconds shutdown_grace{20'000};
};

// "HOST:PORT", "[v6]:PORT" or ":PORT" (host 127.0.0.1) -> host and port;
// kInvalidParameter otherwise.
Result<std::pair<std::string, std::uint16_t>> ParseListenAddress(std::string_view text);

// True for "localhost" and loopback IP addresses. kInvalidParameter when the
// host is neither an IP address nor "localhost" (names are not resolved).
Result<bool> IsLoopbackHost(const std::string& host);

// Called on a worker thread for every request that passed the transport's
// limits. Thread-safe.
using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  // `hub` and `metrics` must outlive the server.
  HttpServer(HttpServerOptions options, RequestHandler handler, ChangeHub& hub, ServerMetrics& metrics);
  ~HttpServer();  // Stop()s.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the threads. kUnavailable when the address cannot be bound.
  Status Start();

  // The bound port (after Start).
  std::uint16_t port() const;

  // Graceful: stops accepting, closes idle connections and event streams,
  // lets requests in flight finish and answer (up to shutdown_grace), then
  // stops every thread. Idempotent; call from any thread but the server's.
  void Stop();

  struct Impl;  // Named here only so that http_server.cc's sessions can refer to it.

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace exidx::server
