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
#include "indexer/shared_tag_cache.h"
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

// The rule as text, equal for equal rules: "index-all", or the required tags
// "K=V,K=V" in key order. A shared tag cache keeps it with each decision.
std::string RuleFingerprint(const AgentRule& rule);

struct AgentResolverOptions {
  std::int64_t agent_ttl_millis = 15 * 60 * 1000;     // Cached "is agent X".
  std::int64_t non_agent_ttl_millis = 5 * 60 * 1000;  // Cached "is not an agent".
  // With a shared cache, a decision read from it is kept here at most this
  // long (and never past its own TTL), so that `exidx tags refresh` reaches
  // every process within it; a read of the store costs far less than a
  // lookup at the source.
  std::int64_t shared_recheck_millis = 60 * 1000;
};

struct AgentCacheStats {
  std::uint64_t hits = 0;      // Answered from this process's cache (or a lookup in flight here).
  std::uint64_t misses = 0;    // Lookups made at the tag source.
  std::uint64_t failures = 0;  // Of them, the failed ones.
  std::uint64_t throttled = 0;  // Of those, the ones the service throttled (TagSource::Stats).
  SharedTagCacheStats shared;  // The shared cache's (zeros without one).
};

// Thread-safe. At most one tag lookup per state machine is in flight in the
// process (other callers wait for its answer), and, with a shared cache, at
// most one in all the processes over the store. Failed lookups are not cached.
class AgentResolver {
 public:
  // `source` may be null only with rule.index_all (agent name = state machine
  // name). `shared`: the cache behind this one, or null; it must decide under
  // the same rule (RuleFingerprint) and TTLs. `source`, `clock` and `shared`
  // must outlive the resolver.
  AgentResolver(TagSource* source, AgentRule rule, const Clock& clock, AgentResolverOptions options = {},
                SharedTagCache* shared = nullptr);

  // The agent name for executions of this state machine, or nullopt when they
  // are not indexed. An error (kUnavailable) when the tags could not be read
  // before `deadline`: a lookup made here is bounded by it, and waiting for
  // another caller's lookup of the same state machine ends at it too.
  Result<std::optional<std::string>> AgentNameOf(std::string_view state_machine_arn,
                                                 const Deadline& deadline = Deadline::Never());

  // Reads the tags of this state machine now, whatever is cached, and keeps
  // the decision here and in the shared cache (exidx tags refresh). Errors
  // as AgentNameOf's, and the shared cache's store errors.
  Result<std::optional<std::string>> Refresh(std::string_view state_machine_arn, const Deadline& deadline);

  AgentCacheStats Stats() const;

 private:
  using Decision = std::optional<std::string>;
  struct Entry {
    Decision decision;
    EpochMillis expires_at;
  };

  // The decision and until when this process keeps it: from the shared
  // cache when there is one (read anew from the source when `refresh`),
  // else from the source.
  Result<Entry> Lookup(const std::string& arn, const Deadline& deadline, bool refresh);
  // Asks the source.
  Result<Decision> Decide(const std::string& arn, const Deadline& deadline);

  TagSource* const source_;
  const AgentRule rule_;
  const Clock& clock_;
  const AgentResolverOptions options_;
  SharedTagCache* const shared_;

  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;                           // Guarded by mu_.
  std::map<std::string, std::shared_future<Result<Decision>>, std::less<>> in_flight_;  // Guarded by mu_.
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, failures_{0};
};

}  // namespace exidx
