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
#include "indexer/shared_tag_cache.h"
#include "indexer/tag_source.h"
#include "store/execution_store.h"

namespace exidx::cli {

struct AgentOptions {
  std::string tags_file;
  bool index_all = false;
  std::string agent_tags = "Type=Agent,Application=StepFunctionsAgent";
};

void AddAgentOptions(CLI::App& command, AgentOptions& options);

// The tag source, the shared tag cache and the resolver over them, owned
// together.
struct AgentSetup {
  std::unique_ptr<TagSource> tags;        // Null with --index-all and no --tags-file.
  std::unique_ptr<SharedTagCache> shared;  // With tags from Step Functions and a store.
  std::unique_ptr<AgentResolver> resolver;
  // The Step Functions clients the tags are read through (null without).
  std::shared_ptr<aws::StepFunctionsRegions> step_functions;
};

// kInvalidParameter for a bad --agent-tags or --tags-file; kUnavailable when
// neither option is given and no Step Functions tag source is available.
// Tags from Step Functions are read through `step_functions` when given
// (sharing its clients and request limits), else through clients of their
// own, limited to Step Functions' quotas (one token bucket per API and
// region for the whole process). With tags from Step Functions and a
// `store`, decisions are shared through it (SharedTagCache) by every process
// over the same store; `store` must outlive the setup.
Result<AgentSetup> BuildAgentSetup(const AgentOptions& options, const Clock& clock,
                                   std::shared_ptr<aws::StepFunctionsRegions> step_functions = nullptr,
                                   ExecutionStore* store = nullptr);

}  // namespace exidx::cli
