#include "server/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

namespace exidx::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

Connection::Connection(std::uint16_t port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd_);
    fd_ = -1;
    closed_ = true;
  }
}

Connection::~Connection() {
  if (fd_ >= 0) close(fd_);
}

bool Connection::Send(const std::string& bytes) {
  std::size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return fd_ >= 0;
}

std::string Connection::Receive(std::chrono::milliseconds timeout) {
  if (fd_ < 0 || closed_) return "";
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
  char buffer[65536];
  const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
  if (n <= 0) {
    closed_ = true;
    return "";
  }
  return std::string(buffer, static_cast<std::size_t>(n));
}

std::string Connection::ReceiveAll(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  std::string all;
  while (!closed_ && SteadyClock::now() < deadline) {
    all += Receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()));
  }
  return all;
}

HttpReply ParseReply(const std::string& text) {
  HttpReply reply;
  const std::size_t head_end = text.find("\r\n\r\n");
  if (head_end == std::string::npos || text.compare(0, 5, "HTTP/") != 0) return reply;
  reply.status = std::atoi(text.c_str() + text.find(' ') + 1);
  std::size_t line = text.find("\r\n") + 2;
  while (line < head_end) {
    const std::size_t end = text.find("\r\n", line);
    const std::string header = text.substr(line, end - line);
    const std::size_t colon = header.find(':');
    std::string value = header.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    reply.headers[Lower(header.substr(0, colon))] = value;
    line = end + 2;
  }
  reply.body = text.substr(head_end + 4);
  if (auto length = reply.headers.find("content-length"); length != reply.headers.end()) {
    reply.body.resize(std::min(reply.body.size(), static_cast<std::size_t>(std::stoul(length->second))));
  }
  return reply;
}

void Connection::ShutdownWrite() {
  if (fd_ >= 0) shutdown(fd_, SHUT_WR);
}

std::optional<std::pair<std::string, std::size_t>> DecodeChunked(const std::string& text) {
  std::string body;
  std::size_t at = 0;
  for (;;) {
    const std::size_t eol = text.find("\r\n", at);
    if (eol == std::string::npos) return std::nullopt;
    std::size_t size = 0;
    const auto [end, ec] = std::from_chars(text.data() + at, text.data() + eol, size, 16);
    if (ec != std::errc() || end == text.data() + at) return std::nullopt;
    at = eol + 2;
    if (size == 0) break;
    if (text.size() < at + size + 2) return std::nullopt;
    body.append(text, at, size);
    at += size + 2;
  }
  // Trailer fields, if any, then the blank line.
  const std::size_t end = text.compare(at, 2, "\r\n") == 0 ? at : text.find("\r\n\r\n", at);
  if (end == std::string::npos) return std::nullopt;
  return std::pair(std::move(body), end + (end == at ? 2 : 4));
}

namespace {

// The first response of `text` and how many bytes it took; nullopt when
// `text` does not hold it whole yet (`at_end`: no more bytes will come).
std::optional<std::pair<HttpReply, std::size_t>> FirstReply(const std::string& text, bool at_end) {
  const std::size_t head_end = text.find("\r\n\r\n");
  if (head_end == std::string::npos) return std::nullopt;
  const std::size_t body_at = head_end + 4;
  HttpReply reply = ParseReply(text.substr(0, body_at));
  // 1xx, 204 and 304 answers have no body (RFC 9112 section 6.3).
  if ((reply.status >= 100 && reply.status < 200) || reply.status == 204 || reply.status == 304) {
    return std::pair(std::move(reply), body_at);
  }
  if (auto length = reply.headers.find("content-length"); length != reply.headers.end()) {
    const std::size_t size = std::stoul(length->second);
    if (text.size() < body_at + size) return std::nullopt;
    reply.body = text.substr(body_at, size);
    return std::pair(std::move(reply), body_at + size);
  }
  if (auto coding = reply.headers.find("transfer-encoding");
      coding != reply.headers.end() && Lower(coding->second) == "chunked") {
    auto chunked = DecodeChunked(text.substr(body_at));
    if (!chunked) return std::nullopt;
    reply.body = std::move(chunked->first);
    return std::pair(std::move(reply), body_at + chunked->second);
  }
  if (!at_end) return std::nullopt;
  reply.body = text.substr(body_at);
  return std::pair(std::move(reply), text.size());
}

}  // namespace

std::optional<HttpReply> ReplyReader::Next(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (auto first = FirstReply(buffer_, connection_.closed())) {
      buffer_.erase(0, first->second);
      return std::move(first->first);
    }
    const auto now = SteadyClock::now();
    if (connection_.closed() || now >= deadline) return std::nullopt;
    buffer_ += connection_.Receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
  }
}

bool ReplyReader::ClosesWithNothingMore(std::chrono::milliseconds timeout) {
  buffer_ += connection_.ReceiveAll(timeout);
  return connection_.closed() && buffer_.empty();
}

HttpReply HttpCall(std::uint16_t port, const std::string& method, const std::string& target, const Headers& headers,
                   const std::string& body, std::chrono::milliseconds timeout) {
  Connection connection(port);
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  if (!connection.Send(request)) return {};
  return ParseReply(connection.ReceiveAll(timeout));
}

SseClient::SseClient(std::uint16_t port, const std::string& target, const Headers& headers) : connection_(port) {
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  connection_.Send(request + "\r\n");
  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  while (SteadyClock::now() < deadline && buffer_.find("\r\n\r\n") == std::string::npos && !connection_.closed()) {
    buffer_ += connection_.Receive(std::chrono::milliseconds(200));
  }
  const std::size_t end = buffer_.find("\r\n\r\n");
  if (end == std::string::npos) return;
  head_ = buffer_.substr(0, end + 4);
  status_ = ParseReply(head_).status;
  buffer_.erase(0, end + 4);
}

std::optional<SseEvent> SseClient::Next(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    // Events end with a blank line.
    for (std::size_t end; (end = buffer_.find("\n\n")) != std::string::npos;) {
      const std::string block = buffer_.substr(0, end + 1);
      buffer_.erase(0, end + 2);
      SseEvent event{.event = "message"};
      bool any = false;
      for (std::size_t line = 0; line < block.size();) {
        const std::size_t eol = block.find('\n', line);
        const std::string text = block.substr(line, eol - line);
        line = eol + 1;
        if (text.empty()) continue;
        if (text[0] == ':') {
          ++comments_;
          continue;
        }
        const std::size_t colon = text.find(':');
        const std::string field = text.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : text.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (field == "id") event.id = value, any = true;
        if (field == "event") event.event = value, any = true;
        if (field == "data") event.data += (event.data.empty() ? "" : "\n") + value, any = true;
      }
      if (any && event.event != "message") return event;
      if (any && !event.data.empty()) return event;
    }
    const auto now = SteadyClock::now();
    if (now >= deadline || connection_.closed()) return std::nullopt;
    buffer_ += connection_.Receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
  }
}

}  // namespace exidx::testing
