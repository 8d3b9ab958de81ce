// Indexer: EventBridge events -> agent filter -> records -> the store's
// version-rule merge. The one path every shape (CLI, server, Lambda) ingests by.
#pragma once

#include <cstddef>
#include <span>

#include "core/clock.h"
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
// in. Resolving agents may fail (kUnavailable): the batch must then fail whole.
struct PreparedBatch {
  std::vector<ExecutionRecord> candidates;
  IngestCounts counts;
};
Result<PreparedBatch> PrepareBatch(std::span<const ParsedEvent> events, AgentResolver& agents, EpochMillis now);

// Thread-safe when the store and resolver are (they are).
class Indexer {
 public:
  // All three must outlive the indexer.
  Indexer(ExecutionStore& store, AgentResolver& agents, const Clock& clock);

  // Applies a batch all or nothing as far as the caller can tell: the agent of
  // every event is resolved first, and any failure (kUnavailable: the sender
  // should retry) applies nothing; then one store Apply. When this returns a
  // value, every change is durable.
  Result<IngestCounts> Ingest(std::span<const ParsedEvent> events);

 private:
  ExecutionStore& store_;
  AgentResolver& agents_;
  const Clock& clock_;
};

}  // namespace exidx
