// AgentResolver: decides whether a state machine's executions are indexed and
// under which agent name (CONTRACT.md section 3), caching each decision.
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/deadline.h"
#include "core/error.h"
#include "indexer/tag_source.h"

namespace exidx {

// Which state machines are agents.
struct AgentRule {
  // A state machine is an agent when its tags include all of these.
  Tags required_tags = {{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}};
  // Every state machine is an agent (required_tags ignored).
  bool index_all = false;
};

// Parses "Type=Agent,Application=StepFunctionsAgent" (kInvalidParameter otherwise).
Result<Tags> ParseAgentTags(std::string_view text);

// The name of a state machine: the ARN part after "stateMachine:", without a
// version or alias qualifier.
std::string StateMachineName(std::string_view state_machine_arn);

// The ARN without a ":<version>" or ":<alias>" qualifier, which tags belong to.
std::string UnqualifiedStateMachineArn(std::string_view state_machine_arn);

// The agent name of a state machine with these tags, or nullopt when it is not
// an agent under `rule`: the AgentName tag if present, else its name.
std::optional<std::string> ClassifyAgent(const AgentRule& rule, std::string_view state_machine_arn, const Tags& tags);

struct AgentResolverOptions {
  std::int64_t agent_ttl_millis = 15 * 60 * 1000;     // Cached "is agent X".
  std::int64_t non_agent_ttl_millis = 5 * 60 * 1000;  // Cached "is not an agent".
};

struct AgentCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;  // Lookups made at the tag source.
  std::uint64_t failures = 0;
};

// Thread-safe. At most one tag lookup per state machine is in flight: other
// callers wait for its answer. Failed lookups are not cached.
class AgentResolver {
 public:
  // `source` may be null only with rule.index_all (agent name = state machine
  // name). `source` and `clock` must outlive the resolver.
  AgentResolver(TagSource* source, AgentRule rule, const Clock& clock, AgentResolverOptions options = {});

  // The agent name for executions of this state machine, or nullopt when they
  // are not indexed. An error (kUnavailable) when the tags could not be read
  // before `deadline`: a lookup made here is bounded by it, and waiting for
  // another caller's lookup of the same state machine ends at it too.
  Result<std::optional<std::string>> AgentNameOf(std::string_view state_machine_arn,
                                                 const Deadline& deadline = Deadline::Never());

  AgentCacheStats Stats() const;

 private:
  using Decision = std::optional<std::string>;
  struct Entry {
    Decision decision;
    EpochMillis expires_at;
  };

  Result<Decision> Lookup(const std::string& arn, const Deadline& deadline);

  TagSource* const source_;
  const AgentRule rule_;
  const Clock& clock_;
  const AgentResolverOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;                           // Guarded by mu_.
  std::map<std::string, std::shared_future<Result<Decision>>, std::less<>> in_flight_;  // Guarded by mu_.
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, failures_{0};
};

}  // namespace exidx
