#include "store/rocksdb/rocksdb_store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/rocksdb/empty_wal_files.h"
#include "store/rocksdb/test_raw_store.h"
#include "store/rocksdb/test_records.h"
#include "store/rocksdb/test_temp_dir.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/perf_context.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <ostream>
#include <random>
#include <thread>

#include "store/rocksdb/index_keys.h"
#include "store/rocksdb/key_coding.h"

namespace exidx {

// Readable failures; internal linkage, found by argument-dependent lookup.
[[maybe_unused]] static void PrintTo(const ExecutionRecord& r, std::ostream* os) {
  *os << fmt::format("{{{} agent={} {} start={} stop={} redrive={} indexedAt={}}}", Quoted(r.execution_arn),
                     Quoted(r.agent_name), StatusName(r.status), r.start_date,
                     r.stop_date ? std::to_string(*r.stop_date) : "-", r.redrive_count, r.indexed_at);
}

namespace {

using std::string_literals::operator""s;
using Records = std::map<std::string, ExecutionRecord>;

// A fresh directory per test, removed afterwards.
class TempDir : public TestTempDir {
 public:
  TempDir() : TestTempDir("rocksdb") {}
};

// The reference: the merge rule applied one candidate at a time.
std::vector<ApplyOutcome> ApplySequentially(Records& truth, std::span<const ExecutionRecord> candidates) {
  std::vector<ApplyOutcome> outcomes;
  for (const ExecutionRecord& candidate : candidates) {
    auto it = truth.find(candidate.execution_arn);
    if (Supersedes(candidate, it == truth.end() ? nullptr : &it->second)) {
      truth.insert_or_assign(candidate.execution_arn, candidate);
      outcomes.push_back(ApplyOutcome::kIndexed);
    } else {
      outcomes.push_back(ApplyOutcome::kUnchanged);
    }
  }
  return outcomes;
}

// The reference answer of a scan: filter everything, sort, cut.
std::vector<ExecutionRecord> BruteForce(const Records& truth, const ScanRequest& request) {
  std::vector<ExecutionRecord> out;
  for (const auto& [arn, record] : truth) {
    if (!Matches(request.filter, record)) continue;
    if (request.after && !ComesBefore(*request.after, CursorOf(record), request.order)) continue;
    out.push_back(record);
  }
  std::sort(out.begin(), out.end(), [&](const ExecutionRecord& a, const ExecutionRecord& b) {
    return ComesBefore(CursorOf(a), CursorOf(b), request.order);
  });
  if (out.size() > request.limit) out.resize(request.limit);
  return out;
}

std::vector<std::string> ArnsOf(const std::vector<ExecutionRecord>& records) {
  std::vector<std::string> arns;
  for (const ExecutionRecord& record : records) arns.push_back(record.execution_arn);
  return arns;
}

std::string Describe(const ScanRequest& r) {
  return fmt::format(
      "agent={} status={} from={} to={} order={} after={} limit={}",
      r.filter.agent_name ? Quoted(*r.filter.agent_name) : "-", r.filter.status ? StatusName(*r.filter.status) : "-",
      r.filter.start_from, r.filter.start_to, r.order == SortOrder::kAsc ? "asc" : "desc",
      r.after ? fmt::format("({}, {})", r.after->start_date, Quoted(r.after->execution_arn)) : "-", r.limit);
}

class RocksDbStoreTest : public ::testing::Test {
 protected:
  RocksDbStoreOptions Options() const {
    RocksDbStoreOptions options;
    options.path = (dir_.path() / "db").string();
    options.block_cache_bytes = 8 << 20;
    return options;
  }

  std::unique_ptr<RocksDbStore> OpenStore(RocksDbStoreOptions options) {
    auto store = RocksDbStore::Open(options);
    EXPECT_TRUE(store.has_value()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }
  std::unique_ptr<RocksDbStore> OpenStore() { return OpenStore(Options()); }

  static std::vector<ApplyOutcome> MustApply(ExecutionStore& store, std::vector<ExecutionRecord> candidates) {
    auto outcomes = store.Apply(candidates);
    EXPECT_TRUE(outcomes.has_value()) << outcomes.error().message;
    return outcomes.value_or(std::vector<ApplyOutcome>());
  }

  static std::vector<ExecutionRecord> MustScan(ExecutionStore& store, const ScanRequest& request) {
    auto records = store.Scan(request);
    EXPECT_TRUE(records.has_value()) << records.error().message;
    return records.value_or(std::vector<ExecutionRecord>());
  }

  static std::optional<ExecutionRecord> MustGet(ExecutionStore& store, std::string_view arn) {
    auto record = store.Get(arn);
    EXPECT_TRUE(record.has_value()) << record.error().message;
    return record.value_or(std::nullopt);
  }

  static ScanRequest ByStatus(ExecutionStatus status, std::size_t limit = 1000) {
    ScanRequest request;
    request.filter.status = status;
    request.limit = limit;
    return request;
  }

  TempDir dir_;
};

constexpr auto kIndexed = ApplyOutcome::kIndexed;
constexpr auto kUnchanged = ApplyOutcome::kUnchanged;
constexpr auto kRunning = ExecutionStatus::kRunning;
constexpr auto kSucceeded = ExecutionStatus::kSucceeded;
constexpr auto kFailed = ExecutionStatus::kFailed;
constexpr auto kPendingRedrive = ExecutionStatus::kPendingRedrive;

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

// Random executions with several versions each, applied in random order and
// random chunks; agent names that are prefixes of one another; many equal
// startDates, negative ones included.
struct RandomData {
  Records truth;
  std::vector<std::string> agents;
  std::vector<EpochMillis> dates;
};

RandomData LoadRandomData(ExecutionStore& store, std::uint32_t seed, int executions) {
  std::mt19937 rng(seed);
  RandomData data;
  data.agents = {"a", "a\0b"s, "ab", "", "Agent-\xce\xb2"};
  for (int i = 0; i < 40; ++i) data.dates.push_back(std::uniform_int_distribution<EpochMillis>(-5000, 5000)(rng));
  auto pick = [&rng](const auto& items) {
    return items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(rng)];
  };
  auto chance = [&rng](double p) { return std::bernoulli_distribution(p)(rng); };

  std::vector<ExecutionRecord> events;
  for (int i = 0; i < executions; ++i) {
    const std::string agent = pick(data.agents);
    const std::string arn = fmt::format("arn:aws:states:us-east-1:1:execution:{}:{:03}", agent, (i * 7919) % 1000);
    EpochMillis start = pick(data.dates);
    events.push_back(Exec(arn, agent, kRunning, start));
    const int versions = std::uniform_int_distribution<int>(0, 3)(rng);
    for (int v = 0; v < versions; ++v) {
      const std::int64_t redrive = v / 2;
      const std::string version_agent = chance(0.05) ? pick(data.agents) : agent;
      if (chance(0.05)) start = pick(data.dates);
      if (v % 2 == 0) {
        events.push_back(
            Exec(arn, version_agent,
                 pick(std::vector{kSucceeded, kFailed, ExecutionStatus::kTimedOut, ExecutionStatus::kAborted}), start,
                 start + 100 + v, redrive));
      } else {
        events.push_back(Exec(arn, version_agent, chance(0.5) ? kPendingRedrive : kRunning, start,
                              chance(0.5) ? std::optional<EpochMillis>(start + 50) : std::nullopt, redrive + 1));
      }
    }
    if (chance(0.2)) events.push_back(events.back());  // A duplicate.
  }
  std::shuffle(events.begin(), events.end(), rng);

  for (std::size_t at = 0; at < events.size();) {
    const std::size_t n = std::min(events.size() - at, std::uniform_int_distribution<std::size_t>(1, 50)(rng));
    std::span<const ExecutionRecord> chunk(events.data() + at, n);
    const std::vector<ApplyOutcome> expected = ApplySequentially(data.truth, chunk);
    auto outcomes = store.Apply(chunk);
    EXPECT_TRUE(outcomes.has_value());
    EXPECT_EQ(outcomes.value_or(std::vector<ApplyOutcome>()), expected) << "chunk at " << at;
    at += n;
  }
  return data;
}

std::vector<ExecutionFilter> FiltersOf(const RandomData& data, std::mt19937& rng) {
  std::vector<std::optional<std::string>> agents = {std::nullopt, "missing", "a\0"s};
  for (const std::string& agent : data.agents) agents.push_back(agent);
  std::vector<std::optional<ExecutionStatus>> statuses = {std::nullopt};
  for (ExecutionStatus status : kAllStatuses) statuses.push_back(status);
  std::vector<ExecutionFilter> filters;
  for (const auto& agent : agents) {
    for (const auto& status : statuses) {
      ExecutionFilter filter;
      filter.agent_name = agent;
      filter.status = status;
      filters.push_back(filter);
      // Bounds at existing startDates, so that equality is exercised.
      EpochMillis from = data.dates[rng() % data.dates.size()];
      EpochMillis to = data.dates[rng() % data.dates.size()];
      if (from > to) std::swap(from, to);
      filter.start_from = from;
      filter.start_to = to;
      filters.push_back(filter);
      filter.start_to = from;
      filters.push_back(filter);
    }
  }
  return filters;
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

// Returns (not hangs) once RocksDB is idle, and the store answers as before.
TEST_F(RocksDbStoreTest, WaitForBackgroundWorkReturnsOnceIdle) {
  auto store = OpenStore();
  EXPECT_TRUE(store->WaitForBackgroundWork().has_value());
  const RandomData data = LoadRandomData(*store, 3, 300);
  ASSERT_TRUE(store->CompactAll().has_value());
  EXPECT_TRUE(store->WaitForBackgroundWork().has_value());
  const ScanRequest everything{.filter = {}, .order = SortOrder::kDesc, .after = std::nullopt, .limit = SIZE_MAX};
  EXPECT_EQ(MustScan(*store, everything), BruteForce(data.truth, everything));
}

TEST_F(RocksDbStoreTest, SecondOpenOfTheSamePathIsUnavailable) {
  auto store = OpenStore();
  auto second = RocksDbStore::Open(Options());
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message.find(Options().path), std::string::npos) << second.error().message;
}

// RocksDB 7.8 kept the empty WAL of every open that wrote nothing (737 of
// them in one store), and its info log in the store could abort the process
// on a full disk: neither is left in the directory.
TEST_F(RocksDbStoreTest, ReopeningLeavesNoEmptyWalFilesAndNoInfoLog) {
  auto count_wal_files = [&] {
    int wal_files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(Options().path)) {
      if (entry.path().extension() == ".log") ++wal_files;
    }
    return wal_files;
  };
  for (int i = 0; i < 6; ++i) {
    auto store = OpenStore();
    if (i == 2) {
      ASSERT_TRUE(store->Apply(std::vector<ExecutionRecord>{Exec("arn:e:1", "A", kRunning, 1000)}));
    }
  }
  EXPECT_LE(count_wal_files(), 1);
  EXPECT_FALSE(std::filesystem::exists(Options().path + "/LOG"));
  auto store = OpenStore();
  EXPECT_TRUE(store->Get("arn:e:1").value().has_value()) << "the write survived";
}

// Another process's store is left alone: its current WAL is empty too.
TEST_F(RocksDbStoreTest, EmptyWalFilesOfAStoreOpenElsewhereAreKept) {
  OpenStore().reset();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = RocksDbStore::Open(Options());
    const char byte = store ? 'y' : 'n';
    if (write(ready[1], &byte, 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 'y');
  std::vector<std::string> before;
  for (const auto& entry : std::filesystem::directory_iterator(Options().path)) before.push_back(entry.path());
  auto removed = RemoveEmptyWalFiles(Options().path);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_TRUE(removed.has_value()) << removed.error().message;
  EXPECT_EQ(*removed, 0u);
  for (const std::string& path : before) EXPECT_TRUE(std::filesystem::exists(path)) << path;
}

TEST_F(RocksDbStoreTest, MissingStoreIsAnErrorWithoutCreateIfMissing) {
  auto options = Options();
  options.create_if_missing = false;
  auto store = RocksDbStore::Open(options);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message.find(options.path), std::string::npos) << store.error().message;
  EXPECT_FALSE(std::filesystem::exists(options.path + "/CURRENT"));
}

TEST_F(RocksDbStoreTest, UnknownStoreFormatIsRefused) {
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, Options().path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "format_version", "\x09").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto store = RocksDbStore::Open(Options());
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
  EXPECT_NE(store.error().message.find("format version"), std::string::npos) << store.error().message;
}

// A store of format 1 (index keys oldest first) is converted when opened:
// its index is written again from the records. Simulated by marking a store
// as format 1 and adding index entries that no format 2 key can equal (an
// old key: prefix, startDate, executionArn unescaped); whether they are from
// format 1 or left by an interrupted conversion, none survives the next open.
TEST_F(RocksDbStoreTest, StoreOfFormat1IsConvertedWhenOpened) {
  Records truth;
  std::vector<ScanRequest> requests;
  std::string secret;
  {
    auto store = OpenStore();
    const RandomData data = LoadRandomData(*store, 77, 200);
    truth = data.truth;
    secret = store->PageTokenSecret().value_or("");
    std::mt19937 rng(9);
    for (const ExecutionFilter& filter : FiltersOf(data, rng)) {
      for (SortOrder order : {SortOrder::kDesc, SortOrder::kAsc}) {
        requests.push_back(ScanRequest{.filter = filter, .order = order, .after = std::nullopt, .limit = SIZE_MAX});
      }
    }
  }
  auto mark_as_format_1 = [&] {
    auto raw = RawStore::Open(Options().path);
    ASSERT_NE(raw, nullptr);
    rocksdb::DB& db = raw->db();
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), raw->family(RawStore::kMeta), "format_version", "\x01").ok());
    for (const auto& [arn, record] : truth) {
      // In the "all" shape, at the record's startDate: inside every range that holds the record.
      std::string old_key = "\x01";
      AppendMillisNewestFirst(old_key, record.start_date);
      old_key += arn;
      ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), raw->family(RawStore::kIndex), old_key, "stale").ok());
    }
    ASSERT_TRUE(raw->Close());
  };
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "format 1" : "conversion interrupted");
    mark_as_format_1();
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->PageTokenSecret().value_or(""), secret);
    for (const ScanRequest& request : requests) {
      ASSERT_EQ(MustScan(*store, request), BruteForce(truth, request)) << Describe(request);
    }
    for (const auto& [arn, record] : truth) EXPECT_EQ(MustGet(*store, arn), record);
  }
  // Converted for good: it opens as format 2, and goes on indexing.
  auto store = OpenStore();
  const std::vector<ExecutionRecord> more = {Exec("arn:new", "a", kRunning, 123)};
  EXPECT_EQ(MustApply(*store, more), std::vector{kIndexed});
  ApplySequentially(truth, more);
  for (const ScanRequest& request : requests) {
    ASSERT_EQ(MustScan(*store, request), BruteForce(truth, request)) << Describe(request);
  }
}

// Counts syncs of write-ahead logs; while `hold_syncs`, each sync waits until released.
class SyncCountingFileSystem : public rocksdb::FileSystemWrapper {
 public:
  SyncCountingFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "SyncCountingFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, file, dbg);
    if (status.ok() && name.ends_with(".log")) *file = std::make_unique<File>(std::move(*file), *this);
    return status;
  }

  void HoldSyncs() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void ReleaseSyncs() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  // Waits until a sync is waiting on the hold; false if none comes in time.
  bool AwaitHeldSync() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [this] { return waiting_ > 0; });
  }
  int syncs() const { return syncs_; }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, SyncCountingFileSystem& fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      fs_.OnSync();
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      fs_.OnSync();
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    SyncCountingFileSystem& fs_;
  };

  void OnSync() {
    ++syncs_;
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !held_; });
    --waiting_;
  }

  std::atomic<int> syncs_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  int waiting_ = 0;
};

// While one caller's fsync is in progress, the callers that queue behind it
// are committed together: one more fsync for all of them.
TEST_F(RocksDbStoreTest, QueuedCallersShareOneSync) {
  auto fs = std::make_shared<SyncCountingFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  auto options = Options();
  options.env = env.get();
  auto store = OpenStore(options);
  const int syncs_at_open = fs->syncs();

  fs->HoldSyncs();
  std::thread first([&] { MustApply(*store, {Exec("arn:e:first", "Agent", kRunning, 1000)}); });
  if (!fs->AwaitHeldSync()) {
    fs->ReleaseSyncs();
    first.join();
    FAIL() << "Apply returned without syncing the write-ahead log";
  }
  constexpr int kFollowers = 7;
  std::atomic<int> started{0};
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.emplace_back([&, i] {
      ++started;
      EXPECT_EQ(MustApply(*store, {Exec(fmt::format("arn:e:{}", i), "Agent", kRunning, 1000 + i)}),
                std::vector{kIndexed});
    });
  }
  while (started < kFollowers) std::this_thread::yield();
  // Followers queue behind the held leader; a slow one only costs an extra sync.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  fs->ReleaseSyncs();
  first.join();
  for (std::thread& follower : followers) follower.join();

  const int syncs = fs->syncs() - syncs_at_open;
  EXPECT_GE(syncs, 2);
  EXPECT_LT(syncs, 1 + kFollowers) << "no caller shared a sync";
  ScanRequest all;
  EXPECT_EQ(MustScan(*store, all).size(), 1u + kFollowers);
}

// Fails every append to a write-ahead log while armed, with `error`.
class FailingWalFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FailingWalFileSystem(rocksdb::IOStatus error)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), error_(std::move(error)) {}
  const char* Name() const override { return "FailingWalFileSystem"; }

  std::atomic<bool> armed{false};

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, file, dbg);
    if (status.ok() && name.ends_with(".log")) *file = std::make_unique<File>(std::move(*file), *this);
    return status;
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, const FailingWalFileSystem& fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_.armed) return fs_.error_;
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
      if (fs_.armed) return fs_.error_;
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }

   private:
    const FailingWalFileSystem& fs_;
  };

  rocksdb::IOStatus error_;
};

struct WalFault {
  const char* name;
  rocksdb::IOStatus error;
  bool recovers_in_process;  // RocksDB resumes writes itself, or only after a reopen.
};

class FailedWriteTest : public RocksDbStoreTest, public ::testing::WithParamInterface<WalFault> {};

TEST_P(FailedWriteTest, FailedWriteIsInvisibleAndTheStoreRecovers) {
  auto fs = std::make_shared<FailingWalFileSystem>(GetParam().error);
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  auto options = Options();
  options.env = env.get();
  const ExecutionRecord running = Exec("arn:e:1", "Agent", kRunning, 1000);
  const ExecutionRecord succeeded = Exec("arn:e:1", "Agent", kSucceeded, 1000, 2000);
  const ExecutionRecord other = Exec("arn:e:2", "Agent", kRunning, 1001);
  {
    auto store = OpenStore(options);
    MustApply(*store, {running});

    fs->armed = true;
    auto failed = store->Apply(std::vector{succeeded, other});
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(failed.error().message.find("injected"), std::string::npos) << failed.error().message;
    EXPECT_NE(failed.error().message.find(options.path), std::string::npos) << failed.error().message;
    // Reads go on, and show nothing of the failed call.
    EXPECT_EQ(MustGet(*store, "arn:e:1"), running);
    EXPECT_EQ(MustGet(*store, "arn:e:2"), std::nullopt);
    EXPECT_TRUE(MustScan(*store, ByStatus(kSucceeded)).empty());
    EXPECT_EQ(ArnsOf(MustScan(*store, ByStatus(kRunning))), std::vector<std::string>{"arn:e:1"});
    auto feed = store->ReadChanges(0, 10);
    ASSERT_TRUE(feed.has_value()) << feed.error().message;
    ASSERT_EQ(feed->changes.size(), 1u);
    EXPECT_EQ(feed->changes[0].record, running);
    EXPECT_EQ(feed->latest, 1u);
    EXPECT_EQ(store->ListAgents(), (std::vector<AgentSummary>{{"Agent", 1}}));

    fs->armed = false;
    auto retried = store->Apply(std::vector{succeeded});
    if (GetParam().recovers_in_process) {
      // RocksDB recovers in the background; until then writes are refused.
      for (int attempt = 0; attempt < 600 && !retried; ++attempt) {
        EXPECT_EQ(retried.error().code, ErrorCode::kUnavailable);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        retried = store->Apply(std::vector{succeeded});
      }
      ASSERT_TRUE(retried.has_value()) << retried.error().message;
      EXPECT_EQ(*retried, std::vector{kIndexed});
      EXPECT_EQ(MustGet(*store, "arn:e:1"), succeeded);
    } else {
      ASSERT_FALSE(retried.has_value());
      EXPECT_EQ(retried.error().code, ErrorCode::kUnavailable);
      EXPECT_NE(retried.error().message.find("reopen"), std::string::npos) << retried.error().message;
      EXPECT_EQ(MustGet(*store, "arn:e:1"), running);
    }
  }
  // After a restart the store takes writes, and the failed call never shows.
  auto store = OpenStore(options);
  EXPECT_EQ(MustGet(*store, "arn:e:2"), std::nullopt);
  EXPECT_EQ(MustApply(*store, {succeeded, other}),
            (GetParam().recovers_in_process ? std::vector{kUnchanged, kIndexed} : std::vector{kIndexed, kIndexed}));
  EXPECT_EQ(MustGet(*store, "arn:e:1"), succeeded);
  EXPECT_EQ(ArnsOf(MustScan(*store, ByStatus(kRunning))), std::vector<std::string>{"arn:e:2"});
  // The feed holds each change once, in order; a failed batch's sequences
  // may be skipped, never shown.
  auto feed = store->ReadChanges(0, 10);
  ASSERT_TRUE(feed.has_value()) << feed.error().message;
  std::vector<ExecutionRecord> changes;
  for (std::size_t i = 0; i < feed->changes.size(); ++i) {
    changes.push_back(feed->changes[i].record);
    if (i > 0) {
      EXPECT_GT(feed->changes[i].sequence, feed->changes[i - 1].sequence);
    }
  }
  EXPECT_EQ(changes, (std::vector{running, succeeded, other}));
  EXPECT_EQ(store->ListAgents(), (std::vector<AgentSummary>{{"Agent", 2}}));
}

INSTANTIATE_TEST_SUITE_P(WalFaults, FailedWriteTest,
                         ::testing::Values(WalFault{"NoSpace", rocksdb::IOStatus::NoSpace("injected: disk full"), true},
                                           WalFault{"IOError",
                                                    rocksdb::IOStatus::IOError("injected: WAL append failed"), false}),
                         [](const ::testing::TestParamInfo<WalFault>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace exidx
