// DynamoDbStore on moto_server: what each query shape costs, racing writers,
// the page token secret, and table creation.
#include "store/dynamodb/dynamodb_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <thread>

#include <unistd.h>

#include "aws/moto_server.h"
#include "support/record_builder.h"

namespace exidx {
namespace {

using aws::testing::MotoServer;

// Execution "run-<i>" of state machine `agent`; a terminal one took 1234 ms.
ExecutionRecord Record(int i, const std::string& agent, ExecutionStatus status, EpochMillis start) {
  return testing::Exec("arn:aws:states:us-east-1:1:execution:" + agent + ":run-" + std::to_string(i), agent, status,
                       start, IsTerminal(status) ? std::optional<EpochMillis>(start + 1234) : std::nullopt);
}

TEST(VersionKeyTest, OrdersAsTheVersionRule) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    ExecutionRecord a = Record(1, "a", kAllStatuses[rng() % 6], 1'759'000'000'000);
    ExecutionRecord b = a;
    b.status = kAllStatuses[rng() % 6];
    a.redrive_count = static_cast<std::int64_t>(rng() % 3);
    b.redrive_count = static_cast<std::int64_t>(rng() % 3);
    a.stop_date = rng() % 4 ? std::optional<EpochMillis>(static_cast<EpochMillis>(rng() % 5) - 2) : std::nullopt;
    b.stop_date = rng() % 4 ? std::optional<EpochMillis>(static_cast<EpochMillis>(rng() % 5) - 2) : std::nullopt;
    EXPECT_EQ(VersionOf(a) <=> VersionOf(b), VersionKey(a) <=> VersionKey(b));
  }
  for (int i = 0; i < 1000; ++i) {
    const int shard = AllShardOf("arn:" + std::to_string(i));
    EXPECT_GE(shard, 0);
    EXPECT_LT(shard, kAllShards);
  }
}

class DynamoDbStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!MotoServer::Shared().ok()) GTEST_SKIP() << "moto_server unavailable: " << MotoServer::Shared().error();
  }
  void TearDown() override {
    for (const auto& table : tables_) {
      // Best effort: each test makes its own table, so one left behind changes no result.
      if (auto client = NewClient()) (void)DynamoDbStore::DeleteTable(*client, table);
    }
  }

  static std::unique_ptr<aws::JsonClient> NewClient() {
    auto client =
        aws::JsonClient::Create(MotoServer::Shared().Context(), aws::AwsService::kDynamoDb, "DynamoDB_20120810",
                                aws::JsonClientOptions{.retry_base = std::chrono::milliseconds(5)});
    return client ? std::move(*client) : nullptr;
  }

  std::string NewTable(TableLayout layout) {
    static std::atomic<int> counter{0};
    std::string table = "store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    auto client = NewClient();
    EXPECT_TRUE(client);
    auto created = DynamoDbStore::CreateTable(*client, table, layout);
    EXPECT_TRUE(created) << created.error().message;
    tables_.push_back(table);
    return table;
  }

  static std::unique_ptr<DynamoDbStore> OpenStore(const std::string& table, DynamoDbStoreOptions options = {}) {
    options.table_name = table;
    auto store = DynamoDbStore::Open(NewClient(), options);
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  std::vector<std::string> tables_;
};

// Counted at the client for one Scan: requests sent and items DynamoDB read
// (what it bills), against the items returned.
struct Cost {
  std::uint64_t requests, items_read, returned;
};

Cost Measure(DynamoDbStore& store, const ScanRequest& request) {
  const auto before = store.Stats();
  auto got = store.Scan(request);
  EXPECT_TRUE(got) << got.error().message;
  const auto after = store.Stats();
  return Cost{after.requests - before.requests, after.items_read - before.items_read, got ? got->size() : 0};
}

TEST_F(DynamoDbStoreTest, EachQueryShapeReadsLittleMoreThanItReturns) {
  const std::vector<std::string> agents = {"alpha", "beta", "gamma", "delta"};
  std::vector<ExecutionRecord> records;
  for (int i = 0; i < 480; ++i) {
    records.push_back(Record(i, agents[i % 4], kAllStatuses[(i / 4) % 3], 1'759'000'000'000 + i * 1000));
  }
  struct Shape {
    const char* name;
    ExecutionFilter filter;
  };
  const std::vector<Shape> shapes = {
      {"agent+status", {.agent_name = "beta", .status = ExecutionStatus::kSucceeded}},
      {"agent", {.agent_name = "beta"}},
      {"status", {.status = ExecutionStatus::kFailed}},
      {"none", {}},
      {"none, dates", {.start_from = 1'759'000'100'000, .start_to = 1'759'000'300'000}},
  };
  constexpr std::size_t kPage = 25, kAsk = kPage + 1;  // ListExecutions asks one more to know of a next page.
  for (TableLayout layout : {TableLayout::kFull, TableLayout::kSeedOnly}) {
    const std::string table = NewTable(layout);
    auto store = OpenStore(table);
    ASSERT_TRUE(store);
    ASSERT_EQ(store->has_full_layout(), layout == TableLayout::kFull);
    ASSERT_TRUE(store->Apply(records));
    const char* layout_name = layout == TableLayout::kFull ? "full" : "seed-only";
    for (const auto& shape : shapes) {
      for (SortOrder order : {SortOrder::kDesc, SortOrder::kAsc}) {
        const Cost first = Measure(*store, ScanRequest{.filter = shape.filter, .order = order, .limit = kAsk});
        ASSERT_EQ(first.returned, kAsk) << shape.name;
        // The second page starts after a cursor, as a page token gives it.
        auto page = store->Scan(ScanRequest{.filter = shape.filter, .order = order, .limit = kPage});
        ASSERT_TRUE(page);
        const Cost next = Measure(
            *store,
            ScanRequest{.filter = shape.filter, .order = order, .after = CursorOf(page->back()), .limit = kAsk});
        std::printf(
            "cost %-9s %-12s %-4s first page: %llu requests, %llu read for %llu returned; "
            "next page: %llu requests, %llu read for %llu returned\n",
            layout_name, shape.name, order == SortOrder::kAsc ? "asc" : "desc",
            static_cast<unsigned long long>(first.requests), static_cast<unsigned long long>(first.items_read),
            static_cast<unsigned long long>(first.returned), static_cast<unsigned long long>(next.requests),
            static_cast<unsigned long long>(next.items_read), static_cast<unsigned long long>(next.returned));
        const std::string shape_name = shape.name;
        for (const Cost& cost : {first, next}) {
          if (shape_name == "agent+status") {
            if (layout == TableLayout::kFull) {
              EXPECT_EQ(cost.items_read, cost.returned);  // Nothing read is discarded.
              EXPECT_EQ(cost.requests, 1u);
            } else {
              // The agent's other statuses are read and dropped: here 2 of 3.
              EXPECT_LE(cost.items_read, 3 * cost.returned + 3 + 4 * kAsk);
            }
          } else if (shape_name == "agent" || shape_name == "status") {
            // One item past the page to close its last startDate; the cursor's own item again.
            EXPECT_LE(cost.items_read, cost.returned + 2);
            EXPECT_LE(cost.requests, 2u);
          } else if (layout == TableLayout::kFull) {
            // kAllShards partitions, each read a batch at a time.
            EXPECT_GE(cost.requests, static_cast<std::uint64_t>(kAllShards));
            EXPECT_LE(cost.requests, static_cast<std::uint64_t>(kAllShards) + 3);
            EXPECT_LE(cost.items_read, cost.returned + 3 * kAllShards);  // Batches left unread in shards.
          } else {
            EXPECT_LE(cost.items_read, cost.returned + 3 * kAllStatuses.size());
          }
        }
      }
    }
  }
}

TEST_F(DynamoDbStoreTest, RacingWritersEndInTheGreatestVersion) {
  const std::string table = NewTable(TableLayout::kFull);
  auto a = OpenStore(table), b = OpenStore(table);
  ASSERT_TRUE(a && b);
  // Each execution: RUNNING, then redriven twice, each run ending in a status.
  std::vector<ExecutionRecord> events;
  for (int i = 0; i < 12; ++i) {
    ExecutionRecord r = Record(i, "race", ExecutionStatus::kRunning, 1'759'000'000'000 + i);
    r.stop_date.reset();
    events.push_back(r);
    for (int round = 0; round < 3; ++round) {
      ExecutionRecord end = r;
      end.redrive_count = round;
      end.status = round % 2 ? ExecutionStatus::kSucceeded : ExecutionStatus::kFailed;
      end.stop_date = r.start_date + 1000 * (round + 1);
      events.push_back(end);
      ExecutionRecord redrive = r;
      redrive.redrive_count = round + 1;
      events.push_back(redrive);
    }
  }
  auto forward = events, backward = events;
  std::shuffle(forward.begin(), forward.end(), std::mt19937_64(1));
  std::shuffle(backward.begin(), backward.end(), std::mt19937_64(2));
  std::atomic<int> indexed{0};
  auto writer = [&indexed](DynamoDbStore& store, const std::vector<ExecutionRecord>& stream) {
    for (std::size_t i = 0; i < stream.size(); i += 3) {
      std::vector<ExecutionRecord> batch(stream.begin() + i, stream.begin() + std::min(stream.size(), i + 3));
      auto outcomes = store.Apply(batch);
      ASSERT_TRUE(outcomes) << outcomes.error().message;
      for (auto o : *outcomes) indexed += o == ApplyOutcome::kIndexed;
    }
  };
  std::thread t1(writer, std::ref(*a), std::cref(forward));
  std::thread t2(writer, std::ref(*b), std::cref(backward));
  t1.join();
  t2.join();
  for (int i = 0; i < 12; ++i) {
    const ExecutionRecord* best = nullptr;
    for (const auto& e : events) {
      if (e.execution_name == "run-" + std::to_string(i) && (!best || Supersedes(e, best))) best = &e;
    }
    auto stored = a->Get(best->execution_arn);
    ASSERT_TRUE(stored && *stored);
    EXPECT_EQ(**stored, *best);
    EXPECT_EQ((*stored)->redrive_count, 3);
    EXPECT_EQ((*stored)->status, ExecutionStatus::kRunning);
  }
  EXPECT_GE(indexed.load(), 12);
  auto all = b->Scan(ScanRequest{.filter = {.agent_name = "race", .status = ExecutionStatus::kRunning}, .limit = 100});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 12u);
}

TEST_F(DynamoDbStoreTest, OneApplyCallReportsOutcomesInOrder) {
  auto store = OpenStore(NewTable(TableLayout::kFull));
  ASSERT_TRUE(store);
  ExecutionRecord running = Record(1, "x", ExecutionStatus::kRunning, 1'759'000'000'000);
  running.stop_date.reset();
  ExecutionRecord failed = Record(1, "x", ExecutionStatus::kFailed, 1'759'000'000'000);
  ExecutionRecord redriven = running;
  redriven.redrive_count = 1;
  std::vector<ExecutionRecord> first = {failed, running, failed};
  EXPECT_EQ(store->Apply(first).value(),
            (std::vector{ApplyOutcome::kIndexed, ApplyOutcome::kUnchanged, ApplyOutcome::kUnchanged}));
  std::vector<ExecutionRecord> second = {running, redriven, failed};
  EXPECT_EQ(store->Apply(second).value(),
            (std::vector{ApplyOutcome::kUnchanged, ApplyOutcome::kIndexed, ApplyOutcome::kUnchanged}));
  EXPECT_EQ(store->Get(running.execution_arn).value(), std::optional<ExecutionRecord>(redriven));
}

TEST_F(DynamoDbStoreTest, PageTokenSecretIsSharedByTheTableAndNeverListed) {
  const std::string table = NewTable(TableLayout::kFull);
  auto a = OpenStore(table), b = OpenStore(table);
  ASSERT_TRUE(a && b);
  auto secret = a->PageTokenSecret();
  ASSERT_TRUE(secret) << secret.error().message;
  EXPECT_GE(secret->size(), 16u);
  EXPECT_EQ(b->PageTokenSecret().value(), *secret);
  ASSERT_TRUE(a->Apply(std::vector{Record(1, "x", ExecutionStatus::kSucceeded, 1'759'000'000'000)}));
  EXPECT_EQ(a->Scan(ScanRequest{.limit = 100}).value().size(), 1u);
  EXPECT_EQ(a->Get(kTokenSecretKey).value(), std::nullopt);

  auto configured = OpenStore(table, DynamoDbStoreOptions{.token_secret = "0123456789abcdef-configured"});
  ASSERT_TRUE(configured);
  EXPECT_EQ(configured->PageTokenSecret().value(), "0123456789abcdef-configured");
  EXPECT_FALSE(DynamoDbStore::Open(NewClient(), DynamoDbStoreOptions{.table_name = table, .token_secret = "short"}));
}

TEST_F(DynamoDbStoreTest, InitUpgradesASeedTableAndOpenNamesAMissingTable) {
  const std::string table = NewTable(TableLayout::kSeedOnly);
  ASSERT_FALSE(OpenStore(table)->has_full_layout());
  auto client = NewClient();
  std::vector<std::string> log;
  auto upgraded = DynamoDbStore::CreateTable(*client, table, TableLayout::kFull,
                                             [&log](const std::string& line) { log.push_back(line); });
  ASSERT_TRUE(upgraded) << upgraded.error().message;
  EXPECT_TRUE(OpenStore(table)->has_full_layout());
  EXPECT_GE(log.size(), 3u);

  auto missing = DynamoDbStore::Open(NewClient(), DynamoDbStoreOptions{.table_name = "no-such-table"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInternal);
  EXPECT_NE(missing.error().message.find("exidx init"), std::string::npos);
}

// The change feed follows the table's stream: another store's writes (and
// this one's) arrive, expired records never show, the listener is called;
// without the option there is no feed.
TEST_F(DynamoDbStoreTest, ChangeFeedFollowsTheTablesStream) {
  const std::string table = NewTable(TableLayout::kFull);
  auto plain = OpenStore(table);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->change_feed(), nullptr);
  auto none = plain->ReadChanges(0, 10);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kUnavailable);
  auto without_client = DynamoDbStore::Open(
      NewClient(), DynamoDbStoreOptions{.table_name = table, .change_feed = TableStreamFeedOptions{}});
  ASSERT_FALSE(without_client);
  EXPECT_EQ(without_client.error().code, ErrorCode::kInvalidParameter);

  auto streams = aws::JsonClient::Create(MotoServer::Shared().Context(), aws::AwsService::kDynamoDbStreams,
                                         "DynamoDBStreams_20120810");
  ASSERT_TRUE(streams);
  auto opened = DynamoDbStore::Open(
      NewClient(),
      DynamoDbStoreOptions{.table_name = table,
                           .change_feed = TableStreamFeedOptions{.poll_interval = std::chrono::milliseconds(20)}},
      std::move(*streams));
  ASSERT_TRUE(opened) << opened.error().message;
  auto& feed = **opened;
  std::atomic<int> notified{0};
  feed.SetChangeListener([&notified] { ++notified; });
  const std::uint64_t start = feed.ReadChanges(0, 0).value().latest;
  // Kept one day after it stopped in 2025: expired, which DynamoDB has not
  // deleted yet, and no reader sees.
  auto retaining = OpenStore(table, DynamoDbStoreOptions{.retention = ParseRetentionPolicy("1", "").value()});
  ASSERT_TRUE(retaining);
  ASSERT_TRUE(retaining->Apply(std::vector{Record(2, "x", ExecutionStatus::kSucceeded, 1'759'000'000'000)}));
  ASSERT_TRUE(plain->Apply(std::vector{Record(1, "x", ExecutionStatus::kRunning, 1'759'000'000'000)}));
  ASSERT_TRUE(feed.Apply(std::vector{Record(1, "x", ExecutionStatus::kSucceeded, 1'759'000'000'000)}));
  ASSERT_TRUE(plain->WriteCheckpoint("backfill/x", "{}"));  // A reserved item: not a change.
  std::vector<RecordChange> changes;
  for (int i = 0; i < 500 && changes.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    changes = feed.ReadChanges(start, 100).value().changes;
  }
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].record, Record(1, "x", ExecutionStatus::kRunning, 1'759'000'000'000));
  EXPECT_EQ(changes[1].record, Record(1, "x", ExecutionStatus::kSucceeded, 1'759'000'000'000));
  EXPECT_EQ(changes[0].sequence, start + 2) << "the expired record took an id, shown to no reader";
  EXPECT_EQ(changes[1].sequence, start + 3);
  EXPECT_GT(notified.load(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const TableStreamFeedStats stats = feed.change_feed()->Stats();
  EXPECT_EQ(stats.changes, 3u);
  // The checkpoint, and the statistics' cells and agent counts each write
  // moved: reserved items, never changes.
  EXPECT_GE(stats.reserved, 1u + 3u);
  EXPECT_EQ(stats.undecodable, 0u);
}

}  // namespace
}  // namespace exidx
