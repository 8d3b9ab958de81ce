#include "support/reference_store.h"

#include <algorithm>
#include <tuple>

namespace exidx::testing {

Result<std::vector<ApplyOutcome>> ReferenceStore::Apply(std::span<const ExecutionRecord> candidates, const Deadline&,
                                                        KnownOutcomes*) {
  std::lock_guard lock(mu_);
  std::vector<ApplyOutcome> outcomes;
  for (const ExecutionRecord& candidate : candidates) {
    auto it = records_.find(candidate.execution_arn);
    const ExecutionRecord* current = it == records_.end() ? nullptr : &it->second;
    if (Supersedes(candidate, current)) {
      records_[candidate.execution_arn] = candidate;
      changes_.push_back(RecordChange{changes_.size() + 1, candidate});
      outcomes.push_back(ApplyOutcome::kIndexed);
    } else {
      outcomes.push_back(ApplyOutcome::kUnchanged);
    }
  }
  return outcomes;
}

std::vector<ExecutionRecord> ReferenceStore::All(const ExecutionFilter& filter, SortOrder order) {
  std::lock_guard lock(mu_);
  std::vector<ExecutionRecord> out;
  for (const auto& [arn, record] : records_) {
    if (Matches(filter, record)) out.push_back(record);
  }
  std::sort(out.begin(), out.end(), [order](const ExecutionRecord& a, const ExecutionRecord& b) {
    return ComesBefore(CursorOf(a), CursorOf(b), order);
  });
  return out;
}

Result<std::vector<ExecutionRecord>> ReferenceStore::Scan(const ScanRequest& request) {
  std::vector<ExecutionRecord> all = All(request.filter, request.order);
  std::vector<ExecutionRecord> out;
  for (ExecutionRecord& record : all) {
    if (out.size() == request.limit) break;
    if (request.after && !ComesBefore(*request.after, CursorOf(record), request.order)) continue;
    out.push_back(std::move(record));
  }
  return out;
}

Result<std::optional<ExecutionRecord>> ReferenceStore::Get(std::string_view execution_arn) {
  std::lock_guard lock(mu_);
  auto it = records_.find(execution_arn);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

Result<ChangeRange> ReferenceStore::ReadChanges(std::uint64_t after, std::size_t limit) {
  std::lock_guard lock(mu_);
  ChangeRange range;
  range.latest = changes_.size();
  for (std::size_t i = after; i < changes_.size() && range.changes.size() < limit; ++i) {
    range.changes.push_back(changes_[i]);
  }
  return range;
}

Result<std::vector<AgentSummary>> ReferenceStore::ListAgents() {
  std::lock_guard lock(mu_);
  std::map<std::string, std::uint64_t> counts;
  for (const auto& [arn, record] : records_) ++counts[record.agent_name];
  std::vector<AgentSummary> out;
  for (const auto& [name, n] : counts) out.push_back({name, n});
  return out;
}

Result<std::vector<HourlyStat>> ReferenceStore::ReadHourlyStats(const StatsRequest& request) {
  std::lock_guard lock(mu_);
  std::map<std::tuple<EpochMillis, std::string, ExecutionStatus>, DurationHistogram> cells;
  for (const auto& [arn, record] : records_) {
    const EpochMillis hour = record.start_date - record.start_date % kMillisPerHour;
    if (hour < request.from_hour || hour >= request.to_hour) continue;
    if (request.agent_name && record.agent_name != *request.agent_name) continue;
    if (request.status && record.status != *request.status) continue;
    DurationHistogram& cell = cells[{hour, record.agent_name, record.status}];
    if (auto seconds = DurationSeconds(record)) {
      cell.Add(*seconds);
    } else {
      ++cell.total;  // An execution without a duration: counted, not binned.
    }
  }
  std::vector<HourlyStat> out;
  for (const auto& [key, cell] : cells) {
    HourlyStat stat{.hour = std::get<0>(key),
                    .agent_name = std::get<1>(key),
                    .status = std::get<2>(key),
                    .executions = cell.total,
                    .durations = {}};
    for (std::size_t bin = 0; bin < kDurationBins; ++bin) {
      if (cell.bins[bin] > 0) stat.durations.emplace_back(static_cast<std::uint16_t>(bin), cell.bins[bin]);
    }
    out.push_back(std::move(stat));
  }
  return out;
}

Result<std::optional<std::string>> ReferenceStore::ReadCheckpoint(std::string_view name) {
  if (auto valid = CheckCheckpoint(name, {}); !valid) return std::unexpected(valid.error());
  std::lock_guard lock(mu_);
  const auto it = checkpoints_.find(name);
  if (it == checkpoints_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status ReferenceStore::WriteCheckpoint(std::string_view name, std::string_view value) {
  if (auto valid = CheckCheckpoint(name, value); !valid) return valid;
  std::lock_guard lock(mu_);
  checkpoints_.insert_or_assign(std::string(name), std::string(value));
  return {};
}

Result<std::optional<TagCacheEntry>> ReferenceStore::ReadTagEntry(std::string_view state_machine_arn, const Deadline&) {
  if (auto valid = CheckTagCacheEntry(state_machine_arn, nullptr); !valid) return std::unexpected(valid.error());
  std::lock_guard lock(mu_);
  const auto it = tag_entries_.find(state_machine_arn);
  if (it == tag_entries_.end()) return std::optional<TagCacheEntry>();
  return std::optional<TagCacheEntry>(it->second);
}

Result<bool> ReferenceStore::SwapTagEntry(std::string_view state_machine_arn, std::uint64_t expected_version,
                                          const TagCacheEntry& desired, const Deadline&) {
  if (auto valid = CheckTagCacheEntry(state_machine_arn, &desired); !valid) return std::unexpected(valid.error());
  std::lock_guard lock(mu_);
  const auto it = tag_entries_.find(state_machine_arn);
  if ((it == tag_entries_.end() ? 0 : it->second.version) != expected_version) return false;
  TagCacheEntry entry = desired;
  entry.version = expected_version + 1;
  tag_entries_.insert_or_assign(std::string(state_machine_arn), std::move(entry));
  return true;
}

}  // namespace exidx::testing
