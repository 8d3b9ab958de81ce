// The simulator behind `exidx simulate`: a realistic, deterministic stream of
// EventBridge "Step Functions Execution Status Change" events (CONTRACT.md
// section 2), shaped like the samples in /work/shared/samples, for demos,
// tests and benchmarks.
//
// What happens (the plan): executions of about 20 agent state machines (tags
// Type=Agent, Application=StepFunctionsAgent, AgentName=...; a few machine
// names differ from their AgentName, e.g. "sql-agent-prod" for "sql-agent")
// and of a few non-agent machines ("nightly-etl", ...), with skewed popularity
// (Zipf over agents; non-agents get 10% of the executions). Outcomes: about
// 85% SUCCEEDED, 8% FAILED (0.5 points of which are redriven later: a RUNNING
// event with redriveCount 1, then a terminal one, mostly SUCCEEDED), 2%
// TIMED_OUT, 2% ABORTED, 3% still RUNNING. Durations are mostly 5-45 s with a
// tail to about an hour.
//
// How it arrives (delivery): each event is delivered 0.1-1 s after it
// occurred; about `reorder_rate` of all events arrive after a later event of
// the same execution (e.g. SUCCEEDED before its RUNNING), and about
// `duplicate_rate` are delivered twice (same id, same bytes, up to 10 s
// apart). Events come out in delivery order, like a live feed; each
// envelope's `time` is when the event occurred.
//
// Determinism: the same options give byte-identical output on every platform
// (integer arithmetic and a splitmix64 generator; no <random> distributions,
// no libm). Memory stays bounded by the executions in flight, not their total.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/status.h"
#include "core/time.h"

namespace exidx {

// `SimulationOptions::executions` for a live stream without end.
inline constexpr std::int64_t kUnboundedExecutions = std::numeric_limits<std::int64_t>::max();

struct SimulationOptions {
  std::uint64_t seed = 1;

  // Window mode (executions_per_second == 0): `executions` executions start in
  // [window_start, window_end), more by day than by night and on weekdays.
  // window_end is "now": events that would occur at or after it are left out,
  // so executions still going on then end the stream RUNNING.
  // Live mode (executions_per_second > 0): executions start at that steady rate
  // from window_start on (set it to the wall clock for a live demo), at most
  // `executions` of them (kUnboundedExecutions: forever); window_end is ignored
  // and every execution runs to its outcome. Pace the stream with the delivery
  // time that EventSimulator::Next reports.
  std::int64_t executions = 1000;
  EpochMillis window_start = 0;
  EpochMillis window_end = 0;
  double executions_per_second = 0;

  int agents = 20;             // 1..1000 agent state machines.
  int non_agent_machines = 3;  // 0..100; the 4th is "agent-playground", tagged
                               // Type=Agent without Application (not an agent
                               // under the default rule of CONTRACT.md 3).
  std::string region = "us-west-2";
  std::string account = "123456789012";
  double duplicate_rate = 0.01;  // 0..1: fraction of events delivered twice.
  double reorder_rate = 0.05;    // 0..0.5: fraction of events delivered after
                                 // a later event of the same execution.
};

// The defaults with the window set to the 30 days before `now`.
SimulationOptions DefaultSimulationOptions(EpochMillis now);

// OK, or kInvalidParameter naming the first bad option.
Status ValidateSimulationOptions(const SimulationOptions& options);

struct SimulatedStateMachine {
  std::string name;  // The ARN part after "stateMachine:".
  std::string arn;
  std::vector<std::pair<std::string, std::string>> tags;  // Empty: no tags.
  bool is_agent = false;  // Tagged Type=Agent and Application=StepFunctionsAgent.
};

// The state machines of a simulation: the agents first, busiest first, then
// the non-agent machines. REQUIRES: ValidateSimulationOptions(options) is OK.
std::vector<SimulatedStateMachine> SimulatedStateMachines(const SimulationOptions& options);

// The `--tags-file` (CONTRACT.md section 3) for a simulation:
// {"<stateMachineArn>": {"<key>": "<value>", ...}, ...}, with an entry for every
// state machine that has tags (some non-agent machines have none, as in AWS).
// REQUIRES: ValidateSimulationOptions(options) is OK.
std::string TagsFileJson(const SimulationOptions& options);

// One execution as planned: what the record says once all its events arrived
// (under the merge rule of CONTRACT.md section 4).
struct SimulatedExecution {
  std::string_view execution_arn;      // Valid during the callback only.
  std::string_view state_machine_arn;  // Valid as long as the simulator.
  ExecutionStatus status = ExecutionStatus::kRunning;
  EpochMillis start_date = 0;
  std::optional<EpochMillis> stop_date;
  std::int64_t redrive_count = 0;
  int events = 0;  // Distinct events (duplicates not counted).
};

// Produces the stream one event at a time. Not thread-safe; one simulator per
// thread. Cheap to keep around: it holds only the events not yet delivered.
//
// A live demo feed, e.g.:
//   SimulationOptions options;
//   options.executions_per_second = 2;
//   options.executions = kUnboundedExecutions;
//   options.window_start = clock.NowMillis();
//   EventSimulator simulator(options);
//   std::string line;
//   EpochMillis due = 0;
//   while (simulator.Next(line, &due)) {
//     SleepUntil(due);  // The caller's pacing.
//     Post(line);
//     line.clear();
//   }
class EventSimulator {
 public:
  // REQUIRES: ValidateSimulationOptions(options) is OK (aborts otherwise).
  explicit EventSimulator(const SimulationOptions& options);
  ~EventSimulator();
  EventSimulator(EventSimulator&&) noexcept;
  EventSimulator& operator=(EventSimulator&&) noexcept;

  // Appends the next event's JSON (one line, no newline) to `line` and, when
  // `delivery_time` is not null, stores when EventBridge delivers it (never
  // earlier than the previous event's). False when the stream is exhausted.
  bool Next(std::string& line, EpochMillis* delivery_time = nullptr);

  // Called once per execution, in start order, before any of its events is
  // returned by Next: the ground truth for tests and benchmarks.
  void SetExecutionObserver(std::function<void(const SimulatedExecution&)> observer);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes the whole stream, one event per line, as fast as it can (live mode
// is not paced here). Fails with kInvalidParameter for bad options or an
// unbounded stream, kInternal when writing to `events` fails.
Status WriteSimulation(const SimulationOptions& options, std::ostream& events);

}  // namespace exidx
