// A fake of aws::HttpClient whose answers are a function of the request, and
// a JsonClient over it: the AWS clients' answer parsing is tested and fuzzed
// without a network, through the same JsonClient::Call path a real answer
// takes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "aws/credentials.h"
#include "aws/environment.h"
#include "aws/http_client.h"
#include "aws/json_client.h"
#include "core/clock.h"

namespace exidx::testing {

class ScriptedHttpClient final : public aws::HttpClient {
 public:
  using Script = std::function<aws::HttpResponse(const aws::HttpRequest&)>;
  explicit ScriptedHttpClient(Script script) : script_(std::move(script)) {}
  Result<aws::HttpResponse> Send(const aws::HttpRequest& request) override { return script_(request); }

 private:
  Script script_;
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
