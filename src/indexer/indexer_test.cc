#include "indexer/indexer.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"
#include "support/reference_store.h"

namespace exidx {
namespace {

using testing::FakeClock;
using testing::ReferenceStore;

constexpr std::string_view kAgentMachine = "arn:aws:states:us-west-2:1:stateMachine:sql-agent-prod";
constexpr std::string_view kOtherMachine = "arn:aws:states:us-west-2:1:stateMachine:nightly-etl";

class FailingTagSource final : public TagSource {
 public:
  Result<Tags> TagsOf(const std::string&) override {
    return Fail(ErrorCode::kUnavailable, "ThrottlingException");
  }
};

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
  FailingTagSource failing;
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
  Indexer indexer(store_, agents, clock_);
  store_.FailApplyWith(Error{ErrorCode::kUnavailable, "disk full"});
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
