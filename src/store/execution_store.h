// ExecutionStore: where records and their indexes live. Implementations:
// RocksDbStore (embedded) and, on AWS, DynamoDbStore. Callers see only this.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/deadline.h"
#include "core/error.h"
#include "core/query.h"
#include "core/record.h"
#include "core/retention.h"
#include "store/duration_histogram.h"

namespace exidx {

// What Apply did with one candidate record.
enum class ApplyOutcome {
  kIndexed,    // The candidate replaced the stored record (or was the first).
  kUnchanged,  // The stored record's version was equal or greater.
};

// For an Apply that failed: the outcome of each candidate (by position) known
// to have taken effect, nullopt for the others.
using KnownOutcomes = std::vector<std::optional<ApplyOutcome>>;

// One change in a store's change feed: the record as a change left it.
struct RecordChange {
  std::uint64_t sequence = 0;  // Increases with every change; never reused.
  ExecutionRecord record;
};

// What ReadChanges found after a sequence number.
struct ChangeRange {
  std::vector<RecordChange> changes;  // In sequence order.
  // True when changes after the requested sequence were already trimmed from
  // the (bounded) feed: the reader missed some and must start over.
  bool missed = false;
  std::uint64_t latest = 0;  // The newest sequence number in the feed (0: none yet).
};

// An agent and how many executions the index holds for it.
struct AgentSummary {
  std::string agent_name;
  std::uint64_t executions = 0;

  bool operator==(const AgentSummary&) const = default;
};

// The executions of one agent with one status that started in one UTC hour:
// a cell of the statistics a store keeps up to date with its records.
struct HourlyStat {
  EpochMillis hour = 0;  // The hour's first millisecond (a multiple of 3,600,000).
  std::string agent_name;
  ExecutionStatus status = ExecutionStatus::kRunning;
  std::uint64_t executions = 0;
  // durationSeconds of those of them that have a stopDate (DurationBin).
  SparseDurationBins durations;

  bool operator==(const HourlyStat&) const = default;
};

// Which cells ReadHourlyStats returns: hours in [from_hour, to_hour), both
// multiples of 3,600,000, of one agent and/or one status when given.
struct StatsRequest {
  std::optional<std::string> agent_name;
  std::optional<ExecutionStatus> status;
  EpochMillis from_hour = 0;
  EpochMillis to_hour = 0;
};

inline constexpr EpochMillis kMillisPerHour = 3'600'000;

// Bounds of checkpoint names and values (ExecutionStore::WriteCheckpoint):
// a name holds a state machine's ARN (at most 256 characters) and a prefix,
// and with DynamoDB's reserved-item prefix stays within its 2,048-byte
// partition keys; a value fits in one DynamoDB item (400 KB) with room to
// spare.
inline constexpr std::size_t kMaxCheckpointNameBytes = 1024;
inline constexpr std::size_t kMaxCheckpointValueBytes = 64 * 1024;

// kInvalidParameter unless `name` and `value` are within those bounds.
inline Status CheckCheckpoint(std::string_view name, std::string_view value) {
  if (name.empty() || name.size() > kMaxCheckpointNameBytes) {
    return Fail(ErrorCode::kInvalidParameter, "checkpoint name of " + std::to_string(name.size()) +
                                                  " bytes: expected 1.." + std::to_string(kMaxCheckpointNameBytes));
  }
  if (value.size() > kMaxCheckpointValueBytes) {
    return Fail(ErrorCode::kInvalidParameter, "checkpoint value of " + std::to_string(value.size()) +
                                                  " bytes: at most " + std::to_string(kMaxCheckpointValueBytes));
  }
  return {};
}

// A state machine's entry in the tag cache that every process over one store
// shares (indexer/shared_tag_cache.h): what its tags decided, under which
// rule, when they were read, and whether a process is reading them now.
struct TagCacheEntry {
  // Increases by one with every write (SwapTagEntry); 0: never written.
  std::uint64_t version = 0;
  bool decided = false;                   // Tags were read (at read_at) and decided under `rule`.
  std::string rule;                       // Which agent rule decided (indexer's fingerprint of it).
  std::optional<std::string> agent_name;  // When decided: the agent, or nullopt: not an agent.
  EpochMillis read_at = 0;
  EpochMillis lease_until = 0;  // A process reads the tags until then; 0: none does.

  bool operator==(const TagCacheEntry&) const = default;
};

// Bounds of a tag cache entry's key (an unqualified state machine ARN, at
// most 256 characters, with room) and of its rule and agent name (an
// AgentName tag value is at most 256 characters).
inline constexpr std::size_t kMaxTagCacheKeyBytes = 1024;
inline constexpr std::size_t kMaxTagCacheTextBytes = 4096;

// kInvalidParameter unless the key and the entry's texts are within bounds.
inline Status CheckTagCacheEntry(std::string_view state_machine_arn, const TagCacheEntry* entry) {
  if (state_machine_arn.empty() || state_machine_arn.size() > kMaxTagCacheKeyBytes) {
    return Fail(ErrorCode::kInvalidParameter, "tag cache key of " + std::to_string(state_machine_arn.size()) +
                                                  " bytes: expected 1.." + std::to_string(kMaxTagCacheKeyBytes));
  }
  if (entry != nullptr &&
      (entry->rule.size() > kMaxTagCacheTextBytes || entry->agent_name.value_or("").size() > kMaxTagCacheTextBytes)) {
    return Fail(ErrorCode::kInvalidParameter,
                "tag cache entry: rule and agent name are at most " + std::to_string(kMaxTagCacheTextBytes) + " bytes");
  }
  return {};
}

// Thread-safe: every method may be called from several threads at once.
//
// Retention (core/retention.h): a store opened with a RetentionPolicy sets
// every candidate's ttl to ExpiryOf(policy, candidate) in Apply, whatever the
// caller put there (no policy: no ttl), so no write path can forget it. ttl
// is not part of the version: a candidate that does not supersede changes
// nothing, its ttl included; one that does (a redrive) brings its own. A
// record whose ttl is at or before the store's clock is expired: Scan and Get
// never return it, and ReadChanges returns no change of it.
class ExecutionStore {
 public:
  virtual ~ExecutionStore() = default;

  // Applies the candidates in order. Each one replaces the stored record of its
  // execution only if Supersedes(candidate, stored) (the version rule), together
  // with all of the record's index entries, atomically. A candidate sees the
  // effect of earlier ones in the same call. When this returns a value, every
  // change is as durable as the store was opened to make it.
  //
  // On an error, what holds depends on the store, and callers must assume the
  // weaker: a store whose writes are one local commit (RocksDbStore) makes
  // nothing of the call visible; a store that writes each execution on its
  // own (DynamoDbStore) may have applied any subset of the executions, each
  // one whole (never a record without its index entries, never a version
  // older than the one stored). Either way, applying the same candidates
  // again is safe and ends in the same records: merging is idempotent.
  // When `known` is not null, a failed call may set it to the outcomes it
  // knows took effect, by position; a nullopt, a position past its end or an
  // untouched (empty) vector means "not known to have taken effect".
  //
  // `deadline` bounds the time the call may take: a store that waits on
  // remote calls starts none once it has passed and makes none that outlives
  // it, and then fails with kUnavailable. A store of local writes may ignore
  // it (its writes end quickly or fail).
  virtual Result<std::vector<ApplyOutcome>> Apply(std::span<const ExecutionRecord> candidates, const Deadline& deadline,
                                                  KnownOutcomes* known) = 0;
  // Apply with no deadline and no report of a partial failure.
  Result<std::vector<ApplyOutcome>> Apply(std::span<const ExecutionRecord> candidates) {
    return Apply(candidates, Deadline::Never(), nullptr);
  }

  // Up to request.limit records matching request.filter in (startDate,
  // executionArn) order, strictly after request.after when given. Reads index
  // entries only of the records it returns (plus one to find the end).
  virtual Result<std::vector<ExecutionRecord>> Scan(const ScanRequest& request) = 0;

  // The stored record of one execution, or nullopt.
  virtual Result<std::optional<ExecutionRecord>> Get(std::string_view execution_arn) = 0;

  // The secret that authenticates page tokens for this store's data: created
  // with the store and kept with it, so that tokens survive a restart and are
  // shared by every server on the same store.
  virtual Result<std::string> PageTokenSecret() = 0;

  // The change feed: up to `limit` changes with sequence > `after`, oldest
  // first. A store keeps a bounded number of recent changes; a reader that
  // asks for older ones gets missed = true. Each Apply that changes records
  // appends one change per changed record, atomically with the change itself
  // (DynamoDbStore's feed: later, from the stream). No feed: kUnavailable.
  virtual Result<ChangeRange> ReadChanges(std::uint64_t after, std::size_t limit) {
    (void)after;
    (void)limit;
    return Fail(ErrorCode::kUnavailable, "this store keeps no change feed");
  }

  // Sets the function called, from any thread, after changes that this
  // process did not Apply reached the feed: a store whose feed follows a
  // shared service (DynamoDbStore's stream) learns of every change, this
  // process's too, only later, and says so through it, so that a server can
  // wake its live-update streams. It must not block (post work and return);
  // it replaces the previous one, which is not running once this returns;
  // empty: none. Stores whose feed grows only by their own Apply (whose
  // callers know when it returns) call nothing: the default.
  virtual void SetChangeListener(std::function<void()> listener) { (void)listener; }

  // The non-empty (hour, agent, status) cells matching `request`, ordered by
  // (hour, agent_name, status). Kept by Apply in the same atomic commit as the
  // records: a record counts in exactly the cell of its current agent, status
  // and startDate hour, whatever duplicates, order or redrives brought it
  // there. Reads cells, never records. Stores without them: kUnavailable.
  virtual Result<std::vector<HourlyStat>> ReadHourlyStats(const StatsRequest& request) {
    (void)request;
    return Fail(ErrorCode::kUnavailable, "this store keeps no statistics (they need the embedded store for now)");
  }

  // Every agent with at least one indexed execution, by name, with its count.
  // Stores that cannot answer without a scan answer kUnavailable.
  virtual Result<std::vector<AgentSummary>> ListAgents() {
    return Fail(ErrorCode::kUnavailable, "this store keeps no agent counts");
  }

  // Deletes up to `limit` expired records (ttl <= now), each with its index
  // entries, agent count and hourly cell (its changes were already out of
  // the feed: see above), in commits that never race Apply and leave no
  // record half deleted. Reads only the
  // records it deletes. Returns how many it deleted: fewer than `limit` means
  // none expired by `now` is left, so a sweep calls it until then; an
  // interrupted sweep simply goes on at its next call (after a restart too).
  // A store whose service deletes expired records by itself (DynamoDB's
  // TTL, within days; reads skip them meanwhile) answers 0.
  virtual Result<std::size_t> DeleteExpired(EpochSeconds now, std::size_t limit) {
    (void)now;
    (void)limit;
    return std::size_t{0};
  }

  // Checkpoints: small named values that long-running commands (backfill,
  // migrate, reconcile) keep with the index, so that a run stopped midway
  // (killed, throttled past its retry budget) resumes where it was, against
  // the same store. `name` is 1..kMaxCheckpointNameBytes bytes; `value` at
  // most kMaxCheckpointValueBytes (kInvalidParameter otherwise). Read
  // answers nullopt for a name never written. Write replaces the value, as
  // durably as Apply writes records when it returns; it never touches a
  // record. Checkpoints are not records: no query, feed or statistic sees
  // them. Stores without checkpoints answer kUnavailable.
  virtual Result<std::optional<std::string>> ReadCheckpoint(std::string_view name) {
    (void)name;
    return Fail(ErrorCode::kUnavailable, "this store keeps no checkpoints");
  }
  virtual Status WriteCheckpoint(std::string_view name, std::string_view value) {
    (void)name;
    (void)value;
    return Fail(ErrorCode::kUnavailable, "this store keeps no checkpoints");
  }

  // The shared tag cache: one entry per state machine (its unqualified ARN)
  // that the processes over this store read before they ask Step Functions
  // for tags and write after, so that a fleet asks once per state machine.
  // Entries are not records: no query, feed or statistic sees them. Read
  // answers nullopt for an entry never written (or removed by the store:
  // DynamoDB's TTL deletes entries untouched for a week). Swap is a
  // compare-and-swap: it writes `desired` with version expected_version + 1
  // (desired.version is ignored) if and only if the stored entry's version
  // is `expected_version` (0: none stored), and answers whether it wrote;
  // a false answer wrote nothing. A write is as durable as Apply's when it
  // returns. Reads see every write that returned before them (strongly
  // consistent). Remote calls end by `deadline` (kUnavailable). Keys and
  // texts beyond CheckTagCacheEntry's bounds: kInvalidParameter. Stores
  // without the cache answer kUnavailable: callers then ask the tag source.
  virtual Result<std::optional<TagCacheEntry>> ReadTagEntry(std::string_view state_machine_arn,
                                                            const Deadline& deadline) {
    (void)state_machine_arn;
    (void)deadline;
    return Fail(ErrorCode::kUnavailable, "this store keeps no tag cache");
  }
  virtual Result<bool> SwapTagEntry(std::string_view state_machine_arn, std::uint64_t expected_version,
                                    const TagCacheEntry& desired, const Deadline& deadline) {
    (void)state_machine_arn;
    (void)expected_version;
    (void)desired;
    (void)deadline;
    return Fail(ErrorCode::kUnavailable, "this store keeps no tag cache");
  }

  // Whether Apply can be expected to succeed now, for readiness probes: ok,
  // or kUnavailable saying why not (writes stopped by a full disk, a store
  // opened read-only). Cheap, and writes nothing; a store that cannot tell
  // answers ok and lets Apply report its failures.
  virtual Status WriteHealth() { return {}; }
};

}  // namespace exidx
