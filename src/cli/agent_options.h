// The options every indexing command shares (CONTRACT.md section 3): where
// tags come from and which tags make an agent.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "aws/sfn_regions.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/agent_resolver.h"
#include "indexer/tag_source.h"

namespace exidx::cli {

struct AgentOptions {
  std::string tags_file;
  bool index_all = false;
  std::string agent_tags = "Type=Agent,Application=StepFunctionsAgent";
};

void AddAgentOptions(CLI::App& command, AgentOptions& options);

// The tag source and the resolver over it, owned together.
struct AgentSetup {
  std::unique_ptr<TagSource> tags;  // Null with --index-all and no --tags-file.
  std::unique_ptr<AgentResolver> resolver;
};

// kInvalidParameter for a bad --agent-tags or --tags-file; kUnavailable when
// neither option is given and no Step Functions tag source is available.
// Tags from Step Functions are read through `step_functions` when given
// (sharing its clients and request limits), else through clients of their own.
Result<AgentSetup> BuildAgentSetup(const AgentOptions& options, const Clock& clock,
                                   std::shared_ptr<aws::StepFunctionsRegions> step_functions = nullptr);

}  // namespace exidx::cli
