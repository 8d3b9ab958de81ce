#include "dynamodb/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>

namespace exidx::testing {
namespace {

constexpr int kPollMillis = 50;

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::abort();
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == Lower(y); });
}

// One HTTP message's head lines (after the start line) and body.
struct Message {
  std::string start_line;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::optional<std::string> Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (SameName(key, name)) return value;
    }
    return std::nullopt;
  }
};

// Reads from a socket into a buffer, polling so that a stop is noticed.
class Reader {
 public:
  Reader(int fd, const std::atomic<bool>& stop) : fd_(fd), stop_(stop) {}

  // Reads one message: its head, then a Content-Length or chunked body, or
  // (`to_eof`, for answers without either) everything until the peer closes.
  std::optional<Message> Read(bool to_eof) {
    std::size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!More()) return std::nullopt;
    }
    Message message;
    std::string_view head = std::string_view(buffer_).substr(0, head_end);
    std::size_t line_end = head.find("\r\n");
    message.start_line = std::string(head.substr(0, line_end));
    while (line_end != std::string_view::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      std::string_view line = head.substr(start, line_end == std::string_view::npos ? line_end : line_end - start);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      message.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    buffer_.erase(0, head_end + 4);
    if (auto length = message.Header("Content-Length")) {
      const std::size_t n = std::stoul(*length);
      while (buffer_.size() < n) {
        if (!More()) return std::nullopt;
      }
      message.body = buffer_.substr(0, n);
      buffer_.erase(0, n);
    } else if (auto encoding = message.Header("Transfer-Encoding"); encoding && SameName(*encoding, "chunked")) {
      if (!ReadChunked(message.body)) return std::nullopt;
    } else if (to_eof) {
      while (More()) {
      }
      message.body = std::exchange(buffer_, {});
    }
    return message;
  }

 private:
  bool More() {
    char chunk[16384];
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, kPollMillis);
      if (ready == 0) continue;
      if (ready < 0) return false;
      const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    return false;
  }

  bool ReadChunked(std::string& body) {
    for (;;) {
      std::size_t line_end;
      while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
        if (!More()) return false;
      }
      const std::size_t size = std::stoul(buffer_.substr(0, line_end), nullptr, 16);
      while (buffer_.size() < line_end + 2 + size + 2) {
        if (!More()) return false;
      }
      body += buffer_.substr(line_end + 2, size);
      buffer_.erase(0, line_end + 2 + size + 2);
      if (size == 0) return true;
    }
  }

  const int fd_;
  const std::atomic<bool>& stop_;
  std::string buffer_;
};

int ConnectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` to the upstream on a connection of its own and reads the
// answer; nullopt when the upstream did not answer.
std::optional<Message> Forward(int port, const Message& request, const std::atomic<bool>& stop) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return std::nullopt;
  std::string out = request.start_line + "\r\n";
  for (const auto& [name, value] : request.headers) {
    if (SameName(name, "Connection") || SameName(name, "Content-Length")) continue;
    out += name + ": " + value + "\r\n";
  }
  out += "Connection: close\r\nContent-Length: " + std::to_string(request.body.size()) + "\r\n\r\n" + request.body;
  std::optional<Message> answer;
  if (SendAll(fd, out)) answer = Reader(fd, stop).Read(/*to_eof=*/true);
  ::close(fd);
  return answer;
}

// The upstream's answer for the client: its own framing, kept alive.
std::string Relay(const Message& answer) {
  std::string out = answer.start_line + "\r\n";
  for (const auto& [name, value] : answer.headers) {
    if (SameName(name, "Connection") || SameName(name, "Content-Length") || SameName(name, "Transfer-Encoding") ||
        SameName(name, "Keep-Alive")) {
      continue;
    }
    out += name + ": " + value + "\r\n";
  }
  return out + "Content-Length: " + std::to_string(answer.body.size()) + "\r\n\r\n" + answer.body;
}

std::string Canned(int status, std::string_view reason, std::string_view type, std::string_view message) {
  const std::string body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#" + std::string(type) + "\",\"message\":\"" +
                           std::string(message) + "\"}";
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Type: application/x-amz-json-1.0\r\nx-amzn-RequestId: fault-proxy\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// "DynamoDB_20120810.PutItem" -> "PutItem".
std::string OperationOf(const Message& request) {
  const std::string target = request.Header("X-Amz-Target").value_or("");
  const std::size_t dot = target.rfind('.');
  return dot == std::string::npos ? target : target.substr(dot + 1);
}

}  // namespace

FaultProxy::FaultProxy(const std::string& upstream_url, std::uint64_t seed) : rng_(seed) {
  const std::size_t colon = upstream_url.rfind(':');
  upstream_port_ = std::stoi(upstream_url.substr(colon + 1));
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) Die("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) Die("bind");
  if (::listen(listen_fd_, 128) != 0) Die("listen");
  socklen_t length = sizeof(address);
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) Die("getsockname");
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    for (int fd : client_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  changed_.notify_all();
  acceptor_.join();
  for (std::thread& worker : workers_) worker.join();
  ::close(listen_fd_);
}

void FaultProxy::SetFaults(FaultRates rates) {
  std::lock_guard lock(mu_);
  rates_ = std::move(rates);
  if (rates_.quota) {  // A full bucket.
    quota_tokens_ = rates_.quota->burst;
    quota_updated_ = std::chrono::steady_clock::now();
  }
}

void FaultProxy::ResetStats() {
  std::lock_guard lock(mu_);
  stats_ = FaultProxyStats{};
  bodies_.clear();
}

FaultProxyStats FaultProxy::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

FaultProxy::Fault FaultProxy::Draw(const std::string& operation, const std::string& body) {
  std::lock_guard lock(mu_);
  ++stats_.requests;
  if (!rates_.operations.empty() && !rates_.operations.contains(operation)) return Fault::kNone;
  ++stats_.faultable;
  if (bodies_.insert(std::hash<std::string>{}(body)).second) ++stats_.distinct_bodies;
  if (rates_.quota) {
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - quota_updated_).count();
    quota_tokens_ = std::min(rates_.quota->burst, quota_tokens_ + elapsed * rates_.quota->per_second);
    quota_updated_ = now;
    if (quota_tokens_ < 1) return Fault::kThrottle;
    quota_tokens_ -= 1;
  }
  const double x = std::uniform_real_distribution<double>(0, 1)(rng_);
  double edge = 0;
  for (auto [rate, fault] : {std::pair{rates_.throttle, Fault::kThrottle},
                             {rates_.server_error, Fault::kServerError},
                             {rates_.cut_before, Fault::kCutBefore},
                             {rates_.cut_after, Fault::kCutAfter},
                             {rates_.delay, Fault::kDelay}}) {
    edge += rate;
    if (x < edge) return fault;
  }
  return Fault::kNone;
}

bool FaultProxy::WaitGate(int gate) {
  std::unique_lock lock(mu_);
  changed_.notify_all();
  return changed_.wait_for(lock, std::chrono::seconds(2), [&] { return stop_ || in_flight_ >= gate; }) && !stop_;
}

bool FaultProxy::SleepOrStop(std::chrono::milliseconds duration) {
  std::unique_lock lock(mu_);
  return !changed_.wait_for(lock, duration, [this] { return stop_.load(); });
}

void FaultProxy::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMillis) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    {
      std::lock_guard lock(mu_);
      client_fds_.push_back(fd);
    }
    workers_.emplace_back([this, fd] {
      Serve(fd);
      std::lock_guard lock(mu_);
      client_fds_.erase(std::find(client_fds_.begin(), client_fds_.end(), fd));
      ::close(fd);
    });
  }
}

void FaultProxy::Serve(int fd) {
  Reader reader(fd, stop_);
  while (!stop_) {
    std::optional<Message> request = reader.Read(/*to_eof=*/false);
    if (!request) return;
    const std::string operation = OperationOf(*request);
    const Fault fault = Draw(operation, request->body);
    bool faulted_operation;
    int gate;
    {
      std::lock_guard lock(mu_);
      faulted_operation = rates_.operations.empty() || rates_.operations.contains(operation);
      gate = rates_.gate;
      if (faulted_operation) stats_.peak_in_flight = std::max(stats_.peak_in_flight, ++in_flight_);
    }
    struct Leave {
      FaultProxy* proxy;
      bool counted;
      ~Leave() {
        if (!counted) return;
        std::lock_guard lock(proxy->mu_);
        --proxy->in_flight_;
      }
    } leave{this, faulted_operation};
    if (faulted_operation && gate > 0 && !WaitGate(gate) && stop_) return;

    auto count = [this](std::uint64_t FaultProxyStats::* field) {
      std::lock_guard lock(mu_);
      ++(stats_.*field);
    };
    switch (fault) {
      case Fault::kThrottle:
        count(&FaultProxyStats::throttled);
        if (!SendAll(fd, Canned(400, "Bad Request", "ThrottlingException",
                                "Rate of requests exceeds the allowed "
                                "throughput."))) {
          return;
        }
        continue;
      case Fault::kServerError:
        count(&FaultProxyStats::server_errors);
        if (!SendAll(fd, Canned(500, "Internal Server Error", "InternalServerError", "Internal server error"))) return;
        continue;
      case Fault::kCutBefore: count(&FaultProxyStats::cut_before); return;
      case Fault::kDelay: {
        count(&FaultProxyStats::delayed);
        std::chrono::milliseconds by;
        {
          std::lock_guard lock(mu_);
          by = rates_.delay_by;
        }
        if (!SleepOrStop(by)) return;
        break;
      }
      case Fault::kCutAfter:
      case Fault::kNone: break;
    }
    count(&FaultProxyStats::forwarded);
    std::optional<Message> answer = Forward(upstream_port_, *request, stop_);
    if (!answer) return;
    if (fault == Fault::kCutAfter) {
      count(&FaultProxyStats::cut_after);
      return;
    }
    if (!SendAll(fd, Relay(*answer))) return;
  }
}

}  // namespace exidx::testing
