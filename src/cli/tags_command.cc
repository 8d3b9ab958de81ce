// `exidx tags refresh`: reads the tags of state machines from Step Functions
// now and writes each decision to the tag cache the processes over the store
// share, so that a tag changed a moment ago is seen everywhere within a
// minute (AgentResolverOptions::shared_recheck_millis) instead of its TTL.
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/agent_options.h"
#include "cli/commands.h"
#include "cli/step_functions_options.h"
#include "cli/store_options.h"
#include "core/clock.h"

namespace exidx::cli {
namespace {

struct TagsRefreshOptions {
  StoreOptions store;
  AgentOptions agents;
  StepFunctionsOptions step_functions;
  std::vector<std::string> state_machines;
};

int RunTagsRefresh(const TagsRefreshOptions& options) {
  if (!options.agents.tags_file.empty() || options.agents.index_all) {
    return ReportError(
        {ErrorCode::kInvalidParameter,
         "tags refresh reads the tags from Step Functions: it takes neither --tags-file nor --index-all"});
  }
  auto regions = MakeStepFunctionsRegions(options.step_functions);
  if (!regions) return ReportError(regions.error());
  SystemClock clock;
  auto store = OpenStore(options.store);
  if (!store) return ReportError(store.error());
  auto agents = BuildAgentSetup(options.agents, clock, *regions, store->get());
  if (!agents) return ReportError(agents.error());

  std::vector<std::string> machines = options.state_machines;
  if (machines.empty()) {
    auto listed = aws::ListAllStateMachines((*regions)->Home());
    if (!listed) return ReportError(listed.error());
    for (const auto& machine : *listed) machines.push_back(machine.state_machine_arn);
  }
  std::uint64_t agent_count = 0;
  for (const std::string& arn : machines) {
    auto decision = agents->resolver->Refresh(arn, Deadline::After(std::chrono::seconds(60)));
    if (!decision) return ReportError(decision.error());
    if (*decision) ++agent_count;
    std::cerr << fmt::format("exidx: {}: {}\n", arn, *decision ? "agent " + Quoted(**decision) : "not an agent");
  }
  std::cout << fmt::format(R"({{"stateMachines":{},"agents":{},"notAgents":{}}})", machines.size(), agent_count,
                           machines.size() - agent_count)
            << '\n';
  return 0;
}

}  // namespace

void AddTagsCommand(CLI::App& app, int& exit_status) {
  CLI::App* tags = app.add_subcommand("tags", "The tag cache the processes over one store share");
  tags->require_subcommand(1);
  auto options = std::make_shared<TagsRefreshOptions>();
  CLI::App* refresh = tags->add_subcommand(
      "refresh",
      "Read the tags of state machines from Step Functions now (every state machine of the region, or those "
      "given) and write each decision (agent or not, and the agent's name) to the shared tag cache in the "
      "store: every process over the store (servers, Lambda containers) sees it within a minute, instead of "
      "when the cached decision expires (15 minutes for agents, 5 for the others). Prints the counts as JSON; "
      "each decision on standard error. The embedded store can be refreshed only while no server holds it.");
  refresh
      ->add_option("--state-machine", options->state_machines, "Refresh only this state machine (its ARN; repeatable)")
      ->type_name("ARN")
      ->envname("EXIDX_TAGS_STATE_MACHINE");
  AddStoreOptions(*refresh, options->store, /*with_durability=*/false);
  AddAgentOptions(*refresh, options->agents);
  AddStepFunctionsOptions(*refresh, options->step_functions);
  refresh->callback([options, &exit_status] { exit_status = RunTagsRefresh(*options); });
}

}  // namespace exidx::cli
