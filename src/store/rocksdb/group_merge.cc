#include "store/rocksdb/group_merge.h"

#include <algorithm>
#include <unordered_map>

namespace exidx {

GroupExecutions ExecutionsOf(GroupCalls calls) {
  GroupExecutions out;
  std::unordered_map<std::string_view, std::size_t> slot_of;
  for (const std::span<const ExecutionRecord> call : calls) {
    for (const ExecutionRecord& candidate : call) {
      const auto [entry, added] = slot_of.try_emplace(candidate.execution_arn, out.arns.size());
      if (added) out.arns.push_back(candidate.execution_arn);
      out.slots.push_back(entry->second);
    }
  }
  return out;
}

MergedGroup MergeGroup(GroupCalls calls, const GroupExecutions& executions,
                       std::span<const std::optional<ExecutionRecord>> stored) {
  MergedGroup out;
  std::vector<const ExecutionRecord*> newest(executions.arns.size());
  for (std::size_t i = 0; i < newest.size(); ++i) newest[i] = stored[i] ? &*stored[i] : nullptr;

  out.outcomes.reserve(calls.size());
  std::size_t next = 0;  // Into executions.slots.
  for (const std::span<const ExecutionRecord> call : calls) {
    std::vector<ApplyOutcome>& outcomes = out.outcomes.emplace_back();
    outcomes.reserve(call.size());
    for (const ExecutionRecord& candidate : call) {
      const ExecutionRecord*& current = newest[executions.slots[next++]];
      if (Supersedes(candidate, current)) {
        current = &candidate;
        out.changes.push_back(&candidate);
        outcomes.push_back(ApplyOutcome::kIndexed);
      } else {
        outcomes.push_back(ApplyOutcome::kUnchanged);
      }
    }
  }

  for (std::size_t i = 0; i < newest.size(); ++i) {
    const ExecutionRecord* before = stored[i] ? &*stored[i] : nullptr;
    if (newest[i] != before) out.replaced.push_back(Replacement{before, newest[i]});
  }
  std::sort(out.replaced.begin(), out.replaced.end(),
            [](const Replacement& a, const Replacement& b) { return a.after->execution_arn < b.after->execution_arn; });
  return out;
}

}  // namespace exidx
