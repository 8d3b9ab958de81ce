// The benchmark's workload: one deterministic simulated history (duplicates,
// reordering, redrives) streamed in delivery order, parsed ahead of the timed
// parts in chunks, with checkpoints where the history reaches each size.
//
// History grows at a fixed density (`executions_per_day`), so a bigger size is
// a longer history, as in production: at checkpoint k the first sizes[k]
// executions have started and "now" is the start of the sizes[k]-th.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "core/time.h"
#include "simulate/simulator.h"

namespace exidx::bench {

struct WorkloadOptions {
  std::vector<std::int64_t> sizes;  // Ascending checkpoint sizes.
  // The executions simulated (0: sizes.back()). Runs that stop at a smaller
  // size than another engine's see the same history as its prefix only when
  // both simulate the same total.
  std::int64_t total_executions = 0;
  std::int64_t executions_per_day = 5000;
  std::uint64_t seed = 42;
  bool parse = true;  // False: events are generated, not parsed (the history model).
};

// One execution as the history model needs it.
struct PlannedExecution {
  int agent = -1;  // Index into Workload::agent_names(); -1 for non-agents.
  ExecutionStatus status = ExecutionStatus::kRunning;  // Final status.
  EpochMillis start_date = 0;
};

struct Checkpoint {
  std::int64_t executions = 0;        // Started so far (agents and others).
  std::int64_t agent_executions = 0;  // Of which indexed (agents).
  EpochMillis now = 0;                // Start of the last of them.
};

class Workload {
 public:
  explicit Workload(const WorkloadOptions& options);
  ~Workload();

  const SimulationOptions& simulation() const { return simulation_; }
  EpochMillis history_start() const { return simulation_.window_start; }
  // Agent names (as the index stores them), busiest first.
  const std::vector<std::string>& agent_names() const { return agent_names_; }

  // Appends up to `max` parsed events to `events`, stopping early before the
  // first event delivered after the next checkpoint. Returns the checkpoint
  // reached (and passes it), nullopt when `max` events were appended. At the
  // end of the stream, returns the last checkpoint; after it, nothing.
  std::optional<Checkpoint> Fill(std::vector<ParsedEvent>& events, std::size_t max);

  bool done() const { return done_; }
  std::size_t events_generated() const { return generated_; }

  // Every execution started so far, in start order (kept only with !parse).
  const std::vector<PlannedExecution>& executions() const { return planned_; }

 private:
  struct Pending;
  void Observe(const SimulatedExecution& execution);

  WorkloadOptions options_;
  SimulationOptions simulation_;
  std::unique_ptr<EventSimulator> simulator_;
  std::vector<std::string> agent_names_;
  std::vector<std::pair<std::string, int>> agent_of_machine_;  // arn -> agent index or -1
  std::vector<PlannedExecution> planned_;
  std::vector<Checkpoint> checkpoints_;  // Known so far (the observer runs ahead).
  std::size_t next_checkpoint_ = 0;
  std::int64_t observed_ = 0;
  std::int64_t observed_agents_ = 0;
  std::string line_;
  std::optional<EpochMillis> held_delivery_;  // line_ holds an event not yet returned.
  std::size_t generated_ = 0;
  bool done_ = false;
};

}  // namespace exidx::bench
