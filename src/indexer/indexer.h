// Indexer: EventBridge events -> agent filter -> records -> the store's
// version-rule merge. The one path every shape (CLI, server, Lambda) ingests by.
#pragma once

#include <cstddef>
#include <span>

#include "core/clock.h"
#include "core/deadline.h"
#include "core/error.h"
#include "core/event.h"
#include "indexer/agent_resolver.h"
#include "store/execution_store.h"

namespace exidx {

// What a batch did (CONTRACT.md section 7).
struct IngestCounts {
  std::size_t received = 0;
  std::size_t indexed = 0;    // Changed a record.
  std::size_t unchanged = 0;  // An equal or newer version was already stored.
  std::size_t skipped = 0;    // Other event kinds, and executions of non-agents.

  IngestCounts& operator+=(const IngestCounts& other);
  bool operator==(const IngestCounts&) const = default;
};

// {"received": 3, "indexed": 2, "unchanged": 1, "skipped": 0}
std::string RenderIngestCounts(const IngestCounts& counts);

// The records a batch of events would write: one candidate per indexed event,
// in order, stamped indexed_at = now; `counts` has received and skipped filled
// in. Resolving agents may fail (kUnavailable, also when `deadline` passes
// first): the batch must then fail whole.
struct PreparedBatch {
  std::vector<ExecutionRecord> candidates;
  std::vector<std::size_t> candidate_events;  // The position of each candidate's event in the batch.
  IngestCounts counts;
};
Result<PreparedBatch> PrepareBatch(std::span<const ParsedEvent> events, AgentResolver& agents, EpochMillis now,
                                   const Deadline& deadline = Deadline::Never());

// Thread-safe when the store and resolver are (they are).
class Indexer {
 public:
  // All three must outlive the indexer.
  Indexer(ExecutionStore& store, AgentResolver& agents, const Clock& clock);

  // Applies a batch: the agent of every event is resolved first, and any
  // failure there (kUnavailable: the sender should retry) applies nothing;
  // then one store Apply. When this returns a value, every change is durable.
  //
  // `deadline` bounds every call this makes (tag lookups, store writes, their
  // retries); when it passes first the batch fails with kUnavailable. A failed
  // batch may have been applied in part (ExecutionStore::Apply says how far
  // each store goes); applying it again is safe, because merging is
  // idempotent. When it fails and `applied` is not null, *applied tells the
  // longest run of leading events known to be applied: `received` is their
  // number and the other counts are theirs (all zero when nothing is known).
  Result<IngestCounts> Ingest(std::span<const ParsedEvent> events, const Deadline& deadline,
                              IngestCounts* applied = nullptr);
  // The same with no deadline.
  Result<IngestCounts> Ingest(std::span<const ParsedEvent> events) { return Ingest(events, Deadline::Never()); }

 private:
  ExecutionStore& store_;
  AgentResolver& agents_;
  const Clock& clock_;
};

}  // namespace exidx
