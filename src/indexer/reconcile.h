// Reconcile: repairs what lost events left wrong. EventBridge delivers
// status-change events best-effort, so an execution whose terminal event was
// lost stays RUNNING in the index, and one whose every event was lost is
// missing from it. A reconcile run, meant to be scheduled (every 15 minutes
// in deploy/template.yaml), does two things within a budget of Step
// Functions calls, the first taking at most half of it (so that records of
// executions that keep running, however many, never starve the second):
//   1. stale records: every RUNNING or PENDING_REDRIVE record that started
//      more than `older_than` ago is described again (DescribeExecution) and
//      merged by the version rule. The records are visited oldest first from
//      where the previous run stopped (checkpoint "reconcile/stale"), so a
//      budget smaller than their number still reaches all of them in turn;
//   2. discovery: the executions that started since the previous run's start
//      (less `overlap`, for late listings) are listed like a backfill
//      (checkpoints "reconcile/discovery...") and the ones never seen added.
// Everything merges by the version rule: a reconcile never regresses a
// record, and running it again changes nothing more.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "aws/sfn_regions.h"
#include "core/clock.h"
#include "core/deadline.h"
#include "core/error.h"
#include "indexer/agent_resolver.h"
#include "indexer/backfill.h"
#include "store/execution_store.h"

namespace exidx {

struct ReconcileOptions {
  std::chrono::milliseconds older_than{std::chrono::minutes(15)};
  // Step Functions calls one run makes at most, both passes together.
  std::uint64_t max_calls = 1000;
  std::chrono::milliseconds overlap{std::chrono::minutes(15)};
  // How far back the first run (no previous one recorded) discovers.
  std::chrono::milliseconds first_window{std::chrono::hours(24)};
  // Discovery in these state machines only; empty: every one of the region.
  std::vector<std::string> state_machines;
  int parallel = 4;
  // The run stops, for the next one to go on, when this comes near
  // (BackfillOptions::deadline).
  Deadline deadline = Deadline::Never();
};

struct ReconcileCounts {
  std::uint64_t stale = 0;          // Stale records described.
  std::uint64_t repaired = 0;       // Of them, changed: finished, or redriven.
  std::uint64_t still_running = 0;  // Of them, running still.
  std::uint64_t gone = 0;           // Of them, no longer kept by Step Functions (past its 90 days).
  BackfillCounts discovery;         // discovery.indexed: executions added or brought up to date.
  std::uint64_t calls = 0;          // Step Functions calls made.
  bool stopped = false;             // The budget or the deadline ran out: the next run goes on.
};

// {"stale":…,"repaired":…,…,"discovered":…,"calls":…,"stopped":…}
std::string RenderReconcileCounts(const ReconcileCounts& counts);

class Reconcile {
 public:
  // All must outlive the reconcile.
  Reconcile(ExecutionStore& store, AgentResolver& agents, aws::StepFunctionsRegions& step_functions, const Clock& clock,
            ReconcileOptions options);

  // One run. Errors: the first failed call (Step Functions after its
  // retries, the store, a tag lookup); what was repaired before it stays,
  // and so do the checkpoints.
  Result<ReconcileCounts> Run();

 private:
  Status RepairStale(ReconcileCounts& counts);
  Status Discover(ReconcileCounts& counts);
  // Whether the run may make one more call within `budget` calls in all.
  bool MayCall(std::uint64_t budget) const;

  ExecutionStore& store_;
  AgentResolver& agents_;
  aws::StepFunctionsRegions& step_functions_;
  const Clock& clock_;
  const ReconcileOptions options_;
  EpochMillis now_ = 0;
  std::uint64_t calls_before_ = 0;
};

}  // namespace exidx
