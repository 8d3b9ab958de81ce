// RocksDbStore's retention: the ttl Apply stamps, reads that skip expired
// records, and DeleteExpired, which removes them with everything derived
// from them, resumably; checked against the brute-force answers of only the
// records that have not expired.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <set>

#include "store/rocksdb/test_raw_store.h"
#include "store/rocksdb/test_rocksdb_store.h"
#include "support/fake_clock.h"
#include "support/reference_store.h"

namespace exidx {
namespace {

using testing::FakeClock;
using testing::ReferenceStore;

constexpr EpochMillis kDay = 86'400'000;
constexpr EpochMillis kNow = 1'759'140'000'000;  // FakeClock's start.

RetentionPolicy Policy() {
  // FAILED: 3 days; ABORTED: for ever; the others: 1 day.
  auto policy = ParseRetentionPolicy("", "SUCCEEDED=1d,RUNNING=24h,PENDING_REDRIVE=1d,TIMED_OUT=1d,FAILED=3d");
  EXPECT_TRUE(policy);
  return policy.value_or(RetentionPolicy{});
}

// Executions of three agents, one every 5 hours back from now: succeeded,
// failed, running, aborted in turn, each finished 10 s after it started.
std::vector<ExecutionRecord> History(int executions) {
  std::vector<ExecutionRecord> out;
  static constexpr ExecutionStatus kCycle[] = {kSucceeded, kFailed, kRunning, ExecutionStatus::kAborted};
  for (int i = 0; i < executions; ++i) {
    const std::string agent = fmt::format("agent-{}", i % 3);
    const ExecutionStatus status = kCycle[i % 4];
    const EpochMillis start = kNow - i * 5 * 3'600'000LL;
    std::optional<EpochMillis> stop;
    if (status != kRunning) stop = start + 10'000;
    ExecutionRecord record =
        Exec(fmt::format("arn:aws:states:us-east-1:1:execution:{}:{:03}", agent, i), agent, status, start, stop);
    record.indexed_at = stop.value_or(start);
    out.push_back(std::move(record));
  }
  return out;
}

class RocksDbRetentionTest : public RocksDbStoreTest {
 protected:
  RocksDbStoreOptions RetainingOptions() {
    RocksDbStoreOptions options = Options();
    options.durability = Durability::kRelaxed;
    options.retention = Policy();
    options.clock = &clock_;
    return options;
  }

  EpochSeconds NowSeconds() const { return SecondsOf(clock_.NowMillis()); }

  // The records of `all` (as stamped) that have not expired by the clock.
  Records Live(const std::vector<ExecutionRecord>& all) const {
    Records live;
    for (ExecutionRecord record : all) {
      record.ttl = ExpiryOf(Policy(), record);
      if (!IsExpired(record, NowSeconds())) live.emplace(record.execution_arn, record);
    }
    return live;
  }

  // Every query shape, both orders, walked page by page: each page is the
  // brute-force page of `live`, so pages stay full over expired entries.
  static void ExpectScansOf(ExecutionStore& store, const Records& live) {
    std::vector<ExecutionFilter> filters(1);
    for (const char* agent : {"agent-0", "agent-2"}) {
      filters.push_back(ExecutionFilter{.agent_name = agent});
      for (ExecutionStatus status : {kSucceeded, kFailed, kRunning}) {
        filters.push_back(ExecutionFilter{.agent_name = agent, .status = status});
      }
    }
    for (ExecutionStatus status : kAllStatuses) filters.push_back(ExecutionFilter{.status = status});
    filters.push_back(ExecutionFilter{.start_from = kNow - 4 * kDay, .start_to = kNow - kDay});
    for (const ExecutionFilter& filter : filters) {
      for (SortOrder order : {SortOrder::kDesc, SortOrder::kAsc}) {
        for (std::size_t limit : {std::size_t{1}, std::size_t{3}, std::size_t{1000}}) {
          ScanRequest request{.filter = filter, .order = order, .limit = limit};
          for (int page = 0; page < 1000; ++page) {
            const std::vector<ExecutionRecord> got = MustScan(store, request);
            ASSERT_EQ(got, BruteForce(live, request)) << Describe(request);
            if (got.size() < limit) break;
            request.after = CursorOf(got.back());
          }
        }
      }
    }
  }

  // Agents and hourly cells equal those of `live` alone.
  static void ExpectCountsOf(ExecutionStore& store, const Records& live) {
    ReferenceStore reference;
    for (const auto& [arn, record] : live) ASSERT_TRUE(reference.Apply(std::vector{record}));
    EXPECT_EQ(store.ListAgents().value_or(std::vector<AgentSummary>{}),
              reference.ListAgents().value_or(std::vector<AgentSummary>{}));
    const StatsRequest all{.from_hour = kNow - 100 * kDay, .to_hour = kNow + kDay};
    auto got = store.ReadHourlyStats(all);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(*got, reference.ReadHourlyStats(all).value_or(std::vector<HourlyStat>{}));
  }

  // The executions the feed shows, each once.
  static std::set<std::string> FeedArns(ExecutionStore& store) {
    auto range = store.ReadChanges(0, SIZE_MAX);
    EXPECT_TRUE(range) << range.error().message;
    std::set<std::string> arns;
    if (range) {
      for (const RecordChange& change : range->changes) arns.insert(change.record.execution_arn);
    }
    return arns;
  }

  static std::set<std::string> KeysOf(const Records& records) {
    std::set<std::string> keys;
    for (const auto& [arn, record] : records) keys.insert(arn);
    return keys;
  }

  static std::vector<AgentSummary> MustListAgents(ExecutionStore& store) {
    auto agents = store.ListAgents();
    EXPECT_TRUE(agents) << agents.error().message;
    return agents.value_or(std::vector<AgentSummary>{});
  }

  std::size_t MustDeleteExpired(ExecutionStore& store, std::size_t limit) {
    auto deleted = store.DeleteExpired(NowSeconds(), limit);
    EXPECT_TRUE(deleted) << deleted.error().message;
    return deleted.value_or(0);
  }

  FakeClock clock_;
};

TEST_F(RocksDbRetentionTest, ApplyStampsTheExpiryOfThePolicyWhateverTheWriterSet) {
  auto store = OpenStore(RetainingOptions());
  ASSERT_NE(store, nullptr);
  std::vector<ExecutionRecord> history = History(4);  // None expired yet.
  history[0].ttl = 1;  // A writer's own ttl does not count.
  MustApply(*store, history);
  for (const ExecutionRecord& record : history) {
    const auto stored = MustGet(*store, record.execution_arn);
    ASSERT_TRUE(stored) << record.execution_arn;
    EXPECT_EQ(stored->ttl, ExpiryOf(Policy(), record)) << record.execution_arn;
  }
  EXPECT_EQ(MustGet(*store, history[1].execution_arn)->ttl, SecondsOf(*history[1].stop_date) + 3 * 86'400);
  EXPECT_EQ(MustGet(*store, history[3].execution_arn)->ttl, std::nullopt);  // ABORTED: kept for ever.
}

TEST_F(RocksDbRetentionTest, ExpiredRecordsLeaveEveryQueryTheFeedAndTheStatistics) {
  auto store = OpenStore(RetainingOptions());
  ASSERT_NE(store, nullptr);
  const std::vector<ExecutionRecord> history = History(40);  // 8 days back.
  MustApply(*store, history);
  for (int step = 0; step < 3; ++step) {
    SCOPED_TRACE(fmt::format("day {}", step));
    const Records live = Live(history);
    ASSERT_LT(live.size(), history.size());
    ASSERT_GT(live.size(), 0u);
    // Before the sweep: reads skip them already.
    ExpectScansOf(*store, live);
    EXPECT_EQ(FeedArns(*store), KeysOf(live));
    for (const ExecutionRecord& record : history) {
      EXPECT_EQ(MustGet(*store, record.execution_arn).has_value(), live.contains(record.execution_arn));
    }
    // The sweep, in chunks of 4: the counts follow.
    while (MustDeleteExpired(*store, 4) == 4) {
    }
    ExpectScansOf(*store, live);
    ExpectCountsOf(*store, live);
    EXPECT_EQ(FeedArns(*store), KeysOf(live));
    EXPECT_EQ(MustDeleteExpired(*store, 100), 0u);
    clock_.Advance(kDay);
  }
}

TEST_F(RocksDbRetentionTest, AnEqualVersionKeepsTheExpiryAndARedriveMovesIt) {
  auto store = OpenStore(RetainingOptions());
  ASSERT_NE(store, nullptr);
  const std::string arn = "arn:aws:states:us-east-1:1:execution:m:redriven";
  const EpochMillis start = kNow - 10 * 3'600'000LL;
  ExecutionRecord failed = Exec(arn, "m", kFailed, start, start + 1000);
  failed.indexed_at = start + 1000;
  EXPECT_EQ(MustApply(*store, {failed}), std::vector{kIndexed});
  const EpochSeconds failed_ttl = SecondsOf(start + 1000) + 3 * 86'400;
  EXPECT_EQ(MustGet(*store, arn)->ttl, failed_ttl);

  ExecutionRecord again = failed;  // A duplicate delivered two days later.
  again.indexed_at = start + 2 * kDay;
  EXPECT_EQ(MustApply(*store, {again}), std::vector{kUnchanged});
  EXPECT_EQ(MustGet(*store, arn)->ttl, failed_ttl);

  // Redriven 2.5 days after the failure: RUNNING, one day from the redrive.
  ExecutionRecord redriven = Exec(arn, "m", kRunning, start, std::nullopt, 1);
  redriven.indexed_at = start + 5 * kDay / 2;
  EXPECT_EQ(MustApply(*store, {redriven}), std::vector{kIndexed});
  EXPECT_EQ(MustGet(*store, arn)->ttl, SecondsOf(start + 5 * kDay / 2) + 86'400);

  // Past the failure's expiry the redriven execution is still there.
  clock_.Advance(3 * kDay);
  ASSERT_GT(NowSeconds(), failed_ttl);
  EXPECT_EQ(MustDeleteExpired(*store, 10), 0u);
  EXPECT_TRUE(MustGet(*store, arn));
  EXPECT_EQ(MustScan(*store, ByStatus(kRunning)).size(), 1u);

  // It succeeds: one day from its new stopDate; then it expires.
  const EpochMillis stop = start + 3 * kDay;
  EXPECT_EQ(MustApply(*store, {Exec(arn, "m", kSucceeded, start, stop, 1)}), std::vector{kIndexed});
  EXPECT_EQ(MustGet(*store, arn)->ttl, SecondsOf(stop) + 86'400);
  EXPECT_EQ(MustDeleteExpired(*store, 10), 0u);
  clock_.Advance(2 * kDay);
  EXPECT_FALSE(MustGet(*store, arn));
  EXPECT_EQ(MustDeleteExpired(*store, 10), 1u);
  EXPECT_TRUE(MustListAgents(*store).empty());
}

TEST_F(RocksDbRetentionTest, TheSweepGoesOnAfterARestart) {
  const std::vector<ExecutionRecord> history = History(60);
  {
    auto store = OpenStore(RetainingOptions());
    ASSERT_NE(store, nullptr);
    MustApply(*store, history);
    clock_.Advance(10 * kDay);  // Everything but the ABORTED ones expires.
    EXPECT_EQ(MustDeleteExpired(*store, 20), 20u);
  }
  const Records live = Live(history);
  ASSERT_EQ(live.size(), 15u);
  auto store = OpenStore(RetainingOptions());
  ASSERT_NE(store, nullptr);
  // 25 left to sweep: the restarted store counts them until it does.
  std::uint64_t counted = 0;
  for (const AgentSummary& agent : MustListAgents(*store)) counted += agent.executions;
  EXPECT_EQ(counted, 40u);
  EXPECT_EQ(MustDeleteExpired(*store, 1000), 25u);
  EXPECT_EQ(MustDeleteExpired(*store, 1000), 0u);
  ExpectCountsOf(*store, live);
  ExpectScansOf(*store, live);
}

TEST_F(RocksDbRetentionTest, ARecordWrittenAlreadyExpiredIsSweptBehindTheLastSweep) {
  auto store = OpenStore(RetainingOptions());
  ASSERT_NE(store, nullptr);
  MustApply(*store, History(20));
  EXPECT_GT(MustDeleteExpired(*store, 1000), 0u);
  // A backfill of an execution that finished a year ago: expired on arrival.
  const ExecutionRecord old =
      Exec("arn:aws:states:us-east-1:1:execution:m:old", "m", kSucceeded, kNow - 365 * kDay, kNow - 365 * kDay + 5);
  EXPECT_EQ(MustApply(*store, {old}), std::vector{kIndexed});
  EXPECT_FALSE(MustGet(*store, old.execution_arn));
  EXPECT_EQ(MustDeleteExpired(*store, 1000), 1u);
}

TEST_F(RocksDbRetentionTest, WithoutAPolicyNothingExpires) {
  RocksDbStoreOptions options = RetainingOptions();
  options.retention = RetentionPolicy{};
  auto store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  std::vector<ExecutionRecord> history = History(10);
  for (ExecutionRecord& record : history) record.ttl = 1;  // Not the store's: dropped.
  MustApply(*store, history);
  clock_.Advance(100 * kDay);
  EXPECT_EQ(MustDeleteExpired(*store, 1000), 0u);
  EXPECT_EQ(MustScan(*store, ScanRequest{.limit = 1000}).size(), history.size());
  EXPECT_EQ(MustGet(*store, history[0].execution_arn)->ttl, std::nullopt);
}

TEST_F(RocksDbRetentionTest, AStoreFromBeforeExpiryGetsItsEntriesAtOpen) {
  const std::vector<ExecutionRecord> history = History(30);
  {
    auto store = OpenStore(RetainingOptions());
    ASSERT_NE(store, nullptr);
    MustApply(*store, history);
  }
  {
    // As a build before the expiry family left it: no entries, no marker.
    auto raw = RawStore::Open(Options().path);
    ASSERT_NE(raw, nullptr);
    ASSERT_TRUE(raw->db().Delete(rocksdb::WriteOptions(), raw->family(RawStore::kMeta), "expiry").ok());
    ASSERT_TRUE(raw->db().DropColumnFamily(raw->family(RawStore::kExpiry)).ok());
  }
  auto store = OpenStore(RetainingOptions());
  ASSERT_NE(store, nullptr);
  clock_.Advance(2 * kDay);
  const Records live = Live(history);
  while (MustDeleteExpired(*store, 7) == 7) {
  }
  ExpectCountsOf(*store, live);
  ExpectScansOf(*store, live);
}

}  // namespace
}  // namespace exidx
