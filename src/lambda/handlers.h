// The Lambda handlers of Execution Index (CONTRACT.md sections 2, 5, 6):
// `index` takes one EventBridge event, `list` answers listExecutionsFromIndex
// for AppSync/Amplify, `reconcile` repairs lost events on a schedule. Each is
// built once per container and then serves every invocation, so caches (the
// agent tag cache) and connections live across them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/deadline.h"
#include "core/error.h"
#include "core/page_token.h"
#include "core/query.h"
#include "indexer/indexer.h"
#include "indexer/reconcile.h"
#include "lambda/log_sink.h"
#include "store/execution_store.h"

namespace exidx::lambda {

class InvocationHandler {
 public:
  virtual ~InvocationHandler() = default;

  // The response (a JSON text) for one invocation payload, or the error that
  // Lambda should report with errorType = ErrorCodeName(code). Thread-safe: the
  // runtime loop calls it from a worker thread, one invocation at a time.
  // `deadline`: when the runtime loop gives up on the invocation (Lambda's
  // deadline less the margin); a handler's remote calls end by it.
  virtual Result<std::string> Handle(std::string_view payload, const Deadline& deadline) = 0;
};

// EventBridge -> ParseEvent -> Indexer. Answers {"received":1,"indexed":..,
// "unchanged":..,"skipped":..}. Errors: kInvalidEvent for a malformed event
// and kUnavailable when a tag lookup or the store failed or the deadline
// passed (the tag lookup and the PutItem, retries included, are bounded by
// it, so the handler is done when the loop reports the error); both are reported as
// Lambda errors, so the event is retried and, when retries are exhausted,
// kept in the dead-letter queue instead of being dropped.
//
// After an invocation that looked tags up (in the shared cache or at Step
// Functions), it logs the tag metrics of that invocation as one line in
// CloudWatch's embedded metric format (TagMetricsLine), so that a fleet's
// lookups, throttled lookups and shared-cache hits are metrics at no call.
class IndexHandler final : public InvocationHandler {
 public:
  // `indexer` must outlive the handler; so must `agents` and `clock` when
  // given (no metrics without them).
  explicit IndexHandler(Indexer& indexer, const AgentResolver* agents = nullptr, const Clock* clock = nullptr,
                        LogSink log = {})
      : indexer_(indexer), agents_(agents), clock_(clock), log_(std::move(log)) {}
  Result<std::string> Handle(std::string_view payload, const Deadline& deadline) override;

 private:
  void LogTagMetrics();

  Indexer& indexer_;
  const AgentResolver* const agents_;
  const Clock* const clock_;
  const LogSink log_;
  AgentCacheStats logged_;  // The totals at the last line; Handle runs one invocation at a time.
};

// The tag metrics of what happened between `before` and `after`:
// TagLookups (made at Step Functions), TagLookupsFailed, TagLookupsThrottled,
// TagSharedCacheHits and TagSharedCacheWaits, in namespace ExecutionIndex.
std::string TagMetricsLine(const AgentCacheStats& before, const AgentCacheStats& after, EpochMillis now);

// The query arguments of a list invocation, whatever its shape:
// - AppSync direct Lambda resolver / Amplify Gen2 custom query:
//   {"typeName":"Query","fieldName":"listExecutionsFromIndex","arguments":{...},
//    "identity":...,"source":...,"request":...,"info":{"fieldName":...}}
//   (fieldName from the top level, else from info.fieldName; when given it
//   must be listExecutionsFromIndex);
// - a bare arguments object {"agentName":"...","maxResults":20,...}.
// Argument values may be strings or numbers (numbers are rendered as text
// for validation, so 20 and "20" mean the same); null means absent. Unknown
// argument names and other value types are kInvalidParameter, naming them.
Result<QueryArguments> ListArgumentsFromPayload(std::string_view payload);

// listExecutionsFromIndex: answers the section 5 response object; invalid
// arguments give kInvalidParameter / kInvalidToken.
class ListHandler final : public InvocationHandler {
 public:
  // `store` must outlive the handler; `tokens` authenticates page tokens with
  // the store's secret.
  ListHandler(ExecutionStore& store, PageTokenCodec tokens) : store_(store), tokens_(std::move(tokens)) {}
  Result<std::string> Handle(std::string_view payload, const Deadline& deadline) override;

 private:
  ExecutionStore& store_;
  const PageTokenCodec tokens_;
};

// One Reconcile run per invocation (a schedule's event; the payload is not
// read), stopped for the next one when the invocation's deadline comes near.
// Answers the counts (RenderReconcileCounts) and logs them as one line in
// CloudWatch's embedded metric format, so that ReconcileRepaired,
// ReconcileDiscovered, ReconcileGone and ReconcileCalls are metrics with no
// call to CloudWatch. Errors as Reconcile::Run's: the schedule tries again.
class ReconcileHandler final : public InvocationHandler {
 public:
  // All must outlive the handler. `options.deadline` is replaced by each
  // invocation's.
  ReconcileHandler(ExecutionStore& store, AgentResolver& agents, aws::StepFunctionsRegions& step_functions,
                   const Clock& clock, ReconcileOptions options, LogSink log)
      : store_(store),
        agents_(agents),
        step_functions_(step_functions),
        clock_(clock),
        options_(std::move(options)),
        log_(std::move(log)) {}
  Result<std::string> Handle(std::string_view payload, const Deadline& deadline) override;

 private:
  ExecutionStore& store_;
  AgentResolver& agents_;
  aws::StepFunctionsRegions& step_functions_;
  const Clock& clock_;
  const ReconcileOptions options_;
  const LogSink log_;
};

// The embedded-metric-format line ReconcileHandler logs for `counts` at `now`.
std::string ReconcileMetricsLine(const ReconcileCounts& counts, EpochMillis now);

}  // namespace exidx::lambda
