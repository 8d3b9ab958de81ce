// ScriptedHttpClient, a fake of aws::HttpClient that sends nothing, and a
// JsonClient over it: the AWS clients' answer parsing is tested and fuzzed
// without a network, through the same JsonClient::Call path a real answer
// takes.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "aws/credentials.h"
#include "aws/environment.h"
#include "aws/http_client.h"
#include "aws/json_client.h"
#include "core/clock.h"

namespace exidx::testing {

// Send keeps a copy of every request (requests()), then answers with what the
// script returns for it (a response, or an error as a failed connection). A
// client made without a script answers from its queue (Enqueue) in order, and
// with kUnavailable "connection refused" once the queue is empty.
// Thread-safe: calls are serialised, so a script sees one request at a time.
class ScriptedHttpClient final : public aws::HttpClient {
 public:
  using Script = std::function<Result<aws::HttpResponse>(const aws::HttpRequest&)>;
  ScriptedHttpClient() = default;
  explicit ScriptedHttpClient(Script script) : script_(std::move(script)) {}

  Result<aws::HttpResponse> Send(const aws::HttpRequest& request) override {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    if (script_) return script_(request);
    if (queue_.empty()) return Fail(ErrorCode::kUnavailable, "connection refused");
    Result<aws::HttpResponse> next = std::move(queue_.front());
    queue_.pop_front();
    return next;
  }

  // The answer to a later request, after those queued before it.
  // REQUIRES: made without a script.
  void Enqueue(Result<aws::HttpResponse> answer) {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(answer));
  }

  // Every request sent so far, oldest first.
  std::vector<aws::HttpRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  const Script script_;
  mutable std::mutex mu_;
  std::vector<aws::HttpRequest> requests_;
  std::deque<Result<aws::HttpResponse>> queue_;
};

class FixedClock final : public Clock {
 public:
  EpochMillis NowMillis() const override { return 1'759'140'000'000; }
};

// The operation a JSON 1.0 request calls: "GetItem" of "DynamoDB_20120810.GetItem".
inline std::string OperationOf(const aws::HttpRequest& request) {
  auto target = aws::HeaderValue(request.headers, "X-Amz-Target");
  if (!target) return "";
  const auto dot = target->rfind('.');
  return std::string(dot == std::string_view::npos ? *target : target->substr(dot + 1));
}

// A JsonClient for `service` that sends every request to `script`, one
// attempt per call (a retry would only repeat the same answer).
inline std::unique_ptr<aws::JsonClient> ScriptedJsonClient(aws::AwsService service, std::string target_prefix,
                                                           ScriptedHttpClient::Script script) {
  static const aws::MapEnvironment env;
  static const FixedClock clock;
  auto context = std::make_shared<aws::AwsContext>(env, std::make_unique<ScriptedHttpClient>(std::move(script)),
                                                   std::make_unique<aws::StaticCredentialsProvider>(aws::AwsCredentials{
                                                       .access_key_id = "AKIDEXAMPLE", .secret_access_key = "test"}),
                                                   clock);
  return std::make_unique<aws::JsonClient>(std::move(context), service, std::move(target_prefix), "us-east-1",
                                           "http://127.0.0.1:1", aws::JsonClientOptions{.max_attempts = 1});
}

}  // namespace exidx::testing
