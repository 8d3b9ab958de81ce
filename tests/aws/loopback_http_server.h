// LoopbackHttpServer: a tiny HTTP/1.1 server on 127.0.0.1 and a free port, run
// inside a test to fake an endpoint (container credentials, IMDS, an AWS API).
// It records every request and answers through a handler; connections are
// kept alive, one thread each, so tests can observe connection reuse.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aws/http_client.h"

namespace exidx::aws::testing {

struct RecordedRequest {
  std::string method;
  std::string target;  // Path and query, as on the request line.
  HttpHeaders headers;
  std::string body;
};

struct CannedResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
  // Wait this long before answering (cut short when the server stops).
  std::chrono::milliseconds delay{0};
};

class LoopbackHttpServer {
 public:
  // Called for each request, one call at a time.
  using Handler = std::function<CannedResponse(const RecordedRequest&)>;

  // Listens on 127.0.0.1 and a port the kernel picks; aborts the test binary
  // when it cannot (a test without its server can only mislead).
  explicit LoopbackHttpServer(Handler handler);
  ~LoopbackHttpServer();  // Stops serving and joins all threads.
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<RecordedRequest> requests() const;
  int connections() const { return connections_.load(); }

 private:
  void AcceptLoop();
  void Serve(int fd);
  bool WaitOrStop(std::chrono::milliseconds delay);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::condition_variable stopped_;
  std::vector<RecordedRequest> requests_;  // Guarded by mu_.
  std::mutex handler_mu_;
  std::vector<std::thread> workers_;  // Touched by the accept thread only, until it is joined.
  std::thread acceptor_;
};

}  // namespace exidx::aws::testing
