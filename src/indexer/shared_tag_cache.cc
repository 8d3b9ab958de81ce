#include "indexer/shared_tag_cache.h"

#include <fmt/format.h>

#include <algorithm>

namespace exidx {

SharedTagCache::SharedTagCache(ExecutionStore& store, std::string rule, const Clock& clock,
                               SharedTagCacheOptions options)
    : store_(store), rule_(std::move(rule)), clock_(clock), options_(options) {}

std::int64_t SharedTagCache::TtlOf(const std::optional<std::string>& agent_name) const {
  return agent_name ? options_.agent_ttl_millis : options_.non_agent_ttl_millis;
}

std::optional<SharedDecision> SharedTagCache::GoodDecision(const TagCacheEntry& entry, EpochMillis now) const {
  if (!entry.decided || entry.rule != rule_) return std::nullopt;
  const EpochMillis good_until = entry.read_at + TtlOf(entry.agent_name);
  if (now >= good_until) return std::nullopt;
  return SharedDecision{entry.agent_name, good_until};
}

TagCacheEntry SharedTagCache::DecisionEntry(const std::optional<std::string>& agent_name, EpochMillis read_at) const {
  return TagCacheEntry{.decided = true, .rule = rule_, .agent_name = agent_name, .read_at = read_at};
}

Result<SharedDecision> SharedTagCache::Resolve(const std::string& arn, const Deadline& deadline,
                                               const LookUp& look_up) {
  bool waited = false;
  for (;;) {
    if (deadline.Expired()) {
      return Fail(ErrorCode::kUnavailable, fmt::format("tags of {}: the deadline passed", arn));
    }
    auto read = store_.ReadTagEntry(arn, deadline);
    if (!read) {
      ++store_errors_;
      return LookUpAlone(deadline, look_up);
    }
    const EpochMillis now = clock_.NowMillis();
    const TagCacheEntry stored = read->value_or(TagCacheEntry{});
    if (auto good = GoodDecision(stored, now)) {
      ++hits_;
      return *good;
    }
    if (stored.lease_until > now) {  // Another process is asking the source.
      if (!std::exchange(waited, true)) ++waits_;
      const auto pause = std::min(options_.poll, std::chrono::milliseconds(stored.lease_until - now));
      if (deadline.Remaining() <= pause) {
        return Fail(ErrorCode::kUnavailable,
                    fmt::format("tags of {}: another process's lookup did not end before the deadline", arn));
      }
      deadline.clock().SleepFor(pause);
      continue;
    }
    const std::chrono::milliseconds lease_for = std::min(options_.lease, deadline.Remaining());
    TagCacheEntry leased = stored;
    leased.lease_until = now + lease_for.count();
    auto swapped = store_.SwapTagEntry(arn, stored.version, leased, deadline);
    if (!swapped) {
      ++store_errors_;
      return LookUpAlone(deadline, look_up);
    }
    if (!*swapped) continue;  // Another process wrote first: read what it wrote.
    leased.version = stored.version + 1;
    return LookUpLeased(arn, leased, deadline.Earlier(Deadline::After(lease_for, deadline.clock())), look_up);
  }
}

Result<SharedDecision> SharedTagCache::LookUpLeased(const std::string& arn, const TagCacheEntry& leased,
                                                    const Deadline& deadline, const LookUp& look_up) {
  ++lookups_;
  auto decision = look_up(deadline);
  const EpochMillis now = clock_.NowMillis();
  TagCacheEntry after = leased;  // A failed lookup ends the lease: another process may try at once.
  after.lease_until = 0;
  if (decision) after = DecisionEntry(*decision, now);
  // The lease's deadline may have passed with the lookup; the write gets a
  // short one of its own. Failing, the lease runs out by itself.
  auto swapped = store_.SwapTagEntry(arn, leased.version, after, Deadline::After(std::chrono::seconds(2)));
  if (!swapped) ++store_errors_;
  if (!decision) return std::unexpected(decision.error());
  return SharedDecision{*decision, now + TtlOf(*decision)};
}

Result<SharedDecision> SharedTagCache::LookUpAlone(const Deadline& deadline, const LookUp& look_up) {
  ++lookups_;
  auto decision = look_up(deadline);
  if (!decision) return std::unexpected(decision.error());
  return SharedDecision{*decision, clock_.NowMillis() + TtlOf(*decision)};
}

Result<SharedDecision> SharedTagCache::Refresh(const std::string& arn, const Deadline& deadline,
                                               const LookUp& look_up) {
  ++lookups_;
  auto decision = look_up(deadline);
  if (!decision) return std::unexpected(decision.error());
  const EpochMillis now = clock_.NowMillis();
  const TagCacheEntry entry = DecisionEntry(*decision, now);
  for (;;) {
    auto read = store_.ReadTagEntry(arn, deadline);
    if (!read) return std::unexpected(read.error());
    auto swapped = store_.SwapTagEntry(arn, *read ? (*read)->version : 0, entry, deadline);
    if (!swapped) return std::unexpected(swapped.error());
    if (*swapped) return SharedDecision{*decision, now + TtlOf(*decision)};
    if (deadline.Expired()) return Fail(ErrorCode::kUnavailable, fmt::format("tags of {}: the deadline passed", arn));
  }
}

SharedTagCacheStats SharedTagCache::Stats() const {
  return SharedTagCacheStats{
      .hits = hits_.load(), .lookups = lookups_.load(), .waits = waits_.load(), .store_errors = store_errors_.load()};
}

}  // namespace exidx
