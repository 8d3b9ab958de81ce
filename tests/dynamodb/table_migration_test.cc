// MigrateTable on moto_server: a table as the first design wrote it (PutItem
// of the record attributes only, in its shapes; the seed's two indexes, then
// `init` adding ours) is served in full by every query shape after the
// migration; a dry run changes nothing; a second run changes nothing; writes
// made between the Scan and the rewrite are never overwritten; a stopped run
// resumes from its checkpoints, scanning each item once in all; throttling and
// cut connections end, after resumed runs, in the same table.
#include "store/dynamodb/table_migration.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <mutex>

#include <unistd.h>

#include "aws/moto_server.h"
#include "dynamodb/fault_proxy.h"
#include "store/dynamodb/item_codec.h"
#include "support/record_builder.h"
#include "support/reference_store.h"

namespace exidx {
namespace {

namespace json = boost::json;
using aws::testing::MotoServer;
using dynamodb::N;
using dynamodb::S;

constexpr int kRecords = 60;
const std::vector<std::string> kAgents = {"alpha", "beta", "gamma"};

// Record i: agents and statuses spread, some redriven; start times with ties.
ExecutionRecord Record(int i) {
  const ExecutionStatus status = kAllStatuses[static_cast<std::size_t>(i % 6)];
  const EpochMillis start = 1'759'000'000'000 + (i / 2) * 60'000;
  ExecutionRecord r = testing::Exec(
      "arn:aws:states:us-east-1:1:execution:" + kAgents[i % 3] + ":run-" + std::to_string(i), kAgents[i % 3], status,
      start, IsTerminal(status) ? std::optional<EpochMillis>(start + 1234 + i) : std::nullopt, i % 7 == 3 ? 1 : 0);
  if (i % 5 == 0) r.indexed_at = r.stop_date.value_or(r.start_date);  // Written without indexedAt.
  return r;
}

// The item the first design's PutItem wrote for Record(i), in one of the
// shapes it used: no indexedAt, epoch-millisecond dates, a startDate with an
// offset, NULL for absent values, redriveCount as text, durationSeconds in
// another form.
json::object SeedItem(int i) {
  const ExecutionRecord r = Record(i);
  json::object item{{"executionArn", S(r.execution_arn)},        {"agentName", S(r.agent_name)},
                    {"stateMachineArn", S(r.state_machine_arn)}, {"executionName", S(r.execution_name)},
                    {"status", S(StatusName(r.status))},         {"startDate", S(FormatTimestamp(r.start_date))}};
  if (i % 5 != 0) item["indexedAt"] = S(FormatTimestamp(r.indexed_at));
  if (i % 5 == 1) item["indexedAt"] = N(std::to_string(r.indexed_at));
  if (i % 5 == 4) {  // DynamoDB refuses a number for startDate, a key of the seed's indexes; an offset passes.
    const std::string start = FormatTimestamp(r.start_date);
    item["startDate"] = S(start.substr(0, start.size() - 1) + "+00:00");
  }
  if (r.stop_date) {
    item["stopDate"] = i % 5 == 1 ? N(std::to_string(*r.stop_date)) : S(FormatTimestamp(*r.stop_date));
    item["durationSeconds"] = N(std::to_string(static_cast<double>(*r.stop_date - r.start_date) / 1000.0));
  } else if (i % 5 == 2) {
    item["stopDate"] = json::object{{"NULL", true}};
    item["durationSeconds"] = json::object{{"NULL", true}};
  }
  if (r.redrive_count != 0) item["redriveCount"] = i % 2 ? S(std::to_string(r.redrive_count)) : N("1");
  if (r.error) item["error"] = S(*r.error);
  if (r.cause) item["cause"] = S(*r.cause);
  return item;
}

class TableMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!MotoServer::Shared().ok()) GTEST_SKIP() << "moto_server unavailable: " << MotoServer::Shared().error();
    client_ = NewClient();
  }
  void TearDown() override {
    // Best effort: each test makes its own table, so one left behind changes no result.
    for (const auto& table : tables_) (void)DynamoDbStore::DeleteTable(*client_, table);
  }

  static std::unique_ptr<aws::JsonClient> NewClient() {
    auto client =
        aws::JsonClient::Create(MotoServer::Shared().Context(), aws::AwsService::kDynamoDb, "DynamoDB_20120810",
                                aws::JsonClientOptions{.retry_base = std::chrono::milliseconds(5)});
    return client ? std::move(*client) : nullptr;
  }

  void PutRaw(const std::string& table, json::object item) {
    auto put = client_->Call("PutItem", json::serialize(json::object{{"TableName", table}, {"Item", std::move(item)}}));
    ASSERT_TRUE(put) << put.error().message;
  }

  // A seed table with the first design's items, then given our indexes.
  std::string SeedTable() {
    static std::atomic<int> counter{0};
    std::string table = "migrate-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    EXPECT_TRUE(DynamoDbStore::CreateTable(*client_, table, TableLayout::kSeedOnly));
    tables_.push_back(table);
    for (int i = 0; i < kRecords; ++i) PutRaw(table, SeedItem(i));
    EXPECT_TRUE(DynamoDbStore::CreateTable(*client_, table, TableLayout::kFull));
    return table;
  }

  static std::unique_ptr<DynamoDbStore> Open(const std::string& table) {
    auto store = DynamoDbStore::Open(NewClient(), DynamoDbStoreOptions{.table_name = table});
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // Every query shape answers exactly what `expected` holds.
  static void ExpectServed(DynamoDbStore& store, const std::vector<ExecutionRecord>& expected) {
    testing::ReferenceStore reference;
    ASSERT_TRUE(reference.Apply(expected));
    std::vector<ExecutionFilter> filters = {{}, {.start_from = 1'759'000'300'000, .start_to = 1'759'001'000'000}};
    for (const auto& agent : kAgents) filters.push_back({.agent_name = agent});
    for (ExecutionStatus status : kAllStatuses) {
      filters.push_back({.status = status});
      filters.push_back({.agent_name = "beta", .status = status});
    }
    for (const auto& filter : filters) {
      for (SortOrder order : {SortOrder::kDesc, SortOrder::kAsc}) {
        const std::string shape = "agent " + filter.agent_name.value_or("-") + " status " +
                                  std::string(filter.status ? StatusName(*filter.status) : "-");
        auto got = store.Scan(ScanRequest{.filter = filter, .order = order, .limit = 1000});
        ASSERT_TRUE(got) << shape << ": " << got.error().message;
        EXPECT_EQ(*got, reference.All(filter, order)) << shape;
      }
    }
  }

  static std::vector<ExecutionRecord> AllRecords() {
    std::vector<ExecutionRecord> records;
    for (int i = 0; i < kRecords; ++i) records.push_back(Record(i));
    return records;
  }

  std::unique_ptr<aws::JsonClient> client_;
  std::vector<std::string> tables_;
};

TEST_F(TableMigrationTest, ASeedTableIsServedByEveryQueryShapeAfterTheMigration) {
  const std::string table = SeedTable();
  auto store = Open(table);
  ASSERT_TRUE(store && store->has_full_layout());
  ASSERT_TRUE(store->PageTokenSecret());  // A reserved item: passed over, uncounted.
  EXPECT_EQ(store->Scan(ScanRequest{.limit = 1000}).value().size(), 0u) << "the issue: unfiltered queries miss them";

  std::uint64_t total = 0;
  auto counts = MigrateTable(
      *store, MigrationOptions{
                  .total_segments = 3, .page_limit = 7, .on_total = [&total](std::uint64_t items) { total = items; }});
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->scanned, static_cast<std::uint64_t>(kRecords));
  EXPECT_EQ(counts->rewritten, static_cast<std::uint64_t>(kRecords));
  EXPECT_EQ(counts->skipped + counts->left_alone + counts->undecodable, 0u);
  EXPECT_GT(counts->calls, static_cast<std::uint64_t>(kRecords));
  EXPECT_GE(total, static_cast<std::uint64_t>(kRecords));
  ExpectServed(*store, AllRecords());
  for (int i : {0, 1, 2, 3}) EXPECT_EQ(store->Get(Record(i).execution_arn).value(), Record(i)) << i;

  // Again: everything has the index attributes now.
  auto again = MigrateTable(*store, MigrationOptions{.total_segments = 2});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->rewritten, 0u);
  EXPECT_EQ(again->skipped, static_cast<std::uint64_t>(kRecords));
  ExpectServed(*store, AllRecords());
}

TEST_F(TableMigrationTest, ADryRunCountsAndChangesNothing) {
  const std::string table = SeedTable();
  auto store = Open(table);
  ASSERT_TRUE(store);
  auto counts = MigrateTable(*store, MigrationOptions{.total_segments = 2, .dry_run = true});
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->rewritten, static_cast<std::uint64_t>(kRecords));
  EXPECT_EQ(store->Scan(ScanRequest{.limit = 1000}).value().size(), 0u);
  for (int segment = 0; segment < 2; ++segment) {
    EXPECT_EQ(store->ReadCheckpoint(MigrationCheckpointName(segment, 2)).value(), std::nullopt);
  }
  auto raw = client_->Call(
      "GetItem",
      json::serialize(json::object{{"TableName", table}, {"Key", {{"executionArn", S(Record(0).execution_arn)}}}}));
  ASSERT_TRUE(raw);
  EXPECT_EQ(json::parse(*raw).at("Item").as_object(), SeedItem(0));
}

TEST_F(TableMigrationTest, WritesBetweenTheScanAndTheRewriteAreNeverOverwritten) {
  const std::string table = SeedTable();
  auto store = Open(table);
  auto live = Open(table);
  ASSERT_TRUE(store && live);
  std::vector<ExecutionRecord> expected = AllRecords();
  // Record 0 (RUNNING) finishes through this version's writer; record 6
  // (RUNNING) through a first-design writer, which writes no index attributes.
  ExecutionRecord finished = expected[0];
  finished.status = ExecutionStatus::kSucceeded;
  finished.stop_date = finished.start_date + 5000;
  finished.indexed_at = 1'759'100'000'000;
  ExecutionRecord old_writer = expected[6];
  old_writer.status = ExecutionStatus::kAborted;
  old_writer.stop_date = old_writer.start_date + 9000;
  old_writer.indexed_at = 1'759'100'000'001;
  std::once_flag once;
  MigrationOptions options{.total_segments = 1, .page_limit = 100};
  options.before_rewrites = [&](const std::vector<std::string>& arns) {
    std::call_once(once, [&] {
      EXPECT_EQ(arns.size(), static_cast<std::size_t>(kRecords));
      ASSERT_TRUE(live->Apply(std::vector{finished}));
      json::object item = SeedItem(6);
      item["status"] = S("ABORTED");
      item["stopDate"] = S(FormatTimestamp(*old_writer.stop_date));
      item["indexedAt"] = S(FormatTimestamp(old_writer.indexed_at));
      PutRaw(table, std::move(item));
    });
  };
  auto counts = MigrateTable(*store, options);
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->left_alone, 1u) << "the live write indexed record 0 itself";
  EXPECT_EQ(counts->rewritten, static_cast<std::uint64_t>(kRecords - 1)) << "record 6 from what its writer wrote";
  expected[0] = finished;
  expected[6] = old_writer;
  EXPECT_EQ(store->Get(finished.execution_arn).value(), finished);
  EXPECT_EQ(store->Get(old_writer.execution_arn).value(), old_writer);
  ExpectServed(*store, expected);
}

TEST_F(TableMigrationTest, AStoppedRunResumesFromItsCheckpointsScanningEachItemOnce) {
  const std::string table = SeedTable();
  auto store = Open(table);
  ASSERT_TRUE(store);
  std::atomic<bool> stop{false};
  MigrationOptions options{.total_segments = 2, .writes_in_flight = 4, .page_limit = 5, .stop = &stop};
  options.on_progress = [&stop](const MigrationCounts& counts) {
    if (counts.scanned >= 15) stop = true;
  };
  MigrationCounts first;
  auto stopped = MigrateTable(*store, options, &first);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, ErrorCode::kUnavailable);
  EXPECT_GE(first.scanned, 15u);
  EXPECT_LT(first.scanned, static_cast<std::uint64_t>(kRecords));
  EXPECT_EQ(first.rewritten, first.scanned);

  options.stop = nullptr;
  options.resume = true;
  auto resumed = MigrateTable(*store, options);
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(first.scanned + resumed->scanned, static_cast<std::uint64_t>(kRecords));
  EXPECT_EQ(first.rewritten + resumed->rewritten, static_cast<std::uint64_t>(kRecords));
  EXPECT_EQ(resumed->skipped, 0u);
  ExpectServed(*store, AllRecords());
  for (int segment = 0; segment < 2; ++segment) {
    EXPECT_EQ(store->ReadCheckpoint(MigrationCheckpointName(segment, 2)).value(), "done");
  }
  // A finished run resumed: nothing left to scan.
  auto finished = MigrateTable(*store, options);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->scanned, 0u);
  EXPECT_LE(finished->calls, 4u) << "the checkpoints and the table's description only";
}

TEST_F(TableMigrationTest, AnItemThatCannotBeReadIsReportedByKeyAndTheRunGoesOn) {
  const std::string table = SeedTable();
  json::object broken = SeedItem(1);
  broken["executionArn"] = S("arn:aws:states:us-east-1:1:execution:alpha:broken");
  broken.erase("agentName");
  PutRaw(table, broken);
  auto store = Open(table);
  ASSERT_TRUE(store);
  std::mutex mu;
  std::vector<std::string> reported;
  MigrationOptions options{.total_segments = 2};
  options.on_not_rewritten = [&](const std::string& arn, const Error& error) {
    std::lock_guard lock(mu);
    reported.push_back(arn + ": " + error.message);
  };
  auto counts = MigrateTable(*store, options);
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->undecodable, 1u);
  EXPECT_EQ(counts->rewritten, static_cast<std::uint64_t>(kRecords));
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_NE(reported[0].find("execution:alpha:broken"), std::string::npos) << reported[0];
  EXPECT_NE(reported[0].find("agentName"), std::string::npos) << reported[0];
  // Left as it was: a query of the seed's StatusDateIndex still meets it, and fails on it.
  EXPECT_FALSE(store->Scan(ScanRequest{.filter = {.status = ExecutionStatus::kSucceeded}, .limit = 1000}));
  auto removed = client_->Call(
      "DeleteItem",
      json::serialize(json::object{{"TableName", table}, {"Key", {{"executionArn", broken["executionArn"]}}}}));
  ASSERT_TRUE(removed) << removed.error().message;
  ExpectServed(*store, AllRecords());
}

// Through a proxy that throttles, fails and cuts connections (also after the
// UpdateItem was applied): each run that fails is resumed until one ends,
// and the table is then served in full. A rewrite whose answer was lost is
// found indexed by the retry and counted as left alone; one whose run failed
// before the page's checkpoint is skipped by the resumed run.
TEST_F(TableMigrationTest, FaultsEndInAFullyServedTableAfterResumedRuns) {
  const std::string table = SeedTable();
  testing::FaultProxy proxy(MotoServer::Shared().url(), 20261201);
  aws::MapEnvironment env{{"AWS_ENDPOINT_URL_DYNAMODB", proxy.url()},
                          {"AWS_REGION", "us-east-1"},
                          {"AWS_ACCESS_KEY_ID", "testing"},
                          {"AWS_SECRET_ACCESS_KEY", "testing-secret"}};
  auto client = aws::JsonClient::Create(aws::AwsContext::Default(env), aws::AwsService::kDynamoDb, "DynamoDB_20120810",
                                        aws::JsonClientOptions{.retry_base = std::chrono::milliseconds(2)});
  ASSERT_TRUE(client);
  auto opened = DynamoDbStore::Open(std::move(*client), DynamoDbStoreOptions{.table_name = table});
  ASSERT_TRUE(opened) << opened.error().message;
  DynamoDbStore& store = **opened;
  proxy.SetFaults(testing::FaultRates{.throttle = 0.4,
                                      .server_error = 0.05,
                                      .cut_before = 0.05,
                                      .cut_after = 0.05,
                                      .operations = {"Scan", "UpdateItem", "GetItem", "PutItem"}});
  MigrationOptions options{.total_segments = 3, .writes_in_flight = 6, .page_limit = 8};
  MigrationCounts total;
  int runs = 0;
  for (bool done = false; !done && runs < 30; ++runs) {
    MigrationCounts counts;
    auto run = MigrateTable(store, options, &counts);
    done = run.has_value();
    if (!done) {
      EXPECT_EQ(run.error().code, ErrorCode::kUnavailable) << run.error().message;
    }
    total.rewritten += counts.rewritten;
    total.left_alone += counts.left_alone;
    total.skipped += counts.skipped;  // Rewritten by a run that failed before its checkpoint.
    options.resume = true;
  }
  ASSERT_LT(runs, 30);
  EXPECT_LE(proxy.Stats().peak_in_flight, 6 + 3) << "writes in flight, and a Scan or checkpoint per segment";
  EXPECT_GE(total.rewritten + total.left_alone + total.skipped, static_cast<std::uint64_t>(kRecords));
  proxy.SetFaults(testing::FaultRates{});
  ExpectServed(store, AllRecords());
  std::printf("faults: %d runs, %llu rewritten, %llu left alone, %llu requests through the proxy\n", runs,
              static_cast<unsigned long long>(total.rewritten), static_cast<unsigned long long>(total.left_alone),
              static_cast<unsigned long long>(proxy.Stats().requests));
}

TEST_F(TableMigrationTest, OptionsOutOfRangeAreRefused) {
  const std::string table = SeedTable();
  auto store = Open(table);
  ASSERT_TRUE(store);
  for (const MigrationOptions& bad : {MigrationOptions{.total_segments = 0}, MigrationOptions{.writes_in_flight = 0},
                                      MigrationOptions{.page_limit = -1}}) {
    auto refused = MigrateTable(*store, bad);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidParameter);
  }
}

}  // namespace
}  // namespace exidx
