// Retention: how long the index keeps an execution's record, in all or per
// status (CONTRACT.md sections 4 and 9: `ttl`, --retention-days, --retain),
// and the expiry (`ttl`, epoch seconds) it gives a record.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/record.h"
#include "core/status.h"

namespace exidx {

// Epoch seconds, as DynamoDB's TTL attribute counts them.
using EpochSeconds = std::int64_t;

// The longest retention accepted: 100 years, so that an expiry never
// overflows and stays within the timestamp range (core/time.h).
inline constexpr std::int64_t kMaxRetentionSeconds = std::int64_t{36'500} * 86'400;

struct RetentionPolicy {
  std::optional<std::int64_t> default_seconds;  // --retention-days; nullopt: keep for ever.
  // --retain, by ExecutionStatus value: overrides default_seconds for that status.
  std::array<std::optional<std::int64_t>, kAllStatuses.size()> status_seconds{};

  // How long records of `status` are kept; nullopt: for ever.
  std::optional<std::int64_t> SecondsFor(ExecutionStatus status) const;
  // True when no record expires.
  bool Empty() const;

  bool operator==(const RetentionPolicy&) const = default;
};

// The policy of the two options, either of which may be empty (not given):
// `days` is --retention-days N (a whole number of days, 1..36500); `retain`
// is --retain STATUS=<n>d|<n>h,... (statuses by their contract names, each at
// most once, 1 hour to 36500 days). kInvalidParameter naming the option and
// quoting the bad part otherwise.
Result<RetentionPolicy> ParseRetentionPolicy(std::string_view days, std::string_view retain);

// The policy as text for logs, e.g. "default 30d, FAILED 180d" ("none").
std::string DescribeRetention(const RetentionPolicy& policy);

// When `record` expires under `policy`, in epoch seconds, rounded up so that
// a record is kept at least its retention; nullopt when its status is kept
// for ever. The clock starts at stopDate when the record has one; else (a
// RUNNING or PENDING_REDRIVE record) at the later of startDate and indexedAt,
// when the execution was last heard of: a redriven execution keeps its old
// startDate, and must not expire as it runs again.
std::optional<EpochSeconds> ExpiryOf(const RetentionPolicy& policy, const ExecutionRecord& record);

// True when `record` has an expiry at or before `now`: DynamoDB's TTL may
// delete it, and no read returns it any more.
inline bool IsExpired(const ExecutionRecord& record, EpochSeconds now) {
  return record.ttl && *record.ttl <= now;
}

// The candidates of a write with their ttl as `policy` gives it, whatever
// the writer set: `candidates` itself when each already has it, else a copy
// kept in `storage`. Stores call it in Apply, so that every write path
// (indexer, backfill, reconcile) stamps the same expiry without knowing.
std::span<const ExecutionRecord> WithExpiry(const RetentionPolicy& policy, std::span<const ExecutionRecord> candidates,
                                            std::vector<ExecutionRecord>& storage);

// Floor division of epoch milliseconds into epoch seconds.
inline EpochSeconds SecondsOf(EpochMillis millis) {
  return millis >= 0 ? millis / 1000 : -((-millis + 999) / 1000);
}

}  // namespace exidx
