// Backfill against moto_server's Step Functions: what it indexes is what
// Step Functions lists, record by record; live data it meets is never
// regressed; a stopped run resumes with fewer calls; faults on the way
// (throttling, 5xx, cut connections) change nothing in the result.
#include "indexer/backfill.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "aws/moto_server.h"
#include "backfill/step_functions_world.h"
#include "dynamodb/fault_proxy.h"
#include "indexer/indexer.h"
#include "indexer/step_functions_tag_source.h"
#include "store/dynamodb/dynamodb_store.h"
#include "store/rocksdb/rocksdb_store.h"
#include "support/temp_dir.h"

namespace exidx {
namespace {

namespace json = boost::json;
using aws::testing::MotoServer;
using testing::AllRecords;
using testing::kAgentTags;
using testing::RegionsOver;
using testing::StepFunctionsWorld;

// An ExecutionStore that forwards to another and fails its `fail_at`-th
// Apply (1-based) and every one after it, as a store that went away.
class StoreThatStops final : public ExecutionStore {
 public:
  StoreThatStops(ExecutionStore& inner, int fail_at) : inner_(inner), fail_at_(fail_at) {}
  using ExecutionStore::Apply;
  Result<std::vector<ApplyOutcome>> Apply(std::span<const ExecutionRecord> candidates, const Deadline& deadline,
                                          KnownOutcomes* known) override {
    if (++applies_ >= fail_at_) return Fail(ErrorCode::kUnavailable, "the store went away");
    return inner_.Apply(candidates, deadline, known);
  }
  Result<std::vector<ExecutionRecord>> Scan(const ScanRequest& request) override { return inner_.Scan(request); }
  Result<std::optional<ExecutionRecord>> Get(std::string_view arn) override { return inner_.Get(arn); }
  Result<std::string> PageTokenSecret() override { return inner_.PageTokenSecret(); }
  Result<std::optional<std::string>> ReadCheckpoint(std::string_view name) override {
    return inner_.ReadCheckpoint(name);
  }
  Status WriteCheckpoint(std::string_view name, std::string_view value) override {
    return inner_.WriteCheckpoint(name, value);
  }

 private:
  ExecutionStore& inner_;
  const int fail_at_;
  std::atomic<int> applies_{0};
};

class BackfillTest : public ::testing::Test {
 protected:
  // One moto for the suite, with a large agent (more than one page of 1,000
  // executions, a quarter of them stopped), a small one without AgentName
  // and a state machine that is no agent.
  static void SetUpTestSuite() {
    if (!Moto().ok()) return;
    auto regions = RegionsOver(Moto().Context());
    StepFunctionsWorld world(regions->Home());
    big_ = new std::string(world.StateMachine("big-agent", [] {
      Tags tags = kAgentTags;
      tags["AgentName"] = "researcher";
      return tags;
    }()));
    small_ = new std::string(world.StateMachine("small-agent", kAgentTags));
    other_ = new std::string(world.StateMachine("batch-job", {{"Type", "Batch"}}));
    world.Executions(*big_, 1100, 4);
    world.Executions(*small_, 3, 2);
    world.Executions(*other_, 2);
  }

  void SetUp() override {
    if (!Moto().ok()) GTEST_SKIP() << "moto_server unavailable: " << Moto().error();
    regions_ = RegionsOver(Moto().Context());
    ASSERT_TRUE(regions_);
    tags_ = std::make_unique<StepFunctionsTagSource>(regions_);
    resolver_ = std::make_unique<AgentResolver>(tags_.get(), AgentRule{}, clock_);
  }

  static MotoServer& Moto() { return MotoServer::Shared(); }

  std::unique_ptr<RocksDbStore> NewStore(const std::string& name) {
    auto store = RocksDbStore::Open({.path = dir_.File(name), .durability = Durability::kRelaxed});
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  Result<BackfillCounts> RunBackfill(ExecutionStore& store, BackfillOptions options,
                                     aws::StepFunctionsRegions* regions = nullptr) {
    if (options.state_machines.empty()) options.state_machines = {*big_, *small_, *other_};
    Backfill backfill(store, *resolver_, regions ? *regions : *regions_, clock_, std::move(options));
    return backfill.Run();
  }

  static std::string* big_;
  static std::string* small_;
  static std::string* other_;
  SystemClock clock_;
  testing::TempDir dir_{"backfill"};
  std::shared_ptr<aws::StepFunctionsRegions> regions_;
  std::unique_ptr<StepFunctionsTagSource> tags_;
  std::unique_ptr<AgentResolver> resolver_;
};

std::string* BackfillTest::big_ = nullptr;
std::string* BackfillTest::small_ = nullptr;
std::string* BackfillTest::other_ = nullptr;

TEST_F(BackfillTest, IndexesWhatStepFunctionsListsRecordByRecord) {
  auto store = NewStore("db");
  auto counts = RunBackfill(*store, {});
  ASSERT_TRUE(counts) << counts.error().message;

  StepFunctionsWorld world(regions_->Home());
  std::map<std::string, aws::ExecutionSummary> listed;
  for (const auto* machine : {big_, small_}) {
    for (auto& execution : world.Listing(*machine)) listed.emplace(execution.execution_arn, execution);
  }
  ASSERT_EQ(listed.size(), 1103u);
  EXPECT_EQ(counts->state_machines, 3u);
  EXPECT_EQ(counts->state_machines_done, 3u);
  EXPECT_EQ(counts->not_agents, 1u);
  EXPECT_EQ(counts->listed, 1103u);
  EXPECT_EQ(counts->indexed, 1103u);
  EXPECT_EQ(counts->described, 275u + 2u);  // The stopped ones: ABORTED may carry an error and cause.

  const auto records = AllRecords(*store);
  ASSERT_EQ(records.size(), listed.size());
  for (const auto& record : records) {
    SCOPED_TRACE(record.execution_arn);
    const auto it = listed.find(record.execution_arn);
    ASSERT_NE(it, listed.end()) << "indexed but not listed";
    const aws::ExecutionSummary& want = it->second;
    EXPECT_EQ(record.agent_name, want.state_machine_arn == *big_ ? "researcher" : "small-agent");
    EXPECT_EQ(record.state_machine_arn, want.state_machine_arn);
    EXPECT_EQ(record.execution_name, want.name);
    EXPECT_EQ(StatusName(record.status), want.status);
    EXPECT_EQ(record.start_date, want.start_date);
    EXPECT_EQ(record.stop_date, want.stop_date);
  }

  // Twice: nothing changes, and nothing already indexed is described again.
  auto again = RunBackfill(*store, {});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->indexed, 0u);
  EXPECT_EQ(again->unchanged, 1103u);
  EXPECT_EQ(again->described, 0u);
  EXPECT_EQ(AllRecords(*store), records);
}

TEST_F(BackfillTest, LiveEventsNewerThanTheListingSurviveBeforeAndDuring) {
  StepFunctionsWorld world(regions_->Home());
  const std::string machine = world.StateMachine("live-agent", kAgentTags);
  const auto arns = world.Executions(machine, 60);  // All RUNNING in Step Functions.
  const auto listing = world.Listing(machine);
  std::map<std::string, EpochMillis> started;
  for (const auto& execution : listing) started[execution.execution_arn] = execution.start_date;

  auto store = NewStore("db");
  Indexer indexer(*store, *resolver_, clock_);
  auto succeed = [&](const std::string& arn) {
    StatusChangeEvent event{.execution_arn = arn,
                            .state_machine_arn = machine,
                            .execution_name = arn.substr(arn.rfind(':') + 1),
                            .status = ExecutionStatus::kSucceeded,
                            .start_date = started.at(arn),
                            .stop_date = started.at(arn) + 1234};
    std::vector<ParsedEvent> events = {event};
    auto counts = indexer.Ingest(events);
    EXPECT_TRUE(counts) << counts.error().message;
  };
  for (int i = 0; i < 10; ++i) succeed(arns[i]);  // Before the backfill.
  std::atomic<bool> done{false};
  std::thread live([&] {  // During it: pages of 5 take a while.
    for (int i = 10; i < 30; ++i) succeed(arns[i]);
    done = true;
  });
  auto counts = RunBackfill(*store, {.state_machines = {machine}, .page_size = 5});
  live.join();
  ASSERT_TRUE(counts) << counts.error().message;
  ASSERT_TRUE(done);

  for (std::size_t i = 0; i < arns.size(); ++i) {
    auto record = store->Get(arns[i]);
    ASSERT_TRUE(record && *record) << arns[i];
    EXPECT_EQ((*record)->status, i < 30 ? ExecutionStatus::kSucceeded : ExecutionStatus::kRunning) << arns[i];
  }
}

TEST_F(BackfillTest, SinceStopsTheListingAndUntilSkipsTheNewest) {
  StepFunctionsWorld world(regions_->Home());
  const auto listing = world.Listing(*big_);  // Newest first.
  ASSERT_GT(listing.size(), 700u);
  const EpochMillis since = listing[600].start_date, until = listing[100].start_date;
  std::set<std::string> expected;
  for (const auto& execution : listing) {
    if (execution.start_date >= since && execution.start_date <= until) expected.insert(execution.execution_arn);
  }
  auto store = NewStore("db");
  auto counts = RunBackfill(*store, {.since = since, .until = until, .state_machines = {*big_}, .page_size = 50});
  ASSERT_TRUE(counts) << counts.error().message;
  std::set<std::string> got;
  for (const auto& record : AllRecords(*store)) got.insert(record.execution_arn);
  EXPECT_EQ(got, expected);
  EXPECT_LT(counts->listed, 700u);  // The listing stopped at --since instead of going on.
  EXPECT_GE(counts->after_until, 100u);
}

TEST_F(BackfillTest, AStoppedRunResumesWhereItWasWithFewerCallsAndTheSameRecords) {
  auto reference = NewStore("reference");
  const auto full_before = regions_->Stats().calls.requests;
  ASSERT_TRUE(RunBackfill(*reference, {.page_size = 100}));
  const auto full_calls = regions_->Stats().calls.requests - full_before;

  auto store = NewStore("db");
  {
    StoreThatStops stops(*store, /*fail_at=*/9);
    auto stopped = RunBackfill(stops, {.parallel = 1, .page_size = 100});
    ASSERT_FALSE(stopped);
    EXPECT_EQ(stopped.error().code, ErrorCode::kUnavailable);
  }
  auto resumed_regions = RegionsOver(Moto().Context());
  auto resumed = RunBackfill(*store, {.resume = true, .parallel = 1, .page_size = 100}, resumed_regions.get());
  ASSERT_TRUE(resumed) << resumed.error().message;
  const auto resumed_calls = resumed_regions->Stats().calls.requests;
  EXPECT_LT(resumed_calls, full_calls / 2) << "resumed " << resumed_calls << ", full " << full_calls;
  EXPECT_EQ(AllRecords(*store), AllRecords(*reference));

  // A finished run resumed again has nothing to do.
  auto finished = RunBackfill(*store, {.resume = true, .parallel = 1, .page_size = 100});
  ASSERT_TRUE(finished) << finished.error().message;
  EXPECT_TRUE(finished->finished_before);
  EXPECT_EQ(finished->listed, 0u);
}

TEST_F(BackfillTest, ACallBudgetStopsTheRunForNowAndResumeContinuesIt) {
  auto reference = NewStore("reference");
  ASSERT_TRUE(RunBackfill(*reference, {.page_size = 100}));
  auto store = NewStore("db");
  BackfillOptions options{.resume = true, .parallel = 1, .page_size = 100, .max_calls = 60};
  int runs = 0;
  for (bool stopped = true; stopped && runs < 20; ++runs) {
    auto regions = RegionsOver(Moto().Context());  // Counts this run's calls alone.
    auto counts = RunBackfill(*store, options, regions.get());
    ASSERT_TRUE(counts) << counts.error().message;
    EXPECT_LE(regions->Stats().calls.calls, 60u + 1u);  // Tags come from the fixture's cache.
    stopped = counts->stopped;
  }
  EXPECT_GE(runs, 5);  // About 290 calls in all.
  EXPECT_EQ(AllRecords(*store), AllRecords(*reference));
}

TEST_F(BackfillTest, ResumeRefusesOptionsOtherThanTheRunsOwn) {
  auto store = NewStore("db");
  ASSERT_TRUE(RunBackfill(*store, {.since = 1000, .state_machines = {*small_}}));
  auto other = RunBackfill(*store, {.since = 2000, .state_machines = {*small_}, .resume = true});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kInvalidParameter);
  EXPECT_NE(other.error().message.find("since"), std::string::npos) << other.error().message;
}

TEST_F(BackfillTest, OnDynamoDbTheSameRecordsWithConditionalWritesInParallel) {
  auto reference = NewStore("reference");
  ASSERT_TRUE(RunBackfill(*reference, {.page_size = 500}));

  auto client = aws::JsonClient::Create(Moto().Context(), aws::AwsService::kDynamoDb, "DynamoDB_20120810",
                                        {.retry_base = std::chrono::milliseconds(5)});
  ASSERT_TRUE(client);
  const std::string table = "backfill-" + std::to_string(::getpid());
  ASSERT_TRUE(DynamoDbStore::CreateTable(**client, table, TableLayout::kFull));
  auto store = DynamoDbStore::Open(std::move(*client), {.table_name = table, .max_writes_in_flight = 8});
  ASSERT_TRUE(store) << store.error().message;
  auto counts = RunBackfill(**store, {.page_size = 500});
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->indexed, 1103u);
  EXPECT_EQ(AllRecords(**store), AllRecords(*reference));
  // Resumable there too: the checkpoints are items of the table.
  auto finished = RunBackfill(**store, {.resume = true, .page_size = 500});
  ASSERT_TRUE(finished) << finished.error().message;
  EXPECT_TRUE(finished->finished_before);
}

TEST_F(BackfillTest, ThrottlingServerErrorsAndCutConnectionsChangeNothingInTheResult) {
  auto reference = NewStore("reference");
  ASSERT_TRUE(RunBackfill(*reference, {.page_size = 200}));

  testing::FaultProxy proxy(Moto().url(), /*seed=*/13);
  proxy.SetFaults({.throttle = 0.15,
                   .server_error = 0.1,
                   .cut_before = 0.05,
                   .cut_after = 0.05,
                   .operations = {"ListExecutions", "DescribeExecution", "ListTagsForResource"}});
  aws::MapEnvironment env = {{"AWS_ENDPOINT_URL", proxy.url()},
                             {"AWS_REGION", "us-east-1"},
                             {"AWS_ACCESS_KEY_ID", "testing"},
                             {"AWS_SECRET_ACCESS_KEY", "testing"}};
  auto faulty = RegionsOver(aws::AwsContext::Default(env));
  StepFunctionsTagSource tags(faulty);
  AgentResolver resolver(&tags, AgentRule{}, clock_);
  auto store = NewStore("db");
  Backfill backfill(*store, resolver, *faulty, clock_, {.state_machines = {*big_, *small_, *other_}, .page_size = 200});
  auto counts = backfill.Run();
  ASSERT_TRUE(counts) << counts.error().message;
  const testing::FaultProxyStats faults = proxy.Stats();
  EXPECT_GT(faults.throttled + faults.server_errors + faults.cut_before + faults.cut_after, 20u);
  EXPECT_GT(faulty->Stats().calls.throttled, 0u);
  EXPECT_EQ(AllRecords(*store), AllRecords(*reference));
}

TEST(BackfillRegionTest, EveryStateMachineOfTheRegionByTheAgentRule) {
  MotoServer moto;  // Its own: the test lists every state machine there is.
  if (!moto.ok()) GTEST_SKIP() << "moto_server unavailable: " << moto.error();
  auto regions = RegionsOver(moto.Context());
  StepFunctionsWorld world(regions->Home());
  const std::string agent = world.StateMachine("an-agent", kAgentTags);
  const std::string untagged = world.StateMachine("untagged", {});
  // moto lists no state machine type, so the Express case (left out) is not seen here.
  const std::string half_tagged = world.StateMachine("half-tagged", {{"Type", "Agent"}});
  world.Executions(agent, 4, 2);
  world.Executions(untagged, 2);
  world.Executions(half_tagged, 1);

  StepFunctionsTagSource tags(regions);
  SystemClock clock;
  AgentResolver resolver(&tags, AgentRule{}, clock);
  testing::TempDir dir("backfill-region");
  auto store = RocksDbStore::Open({.path = dir.File("db")});
  ASSERT_TRUE(store);
  Backfill backfill(**store, resolver, *regions, clock, {});
  auto counts = backfill.Run();
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->state_machines, 3u);
  EXPECT_EQ(counts->not_agents, 2u);  // untagged, half-tagged.
  EXPECT_EQ(counts->indexed, 4u);
  for (const auto& record : AllRecords(**store)) EXPECT_EQ(record.agent_name, "an-agent");
}

}  // namespace
}  // namespace exidx
