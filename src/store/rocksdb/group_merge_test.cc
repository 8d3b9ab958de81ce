#include "store/rocksdb/group_merge.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "support/record_builder.h"
#include "support/reference_store.h"

namespace exidx {
namespace {

using testing::Exec;

// A random group: some executions stored, and calls whose candidates name
// few executions, so that they often meet each other and the stored records.
struct RandomGroup {
  std::vector<ExecutionRecord> stored;
  std::vector<std::vector<ExecutionRecord>> calls;
};

RandomGroup MakeGroup(std::mt19937& random) {
  const auto pick = [&random](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  const auto candidate = [&](int arn) {
    const auto status = kAllStatuses[static_cast<std::size_t>(pick(static_cast<int>(kAllStatuses.size())))];
    const bool stopped = IsTerminal(status) || pick(4) == 0;
    return Exec("arn:aws:states:us-east-1:123456789012:execution:m:e" + std::to_string(arn),
                "agent-" + std::to_string(pick(3)), status, 1'000 + pick(3),
                stopped ? std::optional<EpochMillis>(2'000 + pick(4)) : std::nullopt, pick(3));
  };
  RandomGroup group;
  const int executions = 1 + pick(5);
  for (int arn = 0; arn < executions; ++arn) {
    if (pick(2) == 0) group.stored.push_back(candidate(arn));
  }
  group.calls.resize(static_cast<std::size_t>(pick(6)));
  for (auto& call : group.calls) {
    const int n = pick(8);
    for (int i = 0; i < n; ++i) call.push_back(candidate(pick(executions)));
  }
  return group;
}

// The spans of a group's calls, as the store hands them to the merge.
std::vector<std::span<const ExecutionRecord>> CallsOf(const RandomGroup& group) {
  return {group.calls.begin(), group.calls.end()};
}

TEST(GroupMergeTest, MatchesApplyingEachCallAloneToTheReferenceStore) {
  std::mt19937 random(20261201);
  for (int round = 0; round < 5000; ++round) {
    const RandomGroup group = MakeGroup(random);
    SCOPED_TRACE("round " + std::to_string(round));

    testing::ReferenceStore reference;
    ASSERT_TRUE(reference.Apply(group.stored).has_value());
    const std::uint64_t preloaded = reference.ReadChanges(0, 1'000)->latest;
    std::vector<std::vector<ApplyOutcome>> expected_outcomes;
    for (const auto& call : group.calls) expected_outcomes.push_back(*reference.Apply(call));

    const auto calls = CallsOf(group);
    const GroupExecutions executions = ExecutionsOf(calls);
    std::vector<std::optional<ExecutionRecord>> stored;
    for (std::string_view arn : executions.arns) stored.push_back(*reference.Get(std::string(arn)));
    // The reference holds the group's outcome now, so the stored records
    // come from the group's input instead.
    std::map<std::string, ExecutionRecord, std::less<>> before;
    for (const ExecutionRecord& record : group.stored) before.emplace(record.execution_arn, record);
    for (std::size_t i = 0; i < stored.size(); ++i) {
      auto it = before.find(executions.arns[i]);
      stored[i] = it == before.end() ? std::nullopt : std::optional<ExecutionRecord>(it->second);
    }
    const MergedGroup merged = MergeGroup(calls, executions, stored);

    EXPECT_EQ(merged.outcomes, expected_outcomes);
    const ChangeRange changes = *reference.ReadChanges(preloaded, 100'000);
    ASSERT_EQ(merged.changes.size(), changes.changes.size());
    for (std::size_t i = 0; i < changes.changes.size(); ++i) EXPECT_EQ(*merged.changes[i], changes.changes[i].record);

    // Every execution whose record the group changed, once, in executionArn
    // order, from its stored record to the reference's.
    std::vector<std::string> replaced_arns;
    for (const Replacement& replacement : merged.replaced) {
      const std::string& arn = replacement.after->execution_arn;
      replaced_arns.push_back(arn);
      EXPECT_EQ(*replacement.after, **reference.Get(arn));
      auto it = before.find(arn);
      if (it == before.end()) {
        EXPECT_EQ(replacement.before, nullptr);
      } else {
        ASSERT_NE(replacement.before, nullptr);
        EXPECT_EQ(*replacement.before, it->second);
      }
    }
    std::vector<std::string> changed_arns;
    for (std::string_view arn : executions.arns) {
      auto it = before.find(arn);
      const std::optional<ExecutionRecord> now = *reference.Get(std::string(arn));
      if (it == before.end() || *now != it->second) changed_arns.emplace_back(arn);
    }
    std::sort(changed_arns.begin(), changed_arns.end());
    EXPECT_EQ(replaced_arns, changed_arns);
  }
}

TEST(GroupMergeTest, ExecutionsOfNamesEachExecutionOnceInOrderOfFirstAppearance) {
  const std::vector<ExecutionRecord> first = {Exec("arn:b", "a", ExecutionStatus::kRunning, 1),
                                              Exec("arn:a", "a", ExecutionStatus::kRunning, 1)};
  const std::vector<ExecutionRecord> second = {Exec("arn:a", "a", ExecutionStatus::kSucceeded, 1, 5),
                                               Exec("arn:c", "a", ExecutionStatus::kRunning, 1),
                                               Exec("arn:b", "a", ExecutionStatus::kFailed, 1, 5)};
  const std::vector<std::span<const ExecutionRecord>> calls = {first, second};
  const GroupExecutions executions = ExecutionsOf(calls);
  EXPECT_EQ(executions.arns, (std::vector<std::string_view>{"arn:b", "arn:a", "arn:c"}));
  EXPECT_EQ(executions.slots, (std::vector<std::size_t>{0, 1, 1, 2, 0}));
}

TEST(GroupMergeTest, AnEmptyGroupChangesNothing) {
  const MergedGroup merged = MergeGroup({}, GroupExecutions{}, {});
  EXPECT_TRUE(merged.outcomes.empty());
  EXPECT_TRUE(merged.replaced.empty());
  EXPECT_TRUE(merged.changes.empty());
}

}  // namespace
}  // namespace exidx
