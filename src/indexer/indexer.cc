#include "indexer/indexer.h"

#include <fmt/format.h>

#include <variant>
#include <vector>

namespace exidx {

IngestCounts& IngestCounts::operator+=(const IngestCounts& other) {
  received += other.received;
  indexed += other.indexed;
  unchanged += other.unchanged;
  skipped += other.skipped;
  return *this;
}

std::string RenderIngestCounts(const IngestCounts& c) {
  return fmt::format(R"({{"received":{},"indexed":{},"unchanged":{},"skipped":{}}})", c.received, c.indexed,
                     c.unchanged, c.skipped);
}

Indexer::Indexer(ExecutionStore& store, AgentResolver& agents, const Clock& clock)
    : store_(store), agents_(agents), clock_(clock) {}

Result<PreparedBatch> PrepareBatch(std::span<const ParsedEvent> events, AgentResolver& agents, EpochMillis now) {
  PreparedBatch batch;
  batch.counts.received = events.size();
  batch.candidates.reserve(events.size());
  for (const ParsedEvent& parsed : events) {
    const auto* event = std::get_if<StatusChangeEvent>(&parsed);
    if (event == nullptr) {
      ++batch.counts.skipped;
      continue;
    }
    auto agent = agents.AgentNameOf(event->state_machine_arn);
    if (!agent) return std::unexpected(agent.error());
    if (!agent->has_value()) {
      ++batch.counts.skipped;
      continue;
    }
    batch.candidates.push_back(ExecutionRecord{
        .execution_arn = event->execution_arn,
        .agent_name = std::move(**agent),
        .state_machine_arn = event->state_machine_arn,
        .execution_name = event->execution_name,
        .status = event->status,
        .start_date = event->start_date,
        .stop_date = event->stop_date,
        .redrive_count = event->redrive_count,
        .error = event->error,
        .cause = event->cause,
        .indexed_at = now,
    });
  }
  return batch;
}

Result<IngestCounts> Indexer::Ingest(std::span<const ParsedEvent> events) {
  auto batch = PrepareBatch(events, agents_, clock_.NowMillis());
  if (!batch) return std::unexpected(batch.error());
  IngestCounts counts = batch->counts;
  if (batch->candidates.empty()) return counts;
  auto outcomes = store_.Apply(batch->candidates);
  if (!outcomes) return std::unexpected(outcomes.error());
  for (ApplyOutcome outcome : *outcomes) {
    ++(outcome == ApplyOutcome::kIndexed ? counts.indexed : counts.unchanged);
  }
  return counts;
}

}  // namespace exidx
