// SharedTagCache: the agent decisions of state machines kept in the store
// (ExecutionStore::ReadTagEntry), so that every process over one index, a
// fleet of Lambda containers or of servers, asks Step Functions once per
// state machine and TTL, not once per process.
//
// Why: ListTagsForResource allows a burst of 100 calls refilled at 1 per
// second per account and region. A cache per container multiplies the calls
// by the containers: 20 containers over 50 state machines ask 1,000 times at
// a deploy or a burst, and the throttled events end in the dead-letter queue.
//
// How a decision is found (Resolve):
//   1. The entry is read. A decision made under the same rule, younger than
//      its TTL (the agent or the non-agent one), is the answer.
//   2. Otherwise one process leases the lookup: it swaps in a lease (the
//      store's compare-and-swap makes exactly one of the racing processes
//      win), asks the tag source, and swaps in the decision, which also
//      ends the lease. A lookup that failed ends the lease and fails.
//   3. The others poll the entry every poll interval until the decision is
//      there, the lease runs out (the holder died: one of them leases
//      again) or their deadline comes (kUnavailable, so the event is retried,
//      never indexed by guess).
// A lease lasts at most `lease` and the holder's lookup ends by then, so a
// lease outlives no lookup. Leases compare wall clocks of several machines:
// a skew of a second or two only shortens or lengthens a wait.
//
// The store failing (throttled, unreachable, or keeping no tag cache) never
// fails a lookup: the process then asks the tag source itself, as it would
// without the shared cache, and counts it (store_errors). A decision the
// process could not write back is still its answer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/deadline.h"
#include "core/error.h"
#include "store/execution_store.h"

namespace exidx {

struct SharedTagCacheOptions {
  std::int64_t agent_ttl_millis = 15 * 60 * 1000;     // A decision "is agent X" is good this long.
  std::int64_t non_agent_ttl_millis = 5 * 60 * 1000;  // A decision "is not an agent" is good this long.
  std::chrono::milliseconds lease{10'000};            // The longest a lookup is leased for.
  std::chrono::milliseconds poll{100};                // How often a waiting process reads the entry.
};

// A decision and until when (wall clock) it is good.
struct SharedDecision {
  std::optional<std::string> agent_name;  // nullopt: not an agent.
  EpochMillis good_until = 0;
};

struct SharedTagCacheStats {
  std::uint64_t hits = 0;          // Decisions read from the store.
  std::uint64_t lookups = 0;       // Lookups this process made at the tag source (leased or not).
  std::uint64_t waits = 0;         // Resolves that waited for another process's lookup.
  std::uint64_t store_errors = 0;  // Store calls that failed (the process then asked the source).
};

// Thread-safe. `store` and `clock` must outlive it.
class SharedTagCache {
 public:
  // What asks the tag source: the decision for the state machine, made by
  // `deadline`; errors (kUnavailable) are returned as they are.
  using LookUp = std::function<Result<std::optional<std::string>>(const Deadline& deadline)>;

  // `rule`: a fingerprint of the agent rule; decisions made under another
  // rule are not answers.
  SharedTagCache(ExecutionStore& store, std::string rule, const Clock& clock, SharedTagCacheOptions options = {});

  // The decision for `state_machine_arn` (unqualified), from the store or from
  // `look_up` (called at most once), by `deadline`.
  Result<SharedDecision> Resolve(const std::string& state_machine_arn, const Deadline& deadline, const LookUp& look_up);

  // Asks `look_up` now and writes its decision, whatever the entry held
  // (exidx tags refresh). Unlike Resolve, a store error is returned.
  Result<SharedDecision> Refresh(const std::string& state_machine_arn, const Deadline& deadline, const LookUp& look_up);

  SharedTagCacheStats Stats() const;

 private:
  std::int64_t TtlOf(const std::optional<std::string>& agent_name) const;
  // The entry's decision when it is one for this rule and still good at `now`.
  std::optional<SharedDecision> GoodDecision(const TagCacheEntry& entry, EpochMillis now) const;
  // The lookup of a process that holds the lease at `version`: asks the
  // source, then swaps in its decision (or, when it failed, the entry as it
  // was without the lease).
  Result<SharedDecision> LookUpLeased(const std::string& arn, const TagCacheEntry& leased, const Deadline& deadline,
                                      const LookUp& look_up);
  Result<SharedDecision> LookUpAlone(const Deadline& deadline, const LookUp& look_up);
  TagCacheEntry DecisionEntry(const std::optional<std::string>& agent_name, EpochMillis read_at) const;

  ExecutionStore& store_;
  const std::string rule_;
  const Clock& clock_;
  const SharedTagCacheOptions options_;
  std::atomic<std::uint64_t> hits_{0}, lookups_{0}, waits_{0}, store_errors_{0};
};

}  // namespace exidx
