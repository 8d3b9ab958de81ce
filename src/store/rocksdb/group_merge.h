// The version-rule merge of one group commit, as a pure function: what the
// candidates of every call in the group make of the stored records. No I/O;
// the store reads the records before and writes the outcome after.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "store/execution_store.h"

namespace exidx {

// The calls of a group, in queue order, each with its candidates in order.
using GroupCalls = std::span<const std::span<const ExecutionRecord>>;

// The executions a group names, each once.
struct GroupExecutions {
  std::vector<std::string_view> arns;  // In order of first appearance.
  // For every candidate, calls in order and candidates in order within
  // each: the index of its executionArn in `arns`.
  std::vector<std::size_t> slots;
};

GroupExecutions ExecutionsOf(GroupCalls calls);

// One execution whose record the group replaced.
struct Replacement {
  const ExecutionRecord* before = nullptr;  // The stored record; nullptr: a new execution.
  // The winning candidate; nullptr: the record is deleted (an expired one,
  // by RocksDbStore::DeleteExpired; MergeGroup never deletes).
  const ExecutionRecord* after = nullptr;
};

struct MergedGroup {
  std::vector<std::vector<ApplyOutcome>> outcomes;  // Per call, per candidate.
  std::vector<Replacement> replaced;                 // executionArn order, each execution once.
  // Every candidate that superseded the record before it (the stored one or
  // an earlier candidate of the group), in apply order: the change feed's
  // entries. The last of an execution's is its Replacement's `after`.
  std::vector<const ExecutionRecord*> changes;
};

// Applies the candidates in queue order, each against the newest record so
// far (Supersedes), as if each call had been applied alone, one after the
// other. `stored[i]` is the stored record of `executions.arns[i]`, if any.
// The result points into `calls` and `stored`, which must outlive it.
MergedGroup MergeGroup(GroupCalls calls, const GroupExecutions& executions,
                       std::span<const std::optional<ExecutionRecord>> stored);

}  // namespace exidx
