#include "support/reference_store.h"

#include <algorithm>

namespace exidx::testing {

Result<std::vector<ApplyOutcome>> ReferenceStore::Apply(std::span<const ExecutionRecord> candidates) {
  std::lock_guard lock(mu_);
  if (fail_apply_) return std::unexpected(*fail_apply_);
  std::vector<ApplyOutcome> outcomes;
  for (const ExecutionRecord& candidate : candidates) {
    auto it = records_.find(candidate.execution_arn);
    const ExecutionRecord* current = it == records_.end() ? nullptr : &it->second;
    if (Supersedes(candidate, current)) {
      records_[candidate.execution_arn] = candidate;
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

}  // namespace exidx::testing
