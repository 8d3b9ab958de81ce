// Reconcile against moto_server's Step Functions: an execution whose
// terminal event was lost becomes terminal, one never seen appears, and a
// run keeps to its call budget while successive runs reach every record.
#include "indexer/reconcile.h"

#include <gtest/gtest.h>

#include <map>

#include "aws/moto_server.h"
#include "backfill/step_functions_world.h"
#include "indexer/indexer.h"
#include "indexer/step_functions_tag_source.h"
#include "store/rocksdb/rocksdb_store.h"
#include "support/temp_dir.h"

namespace exidx {
namespace {

using aws::testing::MotoServer;
using testing::kAgentTags;
using testing::RegionsOver;
using testing::StepFunctionsWorld;

class ReconcileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!MotoServer::Shared().ok()) GTEST_SKIP() << "moto_server unavailable: " << MotoServer::Shared().error();
    regions_ = RegionsOver(MotoServer::Shared().Context());
    ASSERT_TRUE(regions_);
    tags_ = std::make_unique<StepFunctionsTagSource>(regions_);
    resolver_ = std::make_unique<AgentResolver>(tags_.get(), AgentRule{}, clock_);
    auto store = RocksDbStore::Open({.path = dir_.File("db"), .durability = Durability::kRelaxed});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  // Indexes every listed execution of `machine` as RUNNING, as if only its
  // RUNNING event had arrived.
  void IndexAsRunning(const std::string& machine) {
    std::vector<ParsedEvent> events;
    for (const auto& listed : StepFunctionsWorld(regions_->Home()).Listing(machine)) {
      events.emplace_back(StatusChangeEvent{.execution_arn = listed.execution_arn,
                                            .state_machine_arn = machine,
                                            .execution_name = listed.name,
                                            .status = ExecutionStatus::kRunning,
                                            .start_date = listed.start_date});
    }
    Indexer indexer(*store_, *resolver_, clock_);
    auto counts = indexer.Ingest(events);
    ASSERT_TRUE(counts) << counts.error().message;
  }

  Result<ReconcileCounts> RunReconcile(ReconcileOptions options) {
    // The executions started just now: "stale" after 0 ms.
    options.older_than = std::chrono::milliseconds(0);
    Reconcile reconcile(*store_, *resolver_, *regions_, clock_, std::move(options));
    return reconcile.Run();
  }

  std::map<std::string, ExecutionStatus> Statuses() {
    std::map<std::string, ExecutionStatus> statuses;
    for (const auto& record : testing::AllRecords(*store_)) statuses[record.execution_arn] = record.status;
    return statuses;
  }

  SystemClock clock_;
  testing::TempDir dir_{"reconcile"};
  std::shared_ptr<aws::StepFunctionsRegions> regions_;
  std::unique_ptr<StepFunctionsTagSource> tags_;
  std::unique_ptr<AgentResolver> resolver_;
  std::unique_ptr<RocksDbStore> store_;
};

TEST_F(ReconcileTest, ExecutionsWhoseTerminalEventWasLostBecomeTerminal) {
  StepFunctionsWorld world(regions_->Home());
  const std::string machine = world.StateMachine("lost-terminal-events", kAgentTags);
  const auto arns = world.Executions(machine, 6, /*stop_every=*/2);  // 0, 2, 4 ABORTED.
  IndexAsRunning(machine);

  auto counts = RunReconcile({.state_machines = {machine}});
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->stale, 6u);
  EXPECT_EQ(counts->repaired, 3u);
  EXPECT_EQ(counts->still_running, 3u);
  EXPECT_EQ(counts->discovery.indexed, 0u);  // Listed again, nothing new.
  const auto statuses = Statuses();
  for (std::size_t i = 0; i < arns.size(); ++i) {
    EXPECT_EQ(statuses.at(arns[i]), i % 2 == 0 ? ExecutionStatus::kAborted : ExecutionStatus::kRunning) << arns[i];
  }

  // Again: nothing more to repair.
  auto again = RunReconcile({.state_machines = {machine}});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->stale, 3u);
  EXPECT_EQ(again->repaired, 0u);
}

TEST_F(ReconcileTest, RecordsThatKeepRunningNeverStarveDiscovery) {
  StepFunctionsWorld world(regions_->Home());
  const std::string running = world.StateMachine("long-running-agent", kAgentTags);
  world.Executions(running, 30);  // RUNNING, and they stay so.
  IndexAsRunning(running);
  const std::string lost = world.StateMachine("events-lost-agent", kAgentTags);
  const auto arns = world.Executions(lost, 2);

  auto counts = RunReconcile({.max_calls = 10, .state_machines = {lost}});
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->stale, 5u);  // Half the budget; the other half lists.
  EXPECT_EQ(counts->discovery.indexed, 2u);
  EXPECT_EQ(Statuses().count(arns[0]), 1u);
}

TEST_F(ReconcileTest, AnExecutionNeverSeenAppears) {
  StepFunctionsWorld world(regions_->Home());
  const std::string machine = world.StateMachine("all-events-lost", kAgentTags);
  const auto arns = world.Executions(machine, 3, /*stop_every=*/3);
  ASSERT_TRUE(Statuses().empty());

  auto counts = RunReconcile({.state_machines = {machine}});
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->discovery.indexed, 3u);
  const auto statuses = Statuses();
  EXPECT_EQ(statuses.size(), 3u);
  EXPECT_EQ(statuses.at(arns[0]), ExecutionStatus::kAborted);
  EXPECT_EQ(statuses.at(arns[1]), ExecutionStatus::kRunning);
}

TEST_F(ReconcileTest, EachRunKeepsToItsCallBudgetAndSuccessiveRunsReachEveryRecord) {
  StepFunctionsWorld world(regions_->Home());
  const std::string machine = world.StateMachine("many-lost-events", kAgentTags);
  const auto arns = world.Executions(machine, 25, /*stop_every=*/1);  // All ABORTED.
  IndexAsRunning(machine);

  std::uint64_t repaired = 0;
  int runs = 0;
  for (; runs < 10 && repaired < arns.size(); ++runs) {
    const auto before = regions_->Stats().calls.calls;
    auto counts = RunReconcile({.max_calls = 8, .state_machines = {machine}});
    ASSERT_TRUE(counts) << counts.error().message;
    EXPECT_LE(regions_->Stats().calls.calls - before, 8u);
    EXPECT_EQ(counts->calls, regions_->Stats().calls.calls - before);
    EXPECT_LE(counts->stale, 4u);  // The stale pass takes half the budget at most.
    // The listing brings the newer status of the ones it reaches too.
    repaired += counts->repaired + counts->discovery.indexed;
  }
  EXPECT_EQ(repaired, arns.size());
  EXPECT_GE(runs, 4);  // 25 descriptions at 8 calls a run.
  for (const auto& [arn, status] : Statuses()) EXPECT_EQ(status, ExecutionStatus::kAborted) << arn;
}

}  // namespace
}  // namespace exidx
