// A tiny blocking HTTP/1.1 client for the server's tests: one request per
// connection (Connection: close), raw sockets, deadlines on every wait. Also
// raw connections (for byte-by-byte and oversized requests) and an SSE reader.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace exidx::testing {

struct HttpReply {
  int status = 0;                              // 0: no answer (connection closed or failed).
  std::map<std::string, std::string> headers;  // Names lower-cased.
  std::string body;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Sends one request to 127.0.0.1:port and reads the answer until the server
// closes the connection (or `timeout`).
HttpReply HttpCall(std::uint16_t port, const std::string& method, const std::string& target,
                   const Headers& headers = {}, const std::string& body = "",
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A raw TCP connection to 127.0.0.1:port.
class Connection {
 public:
  explicit Connection(std::uint16_t port);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // False when the peer closed or reset the connection.
  bool Send(const std::string& bytes);
  // Waits up to `timeout` for bytes; "" with closed() true at end of stream.
  std::string Receive(std::chrono::milliseconds timeout);
  // Reads until the peer closes (or `timeout`); everything received.
  std::string ReceiveAll(std::chrono::milliseconds timeout);
  bool closed() const { return closed_; }
  // Ends the sending side (the peer reads end of stream); receiving goes on.
  void ShutdownWrite();

 private:
  int fd_ = -1;
  bool closed_ = false;
};

// Parses "HTTP/1.1 200 OK\r\n...\r\n\r\nbody" (Content-Length bodies only).
HttpReply ParseReply(const std::string& text);

// Reads one response after another from a connection (keep-alive,
// pipelining): bodies framed by Content-Length or chunked, else by the end of
// the connection.
class ReplyReader {
 public:
  explicit ReplyReader(Connection& connection) : connection_(connection) {}

  // The next whole response, or nullopt when none arrived whole within
  // `timeout` (the connection closed or stayed silent).
  std::optional<HttpReply> Next(std::chrono::milliseconds timeout);
  // Waits up to `timeout` for the peer to close; true when it did and sent
  // nothing more. Bytes it sent meanwhile are in extra().
  bool ClosesWithNothingMore(std::chrono::milliseconds timeout);
  const std::string& extra() const { return buffer_; }

 private:
  Connection& connection_;
  std::string buffer_;
};

// Decodes a chunked body from the start of `text`: the body, and how many
// bytes of `text` it took; nullopt when `text` does not hold it whole (or it
// is malformed).
std::optional<std::pair<std::string, std::size_t>> DecodeChunked(const std::string& text);

struct SseEvent {
  std::string id;
  std::string event;  // "message" when the server sent none.
  std::string data;
};

// Opens GET `target` as an event stream and reads its events.
class SseClient {
 public:
  SseClient(std::uint16_t port, const std::string& target, const Headers& headers = {});

  // The response's status (after the headers arrived), 0 if none.
  int status() const { return status_; }
  const std::string& head() const { return head_; }

  // The next event (comments skipped), or nullopt after `timeout` or when the
  // stream ended.
  std::optional<SseEvent> Next(std::chrono::milliseconds timeout);
  // Whether the server closed the stream (only known after a Next that found nothing).
  bool closed() const { return connection_.closed(); }
  // Comment lines seen so far (": keep-alive", ...).
  int comments() const { return comments_; }

 private:
  Connection connection_;
  std::string buffer_;
  std::string head_;
  int status_ = 0;
  int comments_ = 0;
};

}  // namespace exidx::testing
