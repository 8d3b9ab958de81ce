// FakeRuntimeApi: the AWS Lambda Runtime API (2018-06-01) on 127.0.0.1 and a
// free port, for tests that drive `exidx lambda` or the runtime loop. Tests
// queue invocations; /invocation/next hands them out in order (blocking while
// the queue is empty, like Lambda's long poll) and the fake records every
// response, invocation error and init error it receives.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/loopback_http_server.h"

namespace exidx::lambda::testing {

// What the runtime posted for one invocation (or for init).
struct PostedResult {
  std::string request_id;
  bool is_error = false;
  std::string body;              // The response, or the error document.
  std::string error_type_header;  // Lambda-Runtime-Function-Error-Type.
};

struct QueuedInvocation {
  std::string payload;
  // Epoch milliseconds; nullopt: 60 s from when it is handed out.
  std::optional<std::int64_t> deadline;
  std::string trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
};

class FakeRuntimeApi {
 public:
  FakeRuntimeApi();
  ~FakeRuntimeApi();  // Unblocks a waiting /next (answered 500) and stops.

  // AWS_LAMBDA_RUNTIME_API for the runtime: "127.0.0.1:<port>".
  std::string address() const;

  // Queues an invocation; its request id.
  std::string Enqueue(QueuedInvocation invocation);
  std::string Enqueue(std::string payload) { return Enqueue(QueuedInvocation{.payload = std::move(payload)}); }

  // Waits up to `timeout` until `count` results (responses and errors) were
  // posted; all results so far, in the order posted.
  std::vector<PostedResult> WaitForResults(std::size_t count,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::optional<PostedResult> init_error() const;
  int next_calls() const;
  // Every HTTP request the runtime made, in order.
  std::vector<aws::testing::RecordedRequest> requests() const { return server_->requests(); }

 private:
  aws::testing::CannedResponse Handle(const aws::testing::RecordedRequest& request);

  mutable std::mutex mu_;
  std::condition_variable changed_;
  bool stopping_ = false;                  // Guarded by mu_.
  std::deque<QueuedInvocation> queue_;     // Guarded by mu_.
  std::vector<std::string> queued_ids_;    // Guarded by mu_; ids in queue order.
  std::size_t handed_out_ = 0;             // Guarded by mu_.
  int next_calls_ = 0;                     // Guarded by mu_.
  std::vector<PostedResult> results_;      // Guarded by mu_.
  std::optional<PostedResult> init_error_;  // Guarded by mu_.
  std::unique_ptr<aws::testing::LoopbackHttpServer> server_;
};

}  // namespace exidx::lambda::testing
