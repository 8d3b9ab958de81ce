// SendWithRetries: one request to an AWS service, signed anew with SigV4 for
// every attempt and retried with full jitter while its answers are ones a
// retry can cure, all within one Deadline. The part JsonClient (JSON 1.0) and
// AppSyncClient (GraphQL) share; each says what an answer means through an
// AnswerClassifier.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "aws/http_client.h"
#include "core/deadline.h"
#include "core/error.h"

namespace exidx::aws {

class AwsContext;

struct RetryPolicy {
  // Per attempt: connecting, sending and receiving; the deadline cuts it to
  // what is left.
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  // Attempts per call, the first included (at least 1 is made).
  int max_attempts = 4;
  // Before retry n (1, 2, ...) the caller sleeps a uniformly random time in
  // [0, min(retry_cap, retry_base * 2^(n-1))] ("full jitter").
  std::chrono::milliseconds retry_base{40};
  std::chrono::milliseconds retry_cap{std::chrono::milliseconds(1500)};
};

// What one HTTP answer means to the caller.
struct AnswerVerdict {
  enum class Kind {
    kAccept,     // The call succeeded with this answer.
    kRetryable,  // 5xx, throttling: another attempt may succeed.
    kFinal,      // An error no retry cures (validation, permissions, a GraphQL error).
  };
  Kind kind = Kind::kAccept;
  std::string message;  // For the errors: why, without the call's name (which is prepended).
};

// Called for every answer (whatever its status), one at a time.
using AnswerClassifier = std::function<AnswerVerdict(const HttpResponse&)>;

// Called before each attempt; false stops the call as its deadline does (a
// rate limiter whose wait would pass the deadline). May be empty.
using AttemptGate = std::function<bool(const Deadline&)>;

// Added to by a call, for the caller's statistics.
struct ExchangeTally {
  std::uint64_t requests = 0;  // HTTP requests sent.
  std::uint64_t retries = 0;   // Sleeps before another attempt.
};

struct SignedExchange {
  std::string_view what;     // Names the call in every message: "dynamodb PutItem", "appsync POST /graphql".
  std::string_view region;   // Signing region.
  std::string_view service;  // Signing name: "dynamodb", "appsync".
};

// The X-Ray trace header.
inline constexpr std::string_view kTraceHeader = "X-Amzn-Trace-Id";

// Sends `request` (method, url, headers, body as they should go; timeout and
// the SigV4 headers are set here; X-Amzn-Trace-Id too, from the environment's
// _X_AMZN_TRACE_ID when it is set and the request has none) until an answer is accepted, an error is
// final, the attempts are used up, or `deadline` passes. Network errors
// (kUnavailable from the HttpClient) and kRetryable answers are retried; an
// HttpClient error of another code is returned at once.
//
// Returns the accepted answer. Errors: kUnavailable for what outlasted the
// retries (the message ends "(after N attempts)") or was stopped by the
// deadline (the message says "stopped at the deadline" and gives the last
// failure); kInternal for a kFinal verdict; a credentials error as the
// provider gave it. Messages begin with exchange.what and never hold a secret.
// `deadline` bounds the call as JsonClient::Call documents: each attempt's
// timeout is min(policy.timeout, time left), no attempt starts once it has
// passed, no retry is made whose backoff would end at or past it; sleeping uses
// the deadline's clock. Thread-safe when `context` and the callbacks are.
Result<HttpResponse> SendWithRetries(const AwsContext& context, const SignedExchange& exchange, HttpRequest request,
                                     const RetryPolicy& policy, const Deadline& deadline,
                                     const AnswerClassifier& classify, const AttemptGate& gate = {},
                                     ExchangeTally* tally = nullptr);

// The full-jitter backoff before retry `retry` (1, 2, ...) of `policy`.
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int retry);

}  // namespace exidx::aws
