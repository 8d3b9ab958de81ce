// The custom runtime's main loop: next invocation -> handler -> response or
// error, until the Runtime API goes away, with each invocation bounded by its
// deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/error.h"
#include "lambda/handlers.h"
#include "lambda/runtime_client.h"

namespace exidx::lambda {

struct RuntimeLoopOptions {
  // The error must reach Lambda before Lambda times the invocation out (a
  // timeout is reported as Sandbox.Timedout and restarts the container). So
  // an invocation that arrives with less than this left, or whose handler is
  // still busy this long before the deadline, fails with kUnavailable, which
  // tells the caller to retry.
  std::chrono::milliseconds deadline_margin{500};
  // Stop after this many invocations; 0: serve until the Runtime API fails.
  std::uint64_t max_invocations = 0;
  // One line per failed invocation and per loop event; may be empty.
  LogSink log;
};

// Serves invocations one at a time. The handler runs on a worker thread so
// that the loop can answer at the deadline, and is given that instant as its
// Deadline (Lambda's deadline less the margin); a handler that overruns is left
// to finish (its effects are idempotent: the version rule) before the next
// invocation is fetched, so at most one runs at a time. Sets _X_AMZN_TRACE_ID
// for each invocation. Returns when max_invocations were served, or the error
// of Next (the caller should then exit non-zero: Lambda starts a new runtime).
// REQUIRES: `client`, `handler` and `clock` outlive the call.
Status RunRuntimeLoop(RuntimeClient& client, InvocationHandler& handler, const Clock& clock,
                      const RuntimeLoopOptions& options);

}  // namespace exidx::lambda
