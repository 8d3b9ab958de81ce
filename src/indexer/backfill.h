// Backfill: fills the index from Step Functions' API (ListStateMachines,
// ListExecutions, DescribeExecution) for the executions no event brought:
// those that ran before the index existed, or whose events were lost. Each
// execution becomes the status change it stands for (listed_execution.h) and
// goes through the Indexer like an event: the same agent rule and tag cache,
// the same version-rule merge, so a backfill never overwrites newer live data
// and running it twice changes nothing.
//
// Resumable: after each page of a state machine's executions is durably
// applied, the store's checkpoint "backfill/<stateMachineArn>" records how
// far the listing got (its nextToken, or done); the run's own checkpoint
// "backfill" records its options. A run stopped anywhere (kill -9 included)
// and started again with `resume` skips the state machines it finished and
// continues the others from their last page: no record is lost or regressed,
// since a page applied twice merges to the same records.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aws/sfn_regions.h"
#include "core/clock.h"
#include "core/deadline.h"
#include "core/error.h"
#include "indexer/agent_resolver.h"
#include "store/execution_store.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace exidx {

inline constexpr std::chrono::seconds kCallMargin{30};

struct BackfillOptions {
  // Executions that started before `since` are not listed: the listing of a
  // state machine, newest first, stops at the first of them.
  std::optional<EpochMillis> since;
  // Executions that started after `until` are listed but not indexed.
  std::optional<EpochMillis> until;
  // These state machines only (their ARNs); empty: every state machine of
  // the home region (ListStateMachines).
  std::vector<std::string> state_machines;
  // DescribeExecution the FAILED, TIMED_OUT and ABORTED executions whose
  // error and cause the index does not hold yet; false: index them without.
  bool describe = true;
  // Continue the run the store's checkpoint describes, which must have been
  // started with the same since, until, state_machines and describe (else
  // kInvalidParameter). Without one to continue, a fresh run starts.
  bool resume = false;
  // With `resume`: a recorded run of other options is not an error, a fresh
  // run replaces it (for jobs that resume what they left unfinished).
  bool restart_other_runs = false;
  int parallel = 4;      // State machines backfilled at once (at least 1).
  int page_size = 1000;  // ListExecutions maxResults (1..1000).
  // The checkpoints' names: "<checkpoint>" for the run, and
  // "<checkpoint>/<stateMachineArn>": jobs that backfill on their own
  // (reconcile) keep apart from `exidx backfill`.
  std::string checkpoint = "backfill";
  // When set, the run stops, as finished for now (BackfillCounts::stopped),
  // before a Step Functions call that would make the clients' call count
  // pass it, or once `deadline` is less than kCallMargin away (the most one
  // call and its retries take with the clients' options a caller with a
  // deadline uses: see the Lambda reconcile handler); the checkpoints then
  // continue it.
  std::optional<std::uint64_t> max_calls;
  Deadline deadline = Deadline::Never();
};

// What a run did; while it runs, what it has done so far.
struct BackfillCounts {
  std::uint64_t state_machines = 0;          // To backfill: listed or given.
  std::uint64_t state_machines_done = 0;     // Finished, by this run or (resumed) an earlier one.
  std::uint64_t state_machines_resumed = 0;  // Of them, finished before this run began.
  std::uint64_t not_agents = 0;              // State machines the agent rule leaves out, and Express ones.
  std::uint64_t listed = 0;                  // Executions listed.
  std::uint64_t after_until = 0;             // Listed but started after `until`.
  std::uint64_t described = 0;               // DescribeExecution calls.
  std::uint64_t indexed = 0;                 // Records the backfill changed.
  std::uint64_t unchanged = 0;               // Records already as new or newer.
  std::uint64_t restarted_listings = 0;      // Resumed listings whose token had expired, listed again.
  bool finished_before = false;              // Resume of a run that had already finished: nothing done.
  bool stopped = false;                      // Stopped by max_calls or the deadline: resume to go on.
};

// {"stateMachines":…,"stateMachinesDone":…,…}: one line of JSON.
std::string RenderBackfillCounts(const BackfillCounts& counts);

class Backfill {
 public:
  // All must outlive the backfill. `agents` decides which state machines are
  // agents (its tag source may share `step_functions`' clients and limits).
  Backfill(ExecutionStore& store, AgentResolver& agents, aws::StepFunctionsRegions& step_functions, const Clock& clock,
           BackfillOptions options);
  ~Backfill();
  Backfill(const Backfill&) = delete;
  Backfill& operator=(const Backfill&) = delete;

  // Runs to the end. An error stops it: kInvalidParameter for options that
  // do not match the run to resume; otherwise the first failure of a call
  // (Step Functions after its retries, the store, a tag lookup), with every
  // checkpoint written so far kept for `resume`.
  Result<BackfillCounts> Run();

  // The counts so far; thread-safe, for progress while Run runs.
  BackfillCounts Progress() const;

 private:
  struct StateMachine {
    std::string arn;
    bool express = false;
  };
  struct Counters;

  Status StartRun();
  Status StartFreshRun(const boost::json::object& options);
  Result<std::vector<StateMachine>> StateMachinesToBackfill();
  Status BackfillStateMachine(const StateMachine& machine);
  // Applies one page of listed executions; true when the listing reached `since`.
  Result<bool> ApplyPage(const std::vector<aws::ExecutionSummary>& page, aws::StepFunctionsClient& client);
  Status WriteProgress(const std::string& arn, bool done, const std::optional<std::string>& next_token);
  std::string StateMachineCheckpoint(std::string_view arn) const;
  // False once max_calls or the deadline leaves no room for another call;
  // the run then stops as soon as each worker notices.
  bool MayCall();

  ExecutionStore& store_;
  AgentResolver& agents_;
  aws::StepFunctionsRegions& step_functions_;
  const Clock& clock_;
  const BackfillOptions options_;
  std::string run_id_;
  std::uint64_t calls_before_ = 0;  // The clients' call count when the run began.
  std::unique_ptr<Counters> counters_;
};

}  // namespace exidx
