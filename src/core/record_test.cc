#include "core/record.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace exidx {
namespace {

ExecutionRecord Event(ExecutionStatus status, std::optional<EpochMillis> stop, std::int64_t redrive = 0) {
  return ExecutionRecord{.execution_arn = "arn:aws:states:us-west-2:1:execution:m:e",
                         .agent_name = "a",
                         .status = status,
                         .start_date = 1000,
                         .stop_date = stop,
                         .redrive_count = redrive};
}

TEST(Supersedes, AnythingBeatsNothing) {
  EXPECT_TRUE(Supersedes(Event(ExecutionStatus::kRunning, std::nullopt), nullptr));
}

TEST(Supersedes, LateRunningNeverHidesTerminal) {
  const auto succeeded = Event(ExecutionStatus::kSucceeded, 5000);
  const auto running = Event(ExecutionStatus::kRunning, std::nullopt);
  EXPECT_FALSE(Supersedes(running, &succeeded));
  EXPECT_TRUE(Supersedes(succeeded, &running));
  const auto pending = Event(ExecutionStatus::kPendingRedrive, std::nullopt);
  EXPECT_FALSE(Supersedes(pending, &succeeded));
}

TEST(Supersedes, RedriveReopensFailed) {
  const auto failed = Event(ExecutionStatus::kFailed, 5000);
  const auto redriven = Event(ExecutionStatus::kRunning, std::nullopt, 1);
  EXPECT_TRUE(Supersedes(redriven, &failed));
  EXPECT_FALSE(Supersedes(failed, &redriven));
  const auto redriven_done = Event(ExecutionStatus::kSucceeded, 9000, 1);
  EXPECT_TRUE(Supersedes(redriven_done, &redriven));
}

TEST(Supersedes, EqualVersionChangesNothing) {
  const auto a = Event(ExecutionStatus::kFailed, 5000);
  auto b = a;
  b.error = "different";
  EXPECT_FALSE(Supersedes(b, &a));
  EXPECT_FALSE(Supersedes(a, &a));
}

TEST(Supersedes, TiesBrokenByStopDateThenStatus) {
  const auto early = Event(ExecutionStatus::kAborted, 5000);
  const auto late = Event(ExecutionStatus::kSucceeded, 6000);
  EXPECT_TRUE(Supersedes(late, &early));
  const auto succeeded = Event(ExecutionStatus::kSucceeded, 5000);
  const auto failed = Event(ExecutionStatus::kFailed, 5000);
  EXPECT_NE(Supersedes(succeeded, &failed), Supersedes(failed, &succeeded));
}

// Any permutation of an execution's events, with duplicates, merges to the same record.
TEST(Supersedes, PermutationsAndDuplicatesConverge) {
  std::vector<ExecutionRecord> events = {
      Event(ExecutionStatus::kRunning, std::nullopt),
      Event(ExecutionStatus::kFailed, 5000),
      Event(ExecutionStatus::kPendingRedrive, std::nullopt),
      Event(ExecutionStatus::kRunning, std::nullopt, 1),
      Event(ExecutionStatus::kTimedOut, 9000, 1),
      Event(ExecutionStatus::kRunning, std::nullopt, 2),
      Event(ExecutionStatus::kSucceeded, 12000, 2),
  };
  events[1].error = "States.TaskFailed";
  std::mt19937 rng(7);
  std::optional<ExecutionRecord> first;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<ExecutionRecord> stream = events;
    for (int d = 0; d < 3; ++d) stream.push_back(events[rng() % events.size()]);
    std::shuffle(stream.begin(), stream.end(), rng);
    std::optional<ExecutionRecord> current;
    for (const auto& e : stream) {
      if (Supersedes(e, current ? &*current : nullptr)) current = e;
    }
    ASSERT_TRUE(current);
    if (!first) first = current;
    EXPECT_EQ(*current, *first);
  }
  EXPECT_EQ(first->status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(first->redrive_count, 2);
}

TEST(DurationSeconds, MillisecondPrecisionOnlyWhenStopped) {
  auto r = Event(ExecutionStatus::kSucceeded, 1000 + 12345);
  EXPECT_DOUBLE_EQ(*DurationSeconds(r), 12.345);
  EXPECT_FALSE(DurationSeconds(Event(ExecutionStatus::kRunning, std::nullopt)));
}

}  // namespace
}  // namespace exidx
