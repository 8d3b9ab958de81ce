// JsonClient: the AWS JSON 1.0 protocol (DynamoDB, Step Functions): POST / with
// X-Amz-Target and Content-Type application/x-amz-json-1.0, each attempt
// signed anew with SigV4, errors read from `__type` and `message`, and bounded
// retries with full jitter for what a retry can cure.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/environment.h"
#include "aws/http_client.h"
#include "aws/request_limiter.h"
#include "aws/service_endpoint.h"
#include "core/clock.h"
#include "core/deadline.h"
#include "core/error.h"

namespace exidx::aws {

// What the service clients of one process share: the HTTP client, the
// credentials and the clock, and the environment they were found in.
class AwsContext {
 public:
  // CurlHttpClient, DefaultCredentialsChain and the system clock over `env`.
  // `env` must outlive the context.
  static std::shared_ptr<AwsContext> Default(const Environment& env);

  // `env` and `clock` must outlive the context.
  AwsContext(const Environment& env, std::unique_ptr<HttpClient> http, std::unique_ptr<CredentialsProvider> credentials,
             const Clock& clock)
      : env_(env), http_(std::move(http)), credentials_(std::move(credentials)), clock_(clock) {}

  const Environment& env() const { return env_; }
  HttpClient& http() const { return *http_; }
  CredentialsProvider& credentials() const { return *credentials_; }
  const Clock& clock() const { return clock_; }

 private:
  const Environment& env_;
  const std::unique_ptr<HttpClient> http_;                 // Outlives credentials_ (declared first).
  const std::unique_ptr<CredentialsProvider> credentials_;  // May use http_.
  const Clock& clock_;
};

struct JsonClientOptions {
  // Per attempt: connecting, sending and receiving; a call's deadline cuts it
  // to what is left.
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  // Attempts per call, the first included.
  int max_attempts = 4;
  // Before retry n (1, 2, ...) the client sleeps a uniformly random time in
  // [0, min(retry_cap, retry_base * 2^(n-1))] ("full jitter").
  std::chrono::milliseconds retry_base{40};
  std::chrono::milliseconds retry_cap{std::chrono::milliseconds(1500)};
  // When set, every attempt (retries too: the service counts them) first
  // takes a token of its operation from this limiter, which clients of
  // several regions or tables may share; a wait that would pass the call's
  // deadline ends the call as the deadline does.
  std::shared_ptr<RequestLimiter> limiter;
};

// An error answer of the service, for callers that act on its kind.
struct ServiceError {
  std::string type;     // `__type` after its last '#': "ConditionalCheckFailedException".
  std::string message;  // `message` or `Message`; may be empty.
  int http_status = 0;
  // A TransactionCanceledException's CancellationReasons: each Code, by the
  // position of its TransactItems entry ("None", "ConditionalCheckFailed",
  // "TransactionConflict", ...).
  std::vector<std::string> cancellation_reasons;
};

// Counted at the client, for tests and metrics: what calls cost.
struct JsonClientStats {
  std::uint64_t calls = 0;     // Call() invocations.
  std::uint64_t requests = 0;  // HTTP requests sent (attempts), retries included.
  std::uint64_t retries = 0;
  std::uint64_t throttled = 0;  // Answers that were throttling errors (each one retried or returned).
};

// True for the error types that mean "slow down": ThrottlingException,
// ProvisionedThroughputExceededException, RequestLimitExceeded,
// LimitExceededException, TooManyRequestsException and their kin.
bool IsThrottlingError(std::string_view type);

class JsonClient {
 public:
  // For `service` in the region and at the endpoint the environment of
  // `context` names (ResolveRegion, ResolveEndpoint). kInternal when neither is
  // found. `target_prefix` is the X-Amz-Target prefix: "DynamoDB_20120810",
  // "AWSStepFunctions".
  static Result<std::unique_ptr<JsonClient>> Create(std::shared_ptr<AwsContext> context, AwsService service,
                                                    std::string target_prefix, JsonClientOptions options = {});

  JsonClient(std::shared_ptr<AwsContext> context, AwsService service, std::string target_prefix, std::string region,
             std::string endpoint, JsonClientOptions options);

  // Calls `operation` ("PutItem") with the JSON object `request_json` and
  // returns the response body of a 2xx answer. Retries network errors, 5xx and
  // throttling up to max_attempts, nothing else. Errors: kUnavailable for
  // network errors, 5xx and throttling that outlasted the retries; kInternal
  // for every other error answer (validation, missing resources, failed
  // conditions, bad credentials), with `*service_error` (when given) set to the
  // service's answer. A credentials error is returned as the provider gave it.
  // Messages name the service, the operation and the error, never a secret.
  // Thread-safe.
  //
  // `deadline` bounds the whole call, retries included: each attempt's timeout
  // is min(options.timeout, time left), no attempt starts once it has passed,
  // and no retry is made whose backoff would end at or past it. A call stopped
  // by the deadline fails with kUnavailable and says so; as with any failed
  // call, an attempt that timed out may still have been applied by the service.
  // (Credentials are read from the provider's cache; a refresh it makes is
  // bounded by the provider's own timeouts, not by `deadline`.)
  Result<std::string> Call(std::string_view operation, std::string_view request_json, const Deadline& deadline,
                           ServiceError* service_error = nullptr);
  // The same with no deadline: each attempt is bounded by options.timeout.
  Result<std::string> Call(std::string_view operation, std::string_view request_json,
                           ServiceError* service_error = nullptr) {
    return Call(operation, request_json, Deadline::Never(), service_error);
  }

  JsonClientStats Stats() const;
  const std::string& region() const { return region_; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  const std::shared_ptr<AwsContext> context_;
  const AwsService service_;
  const std::string target_prefix_;
  const std::string region_;
  const std::string endpoint_;
  const JsonClientOptions options_;
  std::atomic<std::uint64_t> calls_{0}, requests_{0}, retries_{0}, throttled_{0};
};

}  // namespace exidx::aws
