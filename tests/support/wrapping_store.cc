#include "support/wrapping_store.h"

#include <utility>

namespace exidx::testing {

WrappingStore::WrappingStore(std::unique_ptr<ExecutionStore> owned, std::function<void()> after_close)
    : owned_(std::move(owned)), inner_(*owned_), after_close_(std::move(after_close)) {}

WrappingStore::~WrappingStore() {
  owned_.reset();
  if (after_close_) after_close_();
}

void WrappingStore::FailNext(Method method, int times, ErrorCode code, std::string message) {
  std::lock_guard lock(mu_);
  if (times <= 0) {
    failures_[Index(method)].reset();
    return;
  }
  failures_[Index(method)] = Failure{Error{code, std::move(message)}, times};
}

void WrappingStore::FailEvery(Method method, ErrorCode code, std::string message) {
  std::lock_guard lock(mu_);
  failures_[Index(method)] = Failure{Error{code, std::move(message)}, kForever};
}

void WrappingStore::Heal(Method method) {
  std::lock_guard lock(mu_);
  failures_[Index(method)].reset();
}

void WrappingStore::Remove(Capability capability) {
  std::lock_guard lock(mu_);
  removed_[static_cast<std::size_t>(capability)] = true;
}

void WrappingStore::TrimFeed(std::uint64_t latest, std::uint64_t oldest_kept) {
  std::lock_guard lock(mu_);
  trimmed_feed_ = std::pair(latest, oldest_kept);
}

void WrappingStore::ApplyAtMost(std::size_t applied, ErrorCode code, std::string message) {
  std::lock_guard lock(mu_);
  apply_at_most_ = std::pair(applied, Error{code, std::move(message)});
}

std::optional<Error> WrappingStore::Injected(Method method) {
  ++calls_[Index(method)];
  std::lock_guard lock(mu_);
  std::optional<Failure>& failure = failures_[Index(method)];
  if (!failure) return std::nullopt;
  Error error = failure->error;
  if (failure->left != kForever && --failure->left <= 0) failure.reset();
  return error;
}

bool WrappingStore::Removed(Capability capability) const {
  std::lock_guard lock(mu_);
  return removed_[static_cast<std::size_t>(capability)];
}

Result<std::vector<ApplyOutcome>> WrappingStore::Apply(std::span<const ExecutionRecord> candidates,
                                                       const Deadline& deadline, KnownOutcomes* known) {
  last_apply_deadline_bounded_ = deadline.bounded();
  if (auto error = Injected(Method::kApply)) return std::unexpected(std::move(*error));
  std::optional<std::pair<std::size_t, Error>> at_most;
  {
    std::lock_guard lock(mu_);
    at_most = apply_at_most_;
  }
  if (!at_most || candidates.size() <= at_most->first) return inner_.Apply(candidates, deadline, known);
  const std::size_t n = at_most->first;
  auto outcomes = inner_.Apply(candidates.subspan(0, n), deadline, nullptr);
  if (!outcomes) return outcomes;
  if (known != nullptr) {
    known->assign(candidates.size(), std::nullopt);
    for (std::size_t i = 0; i < n; ++i) (*known)[i] = (*outcomes)[i];
  }
  return std::unexpected(std::move(at_most->second));
}

Result<std::vector<ExecutionRecord>> WrappingStore::Scan(const ScanRequest& request) {
  if (auto error = Injected(Method::kScan)) return std::unexpected(std::move(*error));
  return inner_.Scan(request);
}

Result<std::optional<ExecutionRecord>> WrappingStore::Get(std::string_view execution_arn) {
  if (auto error = Injected(Method::kGet)) return std::unexpected(std::move(*error));
  return inner_.Get(execution_arn);
}

Result<std::string> WrappingStore::PageTokenSecret() {
  if (auto error = Injected(Method::kPageTokenSecret)) return std::unexpected(std::move(*error));
  return inner_.PageTokenSecret();
}

Result<ChangeRange> WrappingStore::ReadChanges(std::uint64_t after, std::size_t limit) {
  if (auto error = Injected(Method::kReadChanges)) return std::unexpected(std::move(*error));
  if (Removed(Capability::kChangeFeed)) return ExecutionStore::ReadChanges(after, limit);
  std::optional<std::pair<std::uint64_t, std::uint64_t>> trimmed;
  {
    std::lock_guard lock(mu_);
    trimmed = trimmed_feed_;
  }
  if (trimmed) return ChangeRange{.changes = {}, .missed = after < trimmed->second, .latest = trimmed->first};
  return inner_.ReadChanges(after, limit);
}

Result<std::vector<HourlyStat>> WrappingStore::ReadHourlyStats(const StatsRequest& request) {
  if (auto error = Injected(Method::kReadHourlyStats)) return std::unexpected(std::move(*error));
  if (Removed(Capability::kHourlyStats)) return ExecutionStore::ReadHourlyStats(request);
  return inner_.ReadHourlyStats(request);
}

Result<std::vector<AgentSummary>> WrappingStore::ListAgents() {
  if (auto error = Injected(Method::kListAgents)) return std::unexpected(std::move(*error));
  if (Removed(Capability::kAgentCounts)) return ExecutionStore::ListAgents();
  return inner_.ListAgents();
}

Result<std::size_t> WrappingStore::DeleteExpired(EpochSeconds now, std::size_t limit) {
  if (auto error = Injected(Method::kDeleteExpired)) return std::unexpected(std::move(*error));
  return inner_.DeleteExpired(now, limit);
}

Status WrappingStore::WriteHealth() {
  if (auto error = Injected(Method::kWriteHealth)) return std::unexpected(std::move(*error));
  return inner_.WriteHealth();
}

Result<std::optional<std::string>> WrappingStore::ReadCheckpoint(std::string_view name) {
  if (auto error = Injected(Method::kReadCheckpoint)) return std::unexpected(std::move(*error));
  return inner_.ReadCheckpoint(name);
}

Status WrappingStore::WriteCheckpoint(std::string_view name, std::string_view value) {
  if (auto error = Injected(Method::kWriteCheckpoint)) return std::unexpected(std::move(*error));
  return inner_.WriteCheckpoint(name, value);
}

Result<std::optional<TagCacheEntry>> WrappingStore::ReadTagEntry(std::string_view state_machine_arn,
                                                                 const Deadline& deadline) {
  if (auto error = Injected(Method::kReadTagEntry)) return std::unexpected(std::move(*error));
  return inner_.ReadTagEntry(state_machine_arn, deadline);
}

Result<bool> WrappingStore::SwapTagEntry(std::string_view state_machine_arn, std::uint64_t expected_version,
                                         const TagCacheEntry& desired, const Deadline& deadline) {
  if (auto error = Injected(Method::kSwapTagEntry)) return std::unexpected(std::move(*error));
  return inner_.SwapTagEntry(state_machine_arn, expected_version, desired, deadline);
}

}  // namespace exidx::testing
