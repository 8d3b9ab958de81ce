#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "aws/sfn_regions.h"
#include "cli/agent_options.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/step_functions_options.h"
#include "cli/store_options.h"
#include "indexer/backfill.h"

namespace exidx::cli {
namespace {

struct BackfillCommandOptions {
  StoreOptions store;
  AgentOptions agents;
  std::string since;
  std::string until;
  std::vector<std::string> state_machines;
  bool no_describe = false;
  bool resume = false;
  int parallel = 4;
  StepFunctionsOptions step_functions;
};

Result<BackfillOptions> ToBackfillOptions(const BackfillCommandOptions& options) {
  BackfillOptions out{.state_machines = options.state_machines,
                      .describe = !options.no_describe,
                      .resume = options.resume,
                      .parallel = options.parallel};
  if (!options.since.empty()) {
    auto since = ParseDateBound(options.since, BoundSide::kFrom);
    if (!since) return Fail(ErrorCode::kInvalidParameter, "--since: " + since.error().message);
    out.since = *since;
  }
  if (!options.until.empty()) {
    auto until = ParseDateBound(options.until, BoundSide::kTo);
    if (!until) return Fail(ErrorCode::kInvalidParameter, "--until: " + until.error().message);
    out.until = *until;
  }
  if (out.since && out.until && *out.since > *out.until) {
    return Fail(ErrorCode::kInvalidParameter, "--since " + options.since + " is after --until " + options.until);
  }
  for (const auto& arn : options.state_machines) {
    if (arn.find(":stateMachine:") == std::string::npos) {
      return Fail(ErrorCode::kInvalidParameter, "--state-machine: " + Quoted(arn) + " is not a state machine ARN");
    }
  }
  return out;
}

// Renders the backfill's counts and the calls it made, every second, until
// stopped; then the final line.
class ProgressReporter {
 public:
  ProgressReporter(const Backfill& backfill, const aws::StepFunctionsRegions& calls)
      : backfill_(backfill),
        calls_(calls),
        progress_(ProgressOptions{.command = "backfill",
                                  .counters = {"stateMachinesDone", "listed", "indexed", "unchanged", "described",
                                               "calls", "throttled"}},
                  std::cerr, Progress::StderrIsTerminal()),
        thread_([this] { Loop(); }) {}

  ~ProgressReporter() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
    Update();
    progress_.Finish();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (!changed_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; })) {
      Update();
      progress_.Tick();
    }
  }

  void Update() {
    const BackfillCounts counts = backfill_.Progress();
    const aws::StepFunctionsCallStats calls = calls_.Stats();
    progress_.SetTotal(counts.state_machines ? std::optional(counts.state_machines) : std::nullopt);
    progress_.Set("stateMachinesDone", counts.state_machines_done);
    progress_.Set("listed", counts.listed);
    progress_.Set("indexed", counts.indexed);
    progress_.Set("unchanged", counts.unchanged);
    progress_.Set("described", counts.described);
    progress_.Set("calls", calls.calls.requests);
    progress_.Set("throttled", calls.calls.throttled);
  }

  const Backfill& backfill_;
  const aws::StepFunctionsRegions& calls_;
  Progress progress_;
  std::mutex mu_;
  std::condition_variable changed_;
  bool stop_ = false;  // Guarded by mu_.
  std::thread thread_;
};

int RunBackfill(const BackfillCommandOptions& options) {
  auto backfill_options = ToBackfillOptions(options);
  if (!backfill_options) return ReportError(backfill_options.error());

  auto regions = MakeStepFunctionsRegions(options.step_functions);
  if (!regions) return ReportError(regions.error());

  SystemClock clock;
  auto store = OpenStore(options.store);
  if (!store) return ReportError(store.error());
  auto agents = BuildAgentSetup(options.agents, clock, *regions, store->get());
  if (!agents) return ReportError(agents.error());

  Backfill backfill(**store, *agents->resolver, **regions, clock, std::move(*backfill_options));
  Result<BackfillCounts> counts = Fail(ErrorCode::kInternal, "not run");
  {
    ProgressReporter reporter(backfill, **regions);
    counts = backfill.Run();
  }
  const aws::StepFunctionsCallStats calls = (*regions)->Stats();
  const BackfillCounts done = counts ? *counts : backfill.Progress();
  std::string line = RenderBackfillCounts(done);
  line.pop_back();
  std::cout << line
            << fmt::format(R"(,"calls":{},"throttled":{},"rateLimitWaits":{}}})", calls.calls.requests,
                           calls.calls.throttled, calls.limiter.waited)
            << '\n';
  if (!counts) {
    if (counts.error().code == ErrorCode::kInvalidParameter) return ReportError(counts.error());
    std::cerr << "exidx: the backfill stopped: " << counts.error().message << '\n'
              << "exidx: what it applied is kept, and so is its checkpoint: run the same command with --resume "
                 "to continue\n";
    return 1;
  }
  if (done.finished_before) std::cerr << "exidx: the backfill to resume had already finished: nothing to do\n";
  return 0;
}

}  // namespace

void AddBackfillCommand(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<BackfillCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "backfill",
      "Fill the index from the Step Functions API: every state machine of the account and region (or those "
      "given) that the agent rule indexes, its executions newest first back to --since. Records merge by the "
      "version rule, so a backfill never overwrites newer live data and running it twice changes nothing. "
      "Progress goes to standard error (a bar on a terminal, JSON lines otherwise), the counts as JSON to "
      "standard output. A run that stops (killed, or throttled past its retries) continues with --resume.");
  command->add_option("--since", options->since,
                      "Only executions that started at or after this (RFC 3339, or YYYY-MM-DD: that day's start); "
                      "default: all that Step Functions keeps (90 days)");
  command->add_option("--until", options->until,
                      "Only executions that started at or before this (RFC 3339, or YYYY-MM-DD: that day's end)");
  command->add_option("--state-machine", options->state_machines,
                      "This state machine only (its ARN; repeatable); default: every one of the region "
                      "(ListStateMachines)");
  command->add_flag("--no-describe", options->no_describe,
                    "Do not call DescribeExecution for FAILED, TIMED_OUT and ABORTED executions: they are "
                    "indexed without error and cause");
  command->add_flag("--resume", options->resume,
                    "Continue the backfill this store recorded (same options): skip the state machines it "
                    "finished, continue the others from their last page");
  command->add_option("--parallel", options->parallel, "State machines backfilled at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  AddStepFunctionsOptions(*command, options->step_functions);
  AddStoreOptions(*command, options->store, /*with_durability=*/true);
  AddAgentOptions(*command, options->agents);
  command->callback([options, &exit_status] { exit_status = RunBackfill(*options); });
}

}  // namespace exidx::cli
