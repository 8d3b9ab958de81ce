// HttpServer (http_server.h): the acceptor, the sessions that read, hand out
// and answer requests, and the event streams. The header checks that must
// pass before a body is read are in http_framing.*.
#include "server/http_server.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "server/http_framing.h"
#include "server/json_log.h"

namespace exidx::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

Result<std::pair<std::string, std::uint16_t>> ParseListenAddress(std::string_view text) {
  auto bad = [&] { return Fail(ErrorCode::kInvalidParameter, "--listen: expected HOST:PORT, got " + Quoted(text)); };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad();
  std::string host(text.substr(0, colon));
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port_text.empty() || port > 65535) {
    return bad();
  }
  return std::pair(host, static_cast<std::uint16_t>(port));
}

Result<bool> IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    return Fail(ErrorCode::kInvalidParameter, "--listen: " + Quoted(host) + " is not an IP address or localhost");
  }
  return address.is_loopback();
}

namespace {

class Session;

}  // namespace

struct HttpServer::Impl {
  Impl(HttpServerOptions o, RequestHandler h, ChangeHub& hb, ServerMetrics& m)
      : options(std::move(o)),
        handler(std::move(h)),
        hub(hb),
        metrics(m),
        pool(static_cast<std::size_t>(std::max(1, options.worker_threads))),
        acceptor(asio::make_strand(ioc)),
        work(asio::make_work_guard(ioc)) {
    std::random_device random;
    id_prefix = fmt::format("{:08x}", random());
  }

  void Accept();
  void RejectBusy(tcp::socket socket);
  std::string NextRequestId() { return fmt::format("{}-{:x}", id_prefix, ++request_counter); }

  void Register(std::uint64_t id, const std::shared_ptr<Session>& session);
  void Unregister(std::uint64_t id);

  const HttpServerOptions options;
  const RequestHandler handler;
  ChangeHub& hub;
  ServerMetrics& metrics;

  // Declared before the io_context: sessions its queue still holds unregister
  // themselves when it is destroyed.
  std::mutex sessions_mu;
  std::condition_variable sessions_cv;
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions;  // Guarded by sessions_mu.
  std::atomic<std::size_t> connections{0};

  asio::io_context ioc;
  asio::thread_pool pool;
  tcp::acceptor acceptor;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::vector<std::thread> threads;
  std::uint16_t bound_port = 0;
  std::atomic<bool> stopping{false};
  bool started = false;
  bool stopped = false;
  std::atomic<std::uint64_t> request_counter{0};
  std::atomic<std::uint64_t> session_counter{0};
  std::string id_prefix;
};

namespace {

using Impl = HttpServer::Impl;

// One connection: reads requests, has workers answer them, writes responses;
// or, after an event-stream response, writes events until either side ends.
// Every member is used on the connection's strand only.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl& server, tcp::socket socket, std::uint64_t id)
      : server_(server),
        stream_(std::move(socket)),
        id_(id),
        heartbeat_(stream_.get_executor()),
        write_timer_(stream_.get_executor()) {}

  ~Session() {
    if (subscription_ != 0) server_.hub.Unsubscribe(subscription_);
    if (streaming_) server_.metrics.SseClientClosed();
    --server_.connections;
    server_.Unregister(id_);
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // From Stop(): idle connections and streams close now; a request in flight
  // is answered, then its connection closes.
  void OnStop() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kReading || self->state_ == State::kStreaming) self->Close();
    });
  }

 private:
  enum class State { kReading, kHandling, kWriting, kStreaming, kClosed };

  void Read() {
    if (server_.stopping) return Close();
    state_ = State::kReading;
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    // One deadline for the headers and the body together.
    stream_.expires_after(server_.options.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  // The headers are in, no body byte has been parsed yet: the last moment to
  // refuse a request whose body would be misread.
  void OnHeader(beast::error_code ec) {
    if (ec || state_ == State::kClosed) return OnRead(ec);
    if (auto refused = CheckRequestHeader(parser_->get())) {
      received_ = SteadyClock::now();
      return Reject(std::move(*refused));
    }
    if (parser_->is_done()) return OnRead(ec);
    if (ExpectsContinue(parser_->get())) return SendContinue();
    ReadBody();
  }

  // RFC 9110 section 10.1.1: a client that sent "Expect: 100-continue" (curl
  // does for bodies over 1 KiB) waits for a 100 before the body, or for a
  // second or so. Any refusal has been answered by now, from the headers.
  static bool ExpectsContinue(const http::request_header<>& header) {
    return header.version() >= 11 && beast::iequals(header[http::field::expect], "100-continue");
  }

  void SendContinue() {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->Close();
                        self->ReadBody();
                      });
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (state_ == State::kClosed) return;
    received_ = SteadyClock::now();
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return Close();
    }
    if (ec == beast::error::timeout) {
      LogLine(LogLevel::kInfo, "connection closed: request not received in time")
          .Int("read_timeout_ms", server_.options.read_timeout.count());
      return Close();
    }
    if (ec == http::error::body_limit) {
      return Reject(ErrorResponse(
          {ErrorCode::kPayloadTooLarge, fmt::format("the request body exceeds {} bytes", server_.options.body_limit)}));
    }
    if (ec == http::error::header_limit) {
      return Reject(
          ProtocolErrorResponse(431, "RequestHeaderFieldsTooLarge",
                                fmt::format("the request's headers exceed {} bytes", server_.options.header_limit)));
    }
    if (ec) {
      return Reject(ProtocolErrorResponse(400, "BadRequest", "malformed HTTP request: " + ec.message()));
    }
    Handle(parser_->release());
  }

  void Handle(http::request<http::string_body> message) {
    state_ = State::kHandling;
    stream_.expires_never();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    HttpRequest request;
    request.method = std::string(message.method_string());
    const std::string_view target = message.target();
    const std::size_t question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
    for (const auto& field : message) {
      request.headers.emplace(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.request_id = server_.NextRequestId();
    request_id_ = request.request_id;
    method_ = request.method;
    path_ = request.path;
    asio::post(server_.pool, [self = shared_from_this(), request = std::move(request)]() mutable {
      HttpResponse response = self->server_.handler(request);
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response)]() mutable { self->Respond(std::move(response)); });
    });
  }

  // An answer made here, before any handler: the connection closes after it
  // (the rest of the request may still be on its way).
  void Reject(HttpResponse response) {
    server_.metrics.RecordRequest("none", response.status,
                                  std::chrono::duration<double>(SteadyClock::now() - received_).count());
    request_id_ = server_.NextRequestId();
    method_ = parser_ && parser_->is_header_done() ? std::string(parser_->get().method_string()) : "";
    path_ = "";
    keep_alive_ = false;
    version_ = 11;
    Respond(std::move(response));
  }

  void Respond(HttpResponse response) {
    if (state_ == State::kClosed) return;
    LogLine(response.status >= 500 ? LogLevel::kWarn : LogLevel::kInfo, "request")
        .Str("request_id", request_id_)
        .Str("method", method_)
        .Str("path", path_)
        .Int("status", response.status)
        .Num("ms", std::chrono::duration<double, std::milli>(SteadyClock::now() - received_).count());
    if (response.stream && response.status == 200) return StartStream(std::move(response));
    auto message =
        std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status), version_);
    message->set(http::field::server, "exidx");
    message->set(http::field::content_type, response.content_type);
    message->set("x-request-id", request_id_);
    for (const auto& [name, value] : response.headers) message->set(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_ && !server_.stopping);
    message->prepare_payload();
    state_ = State::kWriting;
    stream_.expires_after(server_.options.write_timeout);
    http::async_write(stream_, *message, [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
      if (ec) return self->Close();
      if (!message->keep_alive()) return self->Linger();
      self->Read();
    });
  }

  // Half-closes and reads what the client still sends (for a short while)
  // before closing, so that it gets the answer rather than a reset.
  void Linger() {
    state_ = State::kClosed;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    Drain();
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->stream_.close();
        return;
      }
      self->Drain();
    });
  }

  // --- Server-Sent Events --------------------------------------------------

  void StartStream(HttpResponse response) {
    state_ = State::kStreaming;
    streaming_ = true;
    server_.metrics.SseClientOpened();
    events_ = std::move(response.stream);
    stream_.expires_never();
    Enqueue(
        fmt::format("HTTP/1.1 200 OK\r\nServer: exidx\r\nContent-Type: text/event-stream\r\n"
                    "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n"
                    "x-request-id: {}\r\n\r\n",
                    request_id_));
    std::weak_ptr<Session> weak = shared_from_this();
    subscription_ = server_.hub.Subscribe([weak] {
      if (auto self = weak.lock()) {
        asio::post(self->stream_.get_executor(), [self] {
          self->dirty_ = true;
          self->Poll();
        });
      }
    });
    Poll();
    ArmHeartbeat();
    WatchForClose();
  }

  void Poll() {
    if (state_ != State::kStreaming || polling_) return;
    polling_ = true;
    dirty_ = false;
    asio::post(server_.pool, [self = shared_from_this(), events = events_] {
      std::string text;
      Result<bool> more = events->Poll(text);
      asio::post(self->stream_.get_executor(), [self, text = std::move(text), more]() mutable {
        self->polling_ = false;
        if (self->state_ != State::kStreaming) return;
        if (!more) {
          LogLine(LogLevel::kWarn, "event stream ended: the change feed failed")
              .Str("request_id", self->request_id_)
              .Str("error", more.error().message);
          return self->Close();
        }
        self->Enqueue(std::move(text));
        if (*more || self->dirty_) self->Poll();
      });
    });
  }

  void Enqueue(std::string text) {
    if (text.empty() || state_ != State::kStreaming) return;
    queued_bytes_ += text.size();
    queue_.push_back(std::move(text));
    if (queued_bytes_ > server_.options.sse_queue_bytes) {
      LogLine(LogLevel::kWarn, "event stream closed: the client reads too slowly")
          .Str("request_id", request_id_)
          .Int("queued_bytes", static_cast<std::int64_t>(queued_bytes_));
      return Close();
    }
    Flush();
  }

  void Flush() {
    if (writing_ || queue_.empty() || state_ != State::kStreaming) return;
    writing_ = true;
    write_timer_.expires_after(server_.options.write_timeout);
    write_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && self->writing_) {
        LogLine(LogLevel::kWarn, "event stream closed: write deadline passed").Str("request_id", self->request_id_);
        self->Close();
      }
    });
    asio::async_write(stream_.socket(), asio::buffer(queue_.front()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->writing_ = false;
                        self->write_timer_.cancel();
                        if (ec) return self->Close();
                        self->queued_bytes_ -= self->queue_.front().size();
                        self->queue_.pop_front();
                        self->Flush();
                      });
  }

  void ArmHeartbeat() {
    heartbeat_.expires_after(server_.options.heartbeat);
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->state_ != State::kStreaming) return;
      if (self->queue_.empty()) self->Enqueue(": keep-alive\n\n");
      // Also catches changes made by another process on the same store.
      self->dirty_ = true;
      self->Poll();
      self->ArmHeartbeat();
    });
  }

  // A stream's client sends nothing more; a read ends when it goes away.
  void WatchForClose() {
    stream_.socket().async_read_some(asio::buffer(discard_),
                                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                       if (ec) return self->Close();
                                       self->WatchForClose();
                                     });
  }

  void Close() {
    if (state_ == State::kClosed && !stream_.socket().is_open()) return;
    state_ = State::kClosed;
    if (subscription_ != 0) {
      server_.hub.Unsubscribe(subscription_);
      subscription_ = 0;
    }
    heartbeat_.cancel();
    write_timer_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  Impl& server_;
  beast::tcp_stream stream_;
  const std::uint64_t id_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  State state_ = State::kReading;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  SteadyClock::time_point received_ = SteadyClock::now();
  std::string request_id_, method_, path_;
  std::array<char, 1024> discard_{};

  std::shared_ptr<EventStream> events_;
  bool streaming_ = false;
  std::uint64_t subscription_ = 0;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false, polling_ = false, dirty_ = false;
  asio::steady_timer heartbeat_;
  asio::steady_timer write_timer_;
};

}  // namespace

void HttpServer::Impl::Register(std::uint64_t id, const std::shared_ptr<Session>& session) {
  std::lock_guard lock(sessions_mu);
  sessions.emplace(id, session);
}

void HttpServer::Impl::Unregister(std::uint64_t id) {
  std::lock_guard lock(sessions_mu);
  sessions.erase(id);
  sessions_cv.notify_all();
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor.is_open() || stopping) return;
      LogLine(LogLevel::kWarn, "accept failed").Str("error", ec.message());
    } else if (stopping) {
      return;
    } else if (connections.load() >= options.max_connections) {
      RejectBusy(std::move(socket));
    } else {
      ++connections;
      const std::uint64_t id = ++session_counter;
      auto session = std::make_shared<Session>(*this, std::move(socket), id);
      Register(id, session);
      session->Start();
    }
    Accept();
  });
}

// Beyond the connection cap: a canned 503, then close.
void HttpServer::Impl::RejectBusy(tcp::socket socket) {
  metrics.RecordRequest("none", 503, 0);
  LogLine(LogLevel::kWarn, "connection refused: too many connections")
      .Int("max_connections", static_cast<std::int64_t>(options.max_connections));
  static const std::string kBody = R"({"error":{"code":"Unavailable","message":"too many connections; retry later"}})";
  auto text = std::make_shared<std::string>(
      fmt::format("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                  "Connection: close\r\nContent-Length: {}\r\n\r\n{}",
                  kBody.size(), kBody));
  auto shared_socket = std::make_shared<tcp::socket>(std::move(socket));
  asio::async_write(*shared_socket, asio::buffer(*text), [shared_socket, text](beast::error_code, std::size_t) {
    beast::error_code ignored;
    shared_socket->shutdown(tcp::socket::shutdown_both, ignored);
    shared_socket->close(ignored);
  });
}

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler, ChangeHub& hub, ServerMetrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), hub, metrics)) {}

HttpServer::~HttpServer() {
  Stop();
}

std::uint16_t HttpServer::port() const {
  return impl_->bound_port;
}

Status HttpServer::Start() {
  Impl& s = *impl_;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(s.options.host == "localhost" ? "127.0.0.1" : s.options.host, ec);
  if (ec) return Fail(ErrorCode::kInvalidParameter, "--listen: " + Quoted(s.options.host) + " is not an IP address");
  const tcp::endpoint endpoint(address, s.options.port);
  auto failed = [&](std::string_view what) {
    return Fail(ErrorCode::kUnavailable,
                fmt::format("cannot {} {}:{}: {}", what, s.options.host, s.options.port, ec.message()));
  };
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec) return failed("open a socket for");
  s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  s.acceptor.bind(endpoint, ec);
  if (ec) return failed("listen on");
  s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen on");
  s.bound_port = s.acceptor.local_endpoint().port();
  s.started = true;
  asio::dispatch(s.acceptor.get_executor(), [&s] { s.Accept(); });
  for (int i = 0; i < std::max(1, s.options.io_threads); ++i) {
    s.threads.emplace_back([&s] { s.ioc.run(); });
  }
  return {};
}

void HttpServer::Stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.stopping = true;
  asio::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
  });
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(s.sessions_mu);
    for (auto& [id, weak] : s.sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) session->OnStop();
  live.clear();
  {
    std::unique_lock lock(s.sessions_mu);
    if (!s.sessions_cv.wait_for(lock, s.options.shutdown_grace, [&s] { return s.sessions.empty(); })) {
      LogLine(LogLevel::kWarn, "shutdown: connections still open after the grace period")
          .Int("connections", static_cast<std::int64_t>(s.sessions.size()));
    }
  }
  s.work.reset();
  s.ioc.stop();
  for (auto& thread : s.threads) thread.join();
  s.threads.clear();
  s.pool.join();
}

}  // namespace exidx::server
