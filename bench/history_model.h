// A model of today's History query, which the index replaces: Step Functions
// ListExecutions per agent state machine (newest first, 100 per page,
// optional statusFilter, no date filter), merged across agents. Counts the
// API calls needed for a first page of results from the simulated history.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bench/workload.h"

namespace exidx::bench {

inline constexpr int kListExecutionsPageSize = 100;

struct HistoryQuery {
  std::optional<int> agent;  // Index into agent_names; nullopt: every agent.
  std::optional<ExecutionStatus> status;
  EpochMillis from = 0;
  EpochMillis to = 0;
  int page_size = 50;
};

struct HistoryCost {
  std::int64_t calls = 0;          // ListExecutions calls in all.
  std::int64_t deepest_agent = 0;  // Calls to the busiest state machine (a lower bound
                                   // on sequential round trips when agents run in parallel).
  std::int64_t items = 0;  // Items in the page produced.
};

// Per agent, the executions started up to `now`, newest first.
class HistoryModel {
 public:
  HistoryModel(const std::vector<PlannedExecution>& executions, std::size_t agents, EpochMillis now);

  // The calls of a lazy k-way merge: each state machine is paged only as far
  // as the merge consumes it, but through every execution newer than `to`
  // first (no date filter), and until an item older than `from` or its last
  // page shows it has nothing more in range.
  HistoryCost Cost(const HistoryQuery& query) const;

 private:
  std::vector<std::vector<PlannedExecution>> by_agent_;  // Newest first.
};

}  // namespace exidx::bench
