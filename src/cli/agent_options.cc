#include "cli/agent_options.h"

#include "aws/environment.h"
#include "indexer/step_functions_tag_source.h"

namespace exidx::cli {

void AddAgentOptions(CLI::App& command, AgentOptions& options) {
  command
      .add_option("--tags-file", options.tags_file,
                  "JSON object {\"<stateMachineArn>\": {\"<key>\": \"<value>\"}} with the state machines' "
                  "tags, for machines without AWS access; a state machine missing from it has no tags")
      ->envname("EXIDX_TAGS_FILE");
  command
      .add_flag("--index-all", options.index_all,
                "Index every execution, agent or not (agentName: the AgentName tag if known, else the "
                "state machine's name)")
      ->envname("EXIDX_INDEX_ALL");
  command.add_option("--agent-tags", options.agent_tags, "Tags a state machine needs, all of them, to be an agent")
      ->capture_default_str()
      ->envname("EXIDX_AGENT_TAGS");
}

Result<AgentSetup> BuildAgentSetup(const AgentOptions& options, const Clock& clock,
                                   std::shared_ptr<aws::StepFunctionsRegions> step_functions, ExecutionStore* store) {
  AgentRule rule;
  rule.index_all = options.index_all;
  auto required = ParseAgentTags(options.agent_tags);
  if (!required) return std::unexpected(required.error());
  rule.required_tags = std::move(*required);

  AgentSetup setup;
  if (!options.tags_file.empty()) {
    auto file = FileTagSource::Load(options.tags_file);
    if (!file) return std::unexpected(file.error());
    setup.tags = std::move(*file);
  } else if (!options.index_all) {
    // Step Functions' ListTagsForResource, with the region, endpoint and
    // credentials of the environment (CONTRACT.md section 10).
    if (!step_functions) {
      auto regions = aws::StepFunctionsRegions::Create(aws::AwsContext::Default(aws::Environment::Process()),
                                                       aws::StepFunctionsRegionsOptions{.limit_to_quotas = true});
      if (!regions) {
        return Fail(ErrorCode::kInvalidParameter,
                    "no tag source: give --tags-file PATH, --index-all, or an AWS region (AWS_REGION) to read tags "
                    "from Step Functions (" +
                        regions.error().message + ")");
      }
      step_functions = std::move(*regions);
    }
    setup.step_functions = step_functions;
    setup.tags = std::make_unique<StepFunctionsTagSource>(std::move(step_functions));
    if (store != nullptr) setup.shared = std::make_unique<SharedTagCache>(*store, RuleFingerprint(rule), clock);
  }
  setup.resolver = std::make_unique<AgentResolver>(setup.tags.get(), std::move(rule), clock, AgentResolverOptions{},
                                                   setup.shared.get());
  return setup;
}

}  // namespace exidx::cli
