#include <iostream>
#include <memory>

#include "cli/agent_options.h"
#include "cli/commands.h"
#include "cli/step_functions_options.h"
#include "cli/store_options.h"
#include "core/time.h"
#include "indexer/reconcile.h"

namespace exidx::cli {
namespace {

struct ReconcileCommandOptions {
  StoreOptions store;
  AgentOptions agents;
  StepFunctionsOptions step_functions;
  std::string older_than = "15m";
  std::string overlap = "15m";
  std::string first_window = "24h";
  std::uint64_t max_calls = 1000;
  std::vector<std::string> state_machines;
  int parallel = 4;
};

Result<std::chrono::milliseconds> ParseDuration(std::string_view option, std::string_view text) {
  auto millis = ParseDurationMillis(text);
  if (!millis) return Fail(ErrorCode::kInvalidParameter, std::string(option) + ": " + millis.error().message);
  return std::chrono::milliseconds(*millis);
}

int RunReconcile(const ReconcileCommandOptions& options) {
  auto older_than = ParseDuration("--older-than", options.older_than);
  if (!older_than) return ReportError(older_than.error());
  auto overlap = ParseDuration("--overlap", options.overlap);
  if (!overlap) return ReportError(overlap.error());
  auto first_window = ParseDuration("--first-window", options.first_window);
  if (!first_window) return ReportError(first_window.error());
  for (const auto& arn : options.state_machines) {
    if (arn.find(":stateMachine:") == std::string::npos) {
      return ReportError(
          {ErrorCode::kInvalidParameter, "--state-machine: " + Quoted(arn) + " is not a state machine ARN"});
    }
  }
  auto regions = MakeStepFunctionsRegions(options.step_functions);
  if (!regions) return ReportError(regions.error());
  SystemClock clock;
  auto store = OpenStore(options.store);
  if (!store) return ReportError(store.error());
  auto agents = BuildAgentSetup(options.agents, clock, *regions, store->get());
  if (!agents) return ReportError(agents.error());

  Reconcile reconcile(**store, *agents->resolver, **regions, clock,
                      ReconcileOptions{.older_than = *older_than,
                                       .max_calls = options.max_calls,
                                       .overlap = *overlap,
                                       .first_window = *first_window,
                                       .state_machines = options.state_machines,
                                       .parallel = options.parallel});
  auto counts = reconcile.Run();
  if (!counts) {
    std::cerr << "exidx: the reconcile stopped: " << counts.error().message << '\n'
              << "exidx: what it repaired is kept; the next run goes on from its checkpoints\n";
    return counts.error().code == ErrorCode::kInvalidParameter ? 2 : 1;
  }
  std::cout << RenderReconcileCounts(*counts) << '\n';
  if (counts->stopped) {
    std::cerr << "exidx: the call budget (--max-calls " << options.max_calls
              << ") ran out; the next run goes on where this one stopped\n";
  }
  return 0;
}

}  // namespace

void AddReconcileCommand(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<ReconcileCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "reconcile",
      "Repair what lost events left wrong, within a budget of Step Functions calls: RUNNING and PENDING_REDRIVE "
      "records older than --older-than are described again and merged by the version rule (oldest first, "
      "from where the previous run stopped), and the executions that started since the previous run (less "
      "--overlap) are listed, the ones never seen added. Meant to run on a schedule; prints the counts as JSON.");
  command->add_option("--older-than", options->older_than, "Records running for longer than this are described")
      ->capture_default_str()
      ->envname("EXIDX_RECONCILE_OLDER_THAN");
  command->add_option("--max-calls", options->max_calls, "Step Functions calls one run makes at most")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000}))
      ->envname("EXIDX_RECONCILE_MAX_CALLS");
  command->add_option("--overlap", options->overlap, "Discovery lists this far before the previous run's start")
      ->capture_default_str()
      ->envname("EXIDX_RECONCILE_OVERLAP");
  command->add_option("--first-window", options->first_window, "How far back the first run discovers")
      ->capture_default_str()
      ->envname("EXIDX_RECONCILE_FIRST_WINDOW");
  command->add_option("--state-machine", options->state_machines,
                      "Discover in this state machine only (its ARN; repeatable); default: every one of the region");
  command->add_option("--parallel", options->parallel, "State machines listed at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  AddStepFunctionsOptions(*command, options->step_functions);
  AddStoreOptions(*command, options->store, /*with_durability=*/true);
  AddAgentOptions(*command, options->agents);
  command->callback([options, &exit_status] { exit_status = RunReconcile(*options); });
}

}  // namespace exidx::cli
