#include "indexer/indexer.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"
#include "support/fake_monotonic_clock.h"
#include "support/fake_tag_source.h"
#include "support/reference_store.h"
#include "support/wrapping_store.h"

namespace exidx {
namespace {

using testing::FakeClock;
using testing::ReferenceStore;
using testing::WrappingStore;

constexpr std::string_view kAgentMachine = "arn:aws:states:us-west-2:1:stateMachine:sql-agent-prod";
constexpr std::string_view kOtherMachine = "arn:aws:states:us-west-2:1:stateMachine:nightly-etl";

StatusChangeEvent Event(std::string_view machine, std::string name, ExecutionStatus status,
                        std::optional<EpochMillis> stop = std::nullopt) {
  return StatusChangeEvent{
      .event_id = "id-" + name,
      .execution_arn = std::string(machine) + ":exec:" + name,
      .state_machine_arn = std::string(machine),
      .execution_name = name,
      .status = status,
      .start_date = 1000,
      .stop_date = stop,
  };
}

class IndexerTest : public ::testing::Test {
 protected:
  IndexerTest() {
    tags_ = std::move(*FileTagSource::Parse(
        R"({"arn:aws:states:us-west-2:1:stateMachine:sql-agent-prod":
            {"Type": "Agent", "Application": "StepFunctionsAgent", "AgentName": "sql-agent"}})",
        "test"));
  }

  std::unique_ptr<FileTagSource> tags_;
  FakeClock clock_;
  ReferenceStore store_;
};

TEST_F(IndexerTest, CountsIndexedUnchangedSkipped) {
  AgentResolver agents(tags_.get(), AgentRule{}, clock_);
  Indexer indexer(store_, agents, clock_);
  std::vector<ParsedEvent> events = {
      Event(kAgentMachine, "e1", ExecutionStatus::kRunning),
      Event(kAgentMachine, "e1", ExecutionStatus::kSucceeded, 5000),
      Event(kAgentMachine, "e1", ExecutionStatus::kRunning),  // Late: must not regress.
      Event(kOtherMachine, "x", ExecutionStatus::kRunning),   // Not an agent.
      SkippedEvent{"other-kind"},
  };
  auto counts = indexer.Ingest(events);
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(*counts, (IngestCounts{.received = 5, .indexed = 2, .unchanged = 1, .skipped = 2}));
  auto record = store_.Get(std::string(kAgentMachine) + ":exec:e1").value();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(record->agent_name, "sql-agent");
  EXPECT_EQ(record->indexed_at, clock_.NowMillis());
  EXPECT_FALSE(store_.Get(std::string(kOtherMachine) + ":exec:x").value());
}

TEST_F(IndexerTest, FailedTagLookupFailsTheBatchAndIndexesNothing) {
  testing::FakeTagSource failing;
  failing.FailWith(ErrorCode::kUnavailable, "ThrottlingException");
  AgentResolver agents(&failing, AgentRule{}, clock_);
  Indexer indexer(store_, agents, clock_);
  std::vector<ParsedEvent> events = {Event(kAgentMachine, "e1", ExecutionStatus::kRunning)};
  auto counts = indexer.Ingest(events);
  ASSERT_FALSE(counts);
  EXPECT_EQ(counts.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(store_.Get(std::string(kAgentMachine) + ":exec:e1").value());
}

TEST_F(IndexerTest, StoreFailureIsReturnedNotSwallowed) {
  AgentResolver agents(tags_.get(), AgentRule{}, clock_);
  WrappingStore failing(store_);
  failing.FailEvery(WrappingStore::Method::kApply, ErrorCode::kUnavailable, "disk full");
  Indexer indexer(failing, agents, clock_);
  std::vector<ParsedEvent> events = {Event(kAgentMachine, "e1", ExecutionStatus::kRunning)};
  auto counts = indexer.Ingest(events);
  ASSERT_FALSE(counts);
  EXPECT_EQ(counts.error().message, "disk full");
}

TEST_F(IndexerTest, IndexAllIndexesNonAgents) {
  AgentResolver agents(nullptr, AgentRule{.index_all = true}, clock_);
  Indexer indexer(store_, agents, clock_);
  std::vector<ParsedEvent> events = {Event(kOtherMachine, "x", ExecutionStatus::kRunning)};
  ASSERT_EQ(indexer.Ingest(events)->indexed, 1u);
  EXPECT_EQ(store_.Get(std::string(kOtherMachine) + ":exec:x").value()->agent_name, "nightly-etl");
}

TEST(RenderIngestCounts, ContractShape) {
  EXPECT_EQ(RenderIngestCounts({.received = 3, .indexed = 2, .unchanged = 1, .skipped = 0}),
            R"({"received":3,"indexed":2,"unchanged":1,"skipped":0})");
}

}  // namespace
}  // namespace exidx

namespace exidx {
namespace {

class IndexerFailureTest : public IndexerTest {};

TEST_F(IndexerFailureTest, AFailedBatchTellsItsKnownAppliedPrefix) {
  AgentResolver agents(tags_.get(), AgentRule{}, clock_);
  // Applies the first 2 candidates, then fails, reporting those as known:
  // what DynamoDbStore does when a PutItem outlasts its retries.
  WrappingStore store(store_);
  store.ApplyAtMost(2, ErrorCode::kUnavailable, "PutItem: ThrottlingException (after 4 attempts)");
  Indexer indexer(store, agents, clock_);
  std::vector<ParsedEvent> events = {
      Event(kAgentMachine, "a", ExecutionStatus::kRunning),  // candidate 0: applied
      SkippedEvent{"other-kind"},                            // nothing to apply
      Event(kOtherMachine, "x", ExecutionStatus::kRunning),  // not an agent
      Event(kAgentMachine, "a", ExecutionStatus::kRunning),  // candidate 1: applied, unchanged
      Event(kAgentMachine, "b", ExecutionStatus::kRunning),  // candidate 2: not applied
      Event(kAgentMachine, "c", ExecutionStatus::kRunning),
  };
  IngestCounts applied{.received = 99};
  auto counts = indexer.Ingest(events, Deadline::Never(), &applied);
  ASSERT_FALSE(counts);
  EXPECT_EQ(counts.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(applied, (IngestCounts{.received = 4, .indexed = 1, .unchanged = 1, .skipped = 2}));
}

TEST_F(IndexerFailureTest, NothingKnownAppliedWhenTagsFailOrTheStoreIsAtomic) {
  testing::FakeTagSource failing;
  failing.FailWith(ErrorCode::kUnavailable, "ThrottlingException");
  AgentResolver failing_agents(&failing, AgentRule{}, clock_);
  Indexer failing_tags(store_, failing_agents, clock_);
  std::vector<ParsedEvent> events = {SkippedEvent{"k"}, Event(kAgentMachine, "a", ExecutionStatus::kRunning)};
  IngestCounts applied{.received = 99};
  ASSERT_FALSE(failing_tags.Ingest(events, Deadline::Never(), &applied));
  EXPECT_EQ(applied, IngestCounts{});

  AgentResolver agents(tags_.get(), AgentRule{}, clock_);
  WrappingStore failing_store(store_);
  failing_store.FailEvery(WrappingStore::Method::kApply, ErrorCode::kUnavailable, "disk full");
  Indexer atomic(failing_store, agents, clock_);
  applied = IngestCounts{.received = 99};
  ASSERT_FALSE(atomic.Ingest(events, Deadline::Never(), &applied));
  EXPECT_EQ(applied, (IngestCounts{.received = 1, .skipped = 1}));  // The skipped event needed nothing.
}

TEST_F(IndexerFailureTest, TheDeadlineReachesTheStoreAndAnExpiredOneWritesNothing) {
  AgentResolver agents(tags_.get(), AgentRule{}, clock_);
  WrappingStore store(store_);
  Indexer indexer(store, agents, clock_);
  std::vector<ParsedEvent> events = {Event(kAgentMachine, "a", ExecutionStatus::kRunning)};
  testing::FakeMonotonicClock monotonic;
  ASSERT_TRUE(indexer.Ingest(events, Deadline::After(std::chrono::milliseconds(50), monotonic)));
  EXPECT_TRUE(store.last_apply_deadline_bounded());
  auto late = indexer.Ingest(events, Deadline::After(std::chrono::milliseconds(0), monotonic));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(late.error().message.find("deadline"), std::string::npos) << late.error().message;
}

}  // namespace
}  // namespace exidx
