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

Result<PreparedBatch> PrepareBatch(std::span<const ParsedEvent> events, AgentResolver& agents, EpochMillis now,
                                   const Deadline& deadline) {
  PreparedBatch batch;
  batch.counts.received = events.size();
  batch.candidates.reserve(events.size());
  for (std::size_t position = 0; position < events.size(); ++position) {
    const auto* event = std::get_if<StatusChangeEvent>(&events[position]);
    if (event == nullptr) {
      ++batch.counts.skipped;
      continue;
    }
    auto agent = agents.AgentNameOf(event->state_machine_arn, deadline);
    if (!agent) return std::unexpected(agent.error());
    if (!agent->has_value()) {
      ++batch.counts.skipped;
      continue;
    }
    batch.candidate_events.push_back(position);
    batch.candidates.push_back(RecordOf(*event, std::move(**agent), now));
  }
  return batch;
}

namespace {

// The longest run of leading events whose effect is known: skipped events
// need none; an indexed one is known when `known` holds its candidate's
// outcome.
IngestCounts KnownPrefix(std::span<const ParsedEvent> events, const PreparedBatch& batch, const KnownOutcomes& known) {
  IngestCounts prefix;
  std::size_t candidate = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (candidate < batch.candidate_events.size() && batch.candidate_events[candidate] == i) {
      if (candidate >= known.size() || !known[candidate]) break;
      ++(*known[candidate] == ApplyOutcome::kIndexed ? prefix.indexed : prefix.unchanged);
      ++candidate;
    } else {
      ++prefix.skipped;
    }
    ++prefix.received;
  }
  return prefix;
}

}  // namespace

Result<IngestCounts> Indexer::Ingest(std::span<const ParsedEvent> events, const Deadline& deadline,
                                     IngestCounts* applied) {
  if (applied) *applied = IngestCounts{};
  auto batch = PrepareBatch(events, agents_, clock_.NowMillis(), deadline);
  if (!batch) return std::unexpected(batch.error());
  IngestCounts counts = batch->counts;
  if (batch->candidates.empty()) return counts;
  if (deadline.Expired()) {
    return Fail(ErrorCode::kUnavailable, "the deadline passed before the events could be written");
  }
  KnownOutcomes known;
  auto outcomes = store_.Apply(batch->candidates, deadline, applied ? &known : nullptr);
  if (!outcomes) {
    if (applied) *applied = KnownPrefix(events, *batch, known);
    return std::unexpected(outcomes.error());
  }
  for (ApplyOutcome outcome : *outcomes) {
    ++(outcome == ApplyOutcome::kIndexed ? counts.indexed : counts.unchanged);
  }
  return counts;
}

}  // namespace exidx
