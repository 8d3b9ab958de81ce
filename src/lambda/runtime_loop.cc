#include "lambda/runtime_loop.h"

#include <stdlib.h>

#include <future>
#include <memory>
#include <optional>

namespace exidx::lambda {
namespace {

void LogError(const RuntimeLoopOptions& options, const std::string& line) {
  if (options.log) options.log(LogKind::kError, line);
}

void SetTraceId(const std::string& trace_id) {
  // Read by X-Ray aware code through the environment, as the managed runtimes do.
  if (trace_id.empty()) {
    unsetenv("_X_AMZN_TRACE_ID");
  } else {
    setenv("_X_AMZN_TRACE_ID", trace_id.c_str(), 1);
  }
}

// Reports `error` for the invocation; a failure to report is only logged: the
// invocation then times out at Lambda, which retries it.
void Fail(RuntimeClient& client, const Invocation& invocation, const Error& error, const RuntimeLoopOptions& options) {
  LogError(options, "invocation " + invocation.request_id + " failed: " + std::string(ErrorCodeName(error.code)) +
                        ": " + error.message);
  auto reported = client.ReportError(invocation.request_id, error);
  if (!reported)
    LogError(options, "cannot report the error of " + invocation.request_id + ": " + reported.error().message);
}

}  // namespace

Status RunRuntimeLoop(RuntimeClient& client, InvocationHandler& handler, const Clock& clock,
                      const RuntimeLoopOptions& options) {
  // An overrunning handler from the previous invocation, if any.
  std::optional<std::future<Result<std::string>>> straggler;
  for (std::uint64_t served = 0; options.max_invocations == 0 || served < options.max_invocations; ++served) {
    if (straggler) {
      straggler->wait();
      straggler.reset();
    }
    auto invocation = client.Next();
    if (!invocation) return std::unexpected(invocation.error());
    SetTraceId(invocation->trace_id);

    const std::int64_t margin = options.deadline_margin.count();
    const bool has_deadline = invocation->deadline != 0;
    const std::int64_t left = has_deadline ? invocation->deadline - clock.NowMillis() : 0;
    if (has_deadline && left <= margin) {
      Fail(client, *invocation,
           {ErrorCode::kUnavailable, "deadline too near to start: " + std::to_string(left) + " ms left"}, options);
      continue;
    }

    // The handler's budget ends when the loop gives up waiting for it, so that
    // its remote calls are over by the time the error is reported.
    const Deadline deadline =
        has_deadline ? Deadline::After(std::chrono::milliseconds(left - margin)) : Deadline::Never();
    auto payload = std::make_shared<std::string>(std::move(invocation->payload));
    std::future<Result<std::string>> work =
        std::async(std::launch::async, [&handler, payload, deadline] { return handler.Handle(*payload, deadline); });
    if (has_deadline && work.wait_for(std::chrono::milliseconds(left - margin)) != std::future_status::ready) {
      Fail(client, *invocation,
           {ErrorCode::kUnavailable, "the invocation did not finish before its deadline (" + std::to_string(margin) +
                                         " ms margin); retry later"},
           options);
      straggler = std::move(work);
      continue;
    }
    Result<std::string> answer = work.get();
    if (!answer) {
      Fail(client, *invocation, answer.error(), options);
      continue;
    }
    auto posted = client.Respond(invocation->request_id, *answer);
    if (!posted) {
      // E.g. 413 for a response over Lambda's limit: say so, rather than
      // leave the invocation to time out.
      Fail(client, *invocation, {ErrorCode::kInternal, "the response was not accepted: " + posted.error().message},
           options);
    }
  }
  return {};
}

}  // namespace exidx::lambda
