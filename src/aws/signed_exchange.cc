#include "aws/signed_exchange.h"

#include <algorithm>
#include <random>

#include "aws/environment.h"
#include "aws/json_client.h"
#include "aws/sigv4.h"

namespace exidx::aws {

std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int retry) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto base = policy.retry_base.count();
  const auto ceiling = std::min<std::int64_t>(policy.retry_cap.count(), base << std::min(retry - 1, 20));
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(0, ceiling)(rng));
}

Result<HttpResponse> SendWithRetries(const AwsContext& context, const SignedExchange& exchange, HttpRequest request,
                                     const RetryPolicy& policy, const Deadline& deadline,
                                     const AnswerClassifier& classify, const AttemptGate& gate, ExchangeTally* tally) {
  const std::string what(exchange.what);
  // X-Ray: inside Lambda, the invocation's trace (runtime_loop.h sets
  // _X_AMZN_TRACE_ID) goes with every call, so the service's segments join it.
  // Not signed (sigv4.h), as the SDKs leave it.
  if (!HeaderValue(request.headers, kTraceHeader)) {
    if (auto trace = GetSetting(context.env(), "_X_AMZN_TRACE_ID")) request.headers.emplace_back(kTraceHeader, *trace);
  }
  const int max_attempts = std::max(1, policy.max_attempts);
  Error last{ErrorCode::kUnavailable, what + ": no attempt made"};
  int attempts = 0;
  // What the caller sees when the deadline ends the call: the last failure, if any, says why.
  auto out_of_time = [&] {
    std::string message =
        what + ": stopped at the deadline after " + std::to_string(attempts) + " attempt" + (attempts == 1 ? "" : "s");
    if (attempts > 0) message += " (last: " + last.message + ")";
    return Fail(ErrorCode::kUnavailable, std::move(message));
  };
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    if (attempt > 1) {
      const std::chrono::milliseconds delay = RetryDelay(policy, attempt - 1);
      if (deadline.bounded() && delay >= deadline.Remaining()) return out_of_time();
      if (tally) ++tally->retries;
      deadline.clock().SleepFor(delay);
    }
    if (deadline.Expired()) return out_of_time();
    if (gate && !gate(deadline)) return out_of_time();
    auto credentials = context.credentials().Get();
    if (!credentials) return std::unexpected(credentials.error());

    request.timeout = deadline.Cap(policy.timeout);
    if (request.timeout.count() <= 0) return out_of_time();
    auto signature = SignRequest(
        request, *credentials,
        SigningParams{.region = exchange.region, .service = exchange.service, .time = context.clock().NowMillis()});
    if (!signature) return std::unexpected(Error{signature.error().code, what + ": " + signature.error().message});

    if (tally) ++tally->requests;
    ++attempts;
    auto response = context.http().Send(request);
    if (!response) {
      last = Error{response.error().code, what + ": " + response.error().message};
      if (response.error().code != ErrorCode::kUnavailable) return std::unexpected(last);
      continue;
    }
    AnswerVerdict verdict = classify(*response);
    if (verdict.kind == AnswerVerdict::Kind::kAccept) return std::move(*response);
    const bool retryable = verdict.kind == AnswerVerdict::Kind::kRetryable;
    last = Error{retryable ? ErrorCode::kUnavailable : ErrorCode::kInternal, what + ": " + verdict.message};
    if (!retryable) return std::unexpected(last);
  }
  last.message += " (after " + std::to_string(max_attempts) + " attempts)";
  return std::unexpected(last);
}

}  // namespace exidx::aws
