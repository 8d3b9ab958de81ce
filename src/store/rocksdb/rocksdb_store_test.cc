// RocksDbStore's merge rule, scans against brute force, reopening and
// compaction, and concurrent writers. Opening, files and formats:
// rocksdb_store_open_test.cc; syncs and failed writes: rocksdb_store_write_test.cc.
#include "store/rocksdb/rocksdb_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/perf_context.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "store/rocksdb/test_rocksdb_store.h"
#include "support/temp_dir.h"

namespace exidx {
namespace {

using testing::TempDir;

TEST_F(RocksDbStoreTest, FirstRecordIsIndexedAndDuplicatesAreUnchanged) {
  auto store = OpenStore();
  const ExecutionRecord running = Exec("arn:e:1", "Agent", kRunning, 1000);
  EXPECT_EQ(MustApply(*store, {running}), std::vector{kIndexed});
  EXPECT_EQ(MustApply(*store, {running}), std::vector{kUnchanged});
  EXPECT_EQ(MustGet(*store, "arn:e:1"), running);
  EXPECT_EQ(MustGet(*store, "arn:e:2"), std::nullopt);
}

TEST_F(RocksDbStoreTest, EqualVersionDoesNotReplaceEvenWithOtherFields) {
  auto store = OpenStore();
  const ExecutionRecord first = Exec("arn:e:1", "Agent", kSucceeded, 1000, 2000);
  ExecutionRecord same_version = first;
  same_version.indexed_at += 99;
  same_version.error = "other";
  EXPECT_EQ(MustApply(*store, {first, same_version}), (std::vector{kIndexed, kUnchanged}));
  EXPECT_EQ(MustGet(*store, "arn:e:1"), first);
}

TEST_F(RocksDbStoreTest, LateRunningDoesNotRegressTerminalRecord) {
  auto store = OpenStore();
  const ExecutionRecord succeeded = Exec("arn:e:1", "Agent", kSucceeded, 1000, 5000);
  EXPECT_EQ(MustApply(*store, {succeeded}), std::vector{kIndexed});
  EXPECT_EQ(MustApply(*store, {Exec("arn:e:1", "Agent", kRunning, 1000)}), std::vector{kUnchanged});
  EXPECT_EQ(MustGet(*store, "arn:e:1"), succeeded);
  EXPECT_TRUE(MustScan(*store, ByStatus(kRunning)).empty());
  EXPECT_EQ(ArnsOf(MustScan(*store, ByStatus(kSucceeded))), std::vector<std::string>{"arn:e:1"});
}

TEST_F(RocksDbStoreTest, RedriveReopensFailedExecution) {
  auto store = OpenStore();
  EXPECT_EQ(MustApply(*store, {Exec("arn:e:1", "Agent", kFailed, 1000, 5000)}), std::vector{kIndexed});
  const ExecutionRecord redriven = Exec("arn:e:1", "Agent", kRunning, 1000, std::nullopt, 1);
  EXPECT_EQ(MustApply(*store, {redriven}), std::vector{kIndexed});
  EXPECT_EQ(MustGet(*store, "arn:e:1"), redriven);
  EXPECT_TRUE(MustScan(*store, ByStatus(kFailed)).empty());
  EXPECT_EQ(ArnsOf(MustScan(*store, ByStatus(kRunning))), std::vector<std::string>{"arn:e:1"});
  // The old attempt's late events stay below the redrive.
  EXPECT_EQ(MustApply(*store, {Exec("arn:e:1", "Agent", kPendingRedrive, 1000, 6000)}), std::vector{kUnchanged});
}

TEST_F(RocksDbStoreTest, StatusChangeMovesIndexEntries) {
  auto store = OpenStore();
  MustApply(*store, {Exec("arn:e:1", "Agent", kRunning, 1000), Exec("arn:e:2", "Agent", kRunning, 1001)});
  MustApply(*store, {Exec("arn:e:1", "Agent", kSucceeded, 1000, 3000)});

  EXPECT_EQ(ArnsOf(MustScan(*store, ByStatus(kRunning))), std::vector<std::string>{"arn:e:2"});
  EXPECT_EQ(ArnsOf(MustScan(*store, ByStatus(kSucceeded))), std::vector<std::string>{"arn:e:1"});
  ScanRequest agent_running = ByStatus(kRunning);
  agent_running.filter.agent_name = "Agent";
  EXPECT_EQ(ArnsOf(MustScan(*store, agent_running)), std::vector<std::string>{"arn:e:2"});
  // Unfiltered and by-agent scans list it once, with its new status.
  ScanRequest all;
  EXPECT_EQ(ArnsOf(MustScan(*store, all)), (std::vector<std::string>{"arn:e:2", "arn:e:1"}));
  all.filter.agent_name = "Agent";
  auto by_agent = MustScan(*store, all);
  ASSERT_EQ(by_agent.size(), 2u);
  EXPECT_EQ(by_agent[1].status, kSucceeded);
}

TEST_F(RocksDbStoreTest, AgentAndStartDateChangesMoveIndexEntries) {
  auto store = OpenStore();
  MustApply(*store, {Exec("arn:e:1", "Old", kRunning, 1000)});
  MustApply(*store, {Exec("arn:e:1", "New", kSucceeded, 2000, 3000)});
  ScanRequest request;
  request.filter.agent_name = "Old";
  EXPECT_TRUE(MustScan(*store, request).empty());
  request.filter.agent_name = "New";
  EXPECT_EQ(ArnsOf(MustScan(*store, request)), std::vector<std::string>{"arn:e:1"});
  request.filter.agent_name.reset();
  request.filter.start_to = 1500;
  EXPECT_TRUE(MustScan(*store, request).empty());
}

TEST_F(RocksDbStoreTest, CandidatesOfOneCallSeeEarlierOnes) {
  auto store = OpenStore();
  const ExecutionRecord running = Exec("arn:e:1", "Agent", kRunning, 1000);
  const ExecutionRecord failed = Exec("arn:e:1", "Agent", kFailed, 1000, 2000);
  const ExecutionRecord other = Exec("arn:e:2", "Agent", kRunning, 1000);
  EXPECT_EQ(MustApply(*store, {running, failed, running, other, failed}),
            (std::vector{kIndexed, kIndexed, kUnchanged, kIndexed, kUnchanged}));
  EXPECT_EQ(MustGet(*store, "arn:e:1"), failed);
  EXPECT_TRUE(MustScan(*store, ByStatus(kRunning)).size() == 1);
  EXPECT_EQ(MustApply(*store, {}), std::vector<ApplyOutcome>{});
}

TEST_F(RocksDbStoreTest, BoundsAreInclusiveToTheMillisecond) {
  auto store = OpenStore();
  std::vector<ExecutionRecord> records;
  for (EpochMillis start : {999, 1000, 1001, 1999, 2000, 2001}) {
    records.push_back(Exec(fmt::format("arn:e:{}", start), "Agent", kRunning, start));
  }
  MustApply(*store, records);
  ScanRequest request;
  request.filter.start_from = 1000;
  request.filter.start_to = 2000;
  EXPECT_EQ(ArnsOf(MustScan(*store, request)),
            (std::vector<std::string>{"arn:e:2000", "arn:e:1999", "arn:e:1001", "arn:e:1000"}));
  request.order = SortOrder::kAsc;
  EXPECT_EQ(ArnsOf(MustScan(*store, request)),
            (std::vector<std::string>{"arn:e:1000", "arn:e:1001", "arn:e:1999", "arn:e:2000"}));
  request.filter.start_to = 1000;
  EXPECT_EQ(ArnsOf(MustScan(*store, request)), std::vector<std::string>{"arn:e:1000"});
  request.filter.agent_name = "Agent";
  request.filter.status = kRunning;
  EXPECT_EQ(ArnsOf(MustScan(*store, request)), std::vector<std::string>{"arn:e:1000"});
  request.filter.start_from = 1002;
  request.filter.start_to = 1998;
  EXPECT_TRUE(MustScan(*store, request).empty());
}

TEST_F(RocksDbStoreTest, LimitZeroReturnsNothing) {
  auto store = OpenStore();
  MustApply(*store, {Exec("arn:e:1", "Agent", kRunning, 1000)});
  ScanRequest request;
  request.limit = 0;
  EXPECT_TRUE(MustScan(*store, request).empty());
}

TEST_F(RocksDbStoreTest, PagesOfEveryFilterAndOrderMatchBruteForce) {
  auto options = Options();
  options.durability = Durability::kRelaxed;
  auto store = OpenStore(options);
  const RandomData data = LoadRandomData(*store, 20250929, 400);
  ASSERT_GE(data.truth.size(), 390u);  // ARNs repeat only by construction's modulo.
  for (const auto& [arn, record] : data.truth) ASSERT_EQ(MustGet(*store, arn), record);

  std::mt19937 rng(7);
  int walks = 0;
  for (const ExecutionFilter& filter : FiltersOf(data, rng)) {
    for (SortOrder order : {SortOrder::kDesc, SortOrder::kAsc}) {
      ScanRequest everything{.filter = filter, .order = order, .after = std::nullopt, .limit = SIZE_MAX};
      const std::vector<ExecutionRecord> expected = BruteForce(data.truth, everything);
      ASSERT_EQ(MustScan(*store, everything), expected) << Describe(everything);
      for (std::size_t page_size = 1; page_size <= 7; ++page_size) {
        ScanRequest request{.filter = filter, .order = order, .after = std::nullopt, .limit = page_size};
        std::size_t seen = 0;
        while (true) {
          const std::vector<ExecutionRecord> page = MustScan(*store, request);
          const std::size_t want = std::min(page_size, expected.size() - seen);
          ASSERT_EQ(page.size(), want) << Describe(request);
          ASSERT_TRUE(std::equal(page.begin(), page.end(), expected.begin() + seen)) << Describe(request);
          seen += page.size();
          if (page.size() < page_size) break;
          request.after = CursorOf(page.back());
        }
        ASSERT_EQ(seen, expected.size());
        ++walks;
      }
    }
  }
  EXPECT_EQ(walks, 8 * 7 * 3 * 2 * 7);
}

TEST_F(RocksDbStoreTest, ScansFromArbitraryCursorsMatchBruteForce) {
  auto options = Options();
  options.durability = Durability::kRelaxed;
  auto store = OpenStore(options);
  const RandomData data = LoadRandomData(*store, 42, 300);
  std::vector<std::string> arns;
  for (const auto& [arn, record] : data.truth) arns.push_back(arn);

  std::mt19937 rng(11);
  const std::vector<ExecutionFilter> filters = FiltersOf(data, rng);
  for (int i = 0; i < 3000; ++i) {
    ScanRequest request;
    request.filter = filters[rng() % filters.size()];
    request.order = rng() % 2 ? SortOrder::kAsc : SortOrder::kDesc;
    request.limit = 1 + rng() % 7;
    // Cursors on, between and beyond existing positions.
    std::string arn = arns[rng() % arns.size()];
    switch (rng() % 4) {
      case 0: arn.push_back('\0'); break;
      case 1: arn.pop_back(); break;
      case 2: arn = ""; break;
      default: break;
    }
    const EpochMillis date = data.dates[rng() % data.dates.size()] + static_cast<EpochMillis>(rng() % 3) - 1;
    request.after = Cursor{date, arn};
    ASSERT_EQ(MustScan(*store, request), BruteForce(data.truth, request)) << Describe(request);
  }
}

// Counts the index steps through RocksDB's perf context. The data stay in the
// memtable, whose iterator counts every step; forward iteration (newest
// first) takes one step per entry, backward one more (to see where the
// previous key ends).
TEST_F(RocksDbStoreTest, ScanReadsOnlyTheIndexEntriesItReturns) {
  auto store = OpenStore();
  std::vector<ExecutionRecord> records;
  for (int i = 0; i < 300; ++i) {
    // Agents interleave in time, so a filter-and-discard scan would step over both.
    records.push_back(Exec(fmt::format("arn:e:{:03}", i), i % 3 == 0 ? "a" : "b", kRunning, 1000 + i));
  }
  MustApply(*store, records);
  Records truth;
  ApplySequentially(truth, records);
  for (SortOrder order : {SortOrder::kAsc, SortOrder::kDesc}) {
    for (std::size_t limit : {1, 5, 40}) {
      ScanRequest request;
      request.filter.agent_name = "a";
      request.order = order;
      request.after = Cursor{1000 + 150, "arn:e:150"};
      request.limit = limit;
      rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
      rocksdb::get_perf_context()->Reset();
      const std::vector<ExecutionRecord> page = MustScan(*store, request);
      const rocksdb::PerfContext counts = *rocksdb::get_perf_context();
      rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);

      ASSERT_EQ(page, BruteForce(truth, request));
      ASSERT_EQ(page.size(), limit);
      EXPECT_EQ(page.front().execution_arn, order == SortOrder::kAsc ? "arn:e:153" : "arn:e:147");
      EXPECT_EQ(counts.seek_on_memtable_count, 1u);
      if (order == SortOrder::kDesc) {
        EXPECT_EQ(counts.next_on_memtable_count, limit - 1) << "limit " << limit;
        EXPECT_EQ(counts.prev_on_memtable_count, 0u) << "limit " << limit;
      } else {
        EXPECT_EQ(counts.prev_on_memtable_count, limit + 1) << "limit " << limit;
      }
      EXPECT_EQ(counts.internal_key_skipped_count, order == SortOrder::kDesc ? limit - 1 : limit);
    }
  }
}

TEST_F(RocksDbStoreTest, ReopenedStoreAnswersTheSameAndKeepsItsSecret) {
  std::string secret;
  std::vector<std::vector<ExecutionRecord>> answers;
  std::vector<ScanRequest> requests;
  Records truth;
  {
    auto store = OpenStore();
    auto first_secret = store->PageTokenSecret();
    ASSERT_TRUE(first_secret.has_value());
    secret = *first_secret;
    EXPECT_EQ(secret.size(), 32u);
    const RandomData data = LoadRandomData(*store, 5, 200);
    truth = data.truth;
    std::mt19937 rng(3);
    for (const ExecutionFilter& filter : FiltersOf(data, rng)) {
      requests.push_back(ScanRequest{.filter = filter, .order = SortOrder::kDesc, .after = std::nullopt, .limit = 10});
      answers.push_back(MustScan(*store, requests.back()));
    }
  }
  auto store = OpenStore();
  EXPECT_EQ(store->PageTokenSecret().value_or(""), secret);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(MustScan(*store, requests[i]), answers[i]) << Describe(requests[i]);
    EXPECT_EQ(answers[i], BruteForce(truth, requests[i]));
  }
  for (const auto& [arn, record] : truth) EXPECT_EQ(MustGet(*store, arn), record);

  // A different store has a different secret.
  TempDir other;
  auto options = Options();
  options.path = (other.path() / "db").string();
  auto other_store = OpenStore(options);
  EXPECT_NE(other_store->PageTokenSecret().value_or(secret), secret);
}

TEST_F(RocksDbStoreTest, CompactAllKeepsEveryAnswer) {
  auto store = OpenStore();
  const RandomData data = LoadRandomData(*store, 8, 200);
  ASSERT_TRUE(store->CompactAll().has_value());
  std::size_t sst_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(Options().path)) {
    sst_files += entry.path().extension() == ".sst";
  }
  EXPECT_GE(sst_files, 2u);  // At least records and index.
  std::mt19937 rng(1);
  for (const ExecutionFilter& filter : FiltersOf(data, rng)) {
    ScanRequest request{.filter = filter, .order = SortOrder::kAsc, .after = std::nullopt, .limit = SIZE_MAX};
    ASSERT_EQ(MustScan(*store, request), BruteForce(data.truth, request)) << Describe(request);
  }
  for (const auto& [arn, record] : data.truth) ASSERT_EQ(MustGet(*store, arn), record);
}

TEST_F(RocksDbStoreTest, ConcurrentAppliesEndInTheSequentialMergeResult) {
  // Every version of every execution, twice, dealt to 8 threads in random order.
  std::vector<ExecutionRecord> events;
  for (int e = 0; e < 64; ++e) {
    const std::string arn = fmt::format("arn:e:{:02}", e);
    const std::string agent = e % 2 ? "a" : "b";
    const EpochMillis start = 1000 + e % 5;
    std::vector<ExecutionRecord> versions = {
        Exec(arn, agent, kRunning, start),
        Exec(arn, agent, e % 3 ? kSucceeded : kFailed, start, start + 10),
        Exec(arn, agent, kPendingRedrive, start, start + 20),
    };
    if (e % 4 == 0) {
      versions.push_back(Exec(arn, agent, kRunning, start, std::nullopt, 1));
      versions.push_back(Exec(arn, agent, kSucceeded, start, start + 30, 1));
    }
    for (int copy = 0; copy < 2; ++copy) events.insert(events.end(), versions.begin(), versions.end());
  }
  std::mt19937 rng(99);
  std::shuffle(events.begin(), events.end(), rng);
  Records truth;
  ApplySequentially(truth, events);

  auto store = OpenStore();  // kSync: callers share fsyncs.
  constexpr int kThreads = 8;
  std::atomic<int> failures{0};
  std::atomic<int> indexed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<ExecutionRecord> mine;
      for (std::size_t i = t; i < events.size(); i += kThreads) mine.push_back(events[i]);
      for (std::size_t at = 0; at < mine.size();) {
        const std::size_t n = std::min<std::size_t>(mine.size() - at, 1 + (at + t) % 3);
        auto outcomes = store->Apply(std::span<const ExecutionRecord>(mine.data() + at, n));
        if (!outcomes || outcomes->size() != n) {
          ++failures;
        } else {
          indexed += static_cast<int>(std::count(outcomes->begin(), outcomes->end(), kIndexed));
        }
        at += n;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);
  // Each execution is indexed at least once and at most once per distinct version.
  EXPECT_GE(indexed.load(), 64);
  EXPECT_LE(indexed.load(), static_cast<int>(events.size() / 2));

  for (const auto& [arn, record] : truth) EXPECT_EQ(MustGet(*store, arn), record);
  ScanRequest request;
  request.limit = SIZE_MAX;
  for (std::optional<std::string> agent : {std::optional<std::string>(), std::optional<std::string>("a")}) {
    for (std::optional<ExecutionStatus> status :
         {std::optional<ExecutionStatus>(), std::optional(kRunning), std::optional(kSucceeded), std::optional(kFailed),
          std::optional(kPendingRedrive)}) {
      request.filter.agent_name = agent;
      request.filter.status = status;
      EXPECT_EQ(MustScan(*store, request), BruteForce(truth, request)) << Describe(request);
    }
  }
}

}  // namespace
}  // namespace exidx
