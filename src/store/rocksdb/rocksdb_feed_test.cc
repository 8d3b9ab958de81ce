// RocksDbStore's change feed (ReadChanges) and agent counts (ListAgents).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <ostream>
#include <random>
#include <thread>

#include "store/rocksdb/rocksdb_store.h"
#include "store/rocksdb/test_raw_store.h"
#include "support/random_stream.h"
#include "support/record_builder.h"
#include "support/reference_store.h"
#include "support/temp_dir.h"

namespace exidx {

// Readable failures; internal linkage, found by argument-dependent lookup.
[[maybe_unused]] static void PrintTo(const ExecutionRecord& r, std::ostream* os) {
  *os << fmt::format("{{{} agent={} {} start={} stop={} redrive={} indexedAt={}}}", Quoted(r.execution_arn),
                     Quoted(r.agent_name), StatusName(r.status), r.start_date,
                     r.stop_date ? std::to_string(*r.stop_date) : "-", r.redrive_count, r.indexed_at);
}
[[maybe_unused]] static void PrintTo(const RecordChange& c, std::ostream* os) {
  *os << "#" << c.sequence << " ";
  PrintTo(c.record, os);
}
[[maybe_unused]] static void PrintTo(const AgentSummary& a, std::ostream* os) {
  *os << Quoted(a.agent_name) << ":" << a.executions;
}
static bool operator==(const RecordChange& a, const RecordChange& b) {
  return a.sequence == b.sequence && a.record == b.record;
}

namespace {

using std::string_literals::operator""s;
using testing::Exec;
using testing::TempDir;
using Records = std::map<std::string, ExecutionRecord>;

constexpr auto kIndexed = ApplyOutcome::kIndexed;
constexpr auto kUnchanged = ApplyOutcome::kUnchanged;
constexpr auto kRunning = ExecutionStatus::kRunning;
constexpr auto kSucceeded = ExecutionStatus::kSucceeded;
constexpr auto kFailed = ExecutionStatus::kFailed;
constexpr auto kPendingRedrive = ExecutionStatus::kPendingRedrive;

// Every version of `executions` executions, agents changing now and then,
// duplicated and shuffled (RandomStream).
std::vector<ExecutionRecord> RandomStream(std::uint32_t seed, int executions) {
  return testing::RandomStream(
      {.seed = seed, .executions = executions, .agents = {"a", "a\0b"s, "ab", "", "Agent-\xce\xb2", "z"}});
}

std::vector<AgentSummary> CountByBruteForce(const Records& truth) {
  std::map<std::string, std::uint64_t> counts;
  for (const auto& [arn, record] : truth) ++counts[record.agent_name];
  std::vector<AgentSummary> out;
  for (const auto& [agent, n] : counts) out.push_back({agent, n});
  return out;
}

class RocksDbFeedTest : public ::testing::Test {
 protected:
  RocksDbStoreOptions Options(std::uint64_t capacity = 100'000) const {
    RocksDbStoreOptions options;
    options.path = (dir_.path() / "db").string();
    options.durability = Durability::kRelaxed;
    options.block_cache_bytes = 8 << 20;
    options.change_feed_capacity = capacity;
    return options;
  }

  static std::unique_ptr<RocksDbStore> OpenStore(const RocksDbStoreOptions& options) {
    auto store = RocksDbStore::Open(options);
    EXPECT_TRUE(store.has_value()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // Applies `candidates` and, the reference for the feed, appends those it
  // indexed to `indexed` and merges them into `truth`.
  static std::vector<ApplyOutcome> MustApply(ExecutionStore& store, const std::vector<ExecutionRecord>& candidates,
                                             std::vector<ExecutionRecord>* indexed = nullptr,
                                             Records* truth = nullptr) {
    auto outcomes = store.Apply(candidates);
    EXPECT_TRUE(outcomes.has_value()) << outcomes.error().message;
    if (!outcomes) return {};
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if ((*outcomes)[i] != kIndexed) continue;
      if (indexed != nullptr) indexed->push_back(candidates[i]);
      if (truth != nullptr) truth->insert_or_assign(candidates[i].execution_arn, candidates[i]);
    }
    return *outcomes;
  }

  static ChangeRange MustRead(ExecutionStore& store, std::uint64_t after, std::size_t limit = SIZE_MAX) {
    auto range = store.ReadChanges(after, limit);
    EXPECT_TRUE(range.has_value()) << range.error().message;
    return range.value_or(ChangeRange());
  }

  static std::vector<AgentSummary> MustListAgents(ExecutionStore& store) {
    auto agents = store.ListAgents();
    EXPECT_TRUE(agents.has_value()) << agents.error().message;
    return agents.value_or(std::vector<AgentSummary>());
  }

  // The changes `indexed` numbered from `first`.
  static std::vector<RecordChange> Numbered(const std::vector<ExecutionRecord>& indexed, std::uint64_t first = 1) {
    std::vector<RecordChange> changes;
    for (const ExecutionRecord& record : indexed) changes.push_back({first++, record});
    return changes;
  }

  TempDir dir_;
};

TEST_F(RocksDbFeedTest, FreshStoreHasAnEmptyFeedAndNoAgents) {
  auto store = OpenStore(Options());
  for (std::uint64_t after : {std::uint64_t{0}, std::uint64_t{5}, UINT64_MAX}) {
    const ChangeRange range = MustRead(*store, after, 10);
    EXPECT_TRUE(range.changes.empty()) << after;
    EXPECT_FALSE(range.missed) << after;
    EXPECT_EQ(range.latest, 0u) << after;
  }
  EXPECT_TRUE(MustListAgents(*store).empty());
}

TEST_F(RocksDbFeedTest, FeedHoldsEachChangeInApplyOrderAndNothingForUnchanged) {
  auto store = OpenStore(Options());
  const ExecutionRecord a_running = Exec("arn:e:a", "alpha", kRunning, 1000);
  const ExecutionRecord a_succeeded = Exec("arn:e:a", "alpha", kSucceeded, 1000, 2000);
  const ExecutionRecord b_failed = Exec("arn:e:b", "beta", kFailed, 1500, 1600);
  const ExecutionRecord b_redriven = Exec("arn:e:b", "beta", kRunning, 1500, std::nullopt, 1);
  EXPECT_EQ(MustApply(*store, {a_running, a_running}), (std::vector{kIndexed, kUnchanged}));
  // Both versions of one call are changes, the older first.
  EXPECT_EQ(MustApply(*store, {b_failed, a_succeeded, b_redriven}), (std::vector{kIndexed, kIndexed, kIndexed}));
  EXPECT_EQ(MustApply(*store, {a_running, b_failed, a_succeeded}), (std::vector{kUnchanged, kUnchanged, kUnchanged}));

  const ChangeRange range = MustRead(*store, 0);
  EXPECT_EQ(range.changes, Numbered({a_running, b_failed, a_succeeded, b_redriven}));
  EXPECT_EQ(range.latest, 4u);
  EXPECT_FALSE(range.missed);

  const ChangeRange tail = MustRead(*store, 2);
  EXPECT_EQ(tail.changes, Numbered({a_succeeded, b_redriven}, 3));
  EXPECT_EQ(tail.latest, 4u);
  EXPECT_FALSE(tail.missed);
}

TEST_F(RocksDbFeedTest, PagesOfTheFeedJoinToTheWholeFeed) {
  auto store = OpenStore(Options());
  std::vector<ExecutionRecord> indexed;
  for (int i = 0; i < 23; ++i) {
    MustApply(*store,
              {Exec(fmt::format("arn:e:{}", i % 9), "agent", i < 9 ? kRunning : kSucceeded, 1000 + i % 9,
                    i < 9 ? std::nullopt : std::optional<EpochMillis>(2000 + i % 9))},
              &indexed);
  }
  ASSERT_EQ(indexed.size(), 18u);  // Nine started, nine finished, five late duplicates of a finish.
  for (std::size_t limit : {1, 3, 7, 18, 100}) {
    std::vector<RecordChange> joined;
    std::uint64_t after = 0;
    for (int page = 0; page < 100; ++page) {
      const ChangeRange range = MustRead(*store, after, limit);
      EXPECT_EQ(range.latest, 18u);
      EXPECT_FALSE(range.missed);
      EXPECT_LE(range.changes.size(), limit);
      if (range.changes.empty()) break;
      joined.insert(joined.end(), range.changes.begin(), range.changes.end());
      after = range.changes.back().sequence;
    }
    EXPECT_EQ(joined, Numbered(indexed)) << "limit " << limit;
  }
  // Limit 0 still tells the newest sequence.
  const ChangeRange probe = MustRead(*store, 3, 0);
  EXPECT_TRUE(probe.changes.empty());
  EXPECT_EQ(probe.latest, 18u);
  EXPECT_FALSE(probe.missed);
}

TEST_F(RocksDbFeedTest, ReadingAfterTheNewestChangeFindsNothingAndMissesNothing) {
  auto store = OpenStore(Options());
  MustApply(*store, {Exec("arn:e:1", "a", kRunning, 1), Exec("arn:e:2", "a", kRunning, 2)});
  for (std::uint64_t after : {std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{1000}, UINT64_MAX}) {
    const ChangeRange range = MustRead(*store, after);
    EXPECT_TRUE(range.changes.empty()) << after;
    EXPECT_FALSE(range.missed) << after;
    EXPECT_EQ(range.latest, 2u) << after;
  }
}

TEST_F(RocksDbFeedTest, TrimmedFeedKeepsTheNewestChangesAndReportsMissedReaders) {
  constexpr std::uint64_t kCapacity = 16;  // Trims in steps of 2: keeps 16 to 18.
  auto store = OpenStore(Options(kCapacity));
  std::vector<ExecutionRecord> indexed;
  for (int i = 0; i < 100; ++i) {
    MustApply(*store, {Exec(fmt::format("arn:e:{}", i), "a", kRunning, i)}, &indexed);
    const ChangeRange all = MustRead(*store, 0);
    ASSERT_FALSE(all.changes.empty());
    EXPECT_EQ(all.latest, i + 1u);
    EXPECT_GE(all.changes.size(), std::min<std::uint64_t>(kCapacity, i + 1)) << i;
    EXPECT_LE(all.changes.size(), kCapacity + kCapacity / 8) << i;
    const std::uint64_t first = all.changes.front().sequence;
    EXPECT_EQ(all.missed, first > 1) << i;
    // What is kept is the newest changes, unbroken.
    const std::vector<ExecutionRecord> newest(indexed.end() - static_cast<std::ptrdiff_t>(all.changes.size()),
                                              indexed.end());
    EXPECT_EQ(all.changes, Numbered(newest, first)) << i;
    // A reader that has everything before the first change kept missed nothing;
    // one that lacks the change just before it did.
    EXPECT_FALSE(MustRead(*store, first - 1).missed) << i;
    if (first >= 2) {
      const ChangeRange late = MustRead(*store, first - 2, 3);
      EXPECT_TRUE(late.missed) << i;
      EXPECT_EQ(late.changes, Numbered({indexed[first - 1], indexed[first], indexed[first + 1]}, first)) << i;
    }
  }
  // Trimmed changes stay trimmed after a reopen, and sequences go on.
  const std::uint64_t first = MustRead(*store, 0).changes.front().sequence;
  store.reset();
  store = OpenStore(Options(kCapacity));
  EXPECT_TRUE(MustRead(*store, first - 2).missed);
  EXPECT_EQ(MustRead(*store, first - 1).changes.front().sequence, first);
  MustApply(*store, {Exec("arn:e:more", "a", kRunning, 1)});
  EXPECT_EQ(MustRead(*store, 100).changes, Numbered({Exec("arn:e:more", "a", kRunning, 1)}, 101));
}

TEST_F(RocksDbFeedTest, SmallerCapacityAtReopenTrimsAtTheNextWrite) {
  std::vector<ExecutionRecord> indexed;
  {
    auto store = OpenStore(Options());
    for (int i = 0; i < 50; ++i) MustApply(*store, {Exec(fmt::format("arn:e:{}", i), "a", kRunning, i)}, &indexed);
  }
  auto store = OpenStore(Options(4));
  EXPECT_EQ(MustRead(*store, 0).changes.size(), 50u);
  MustApply(*store, {Exec("arn:e:50", "a", kRunning, 50)}, &indexed);
  const ChangeRange range = MustRead(*store, 0);
  EXPECT_TRUE(range.missed);
  EXPECT_EQ(range.changes, Numbered({indexed.end() - 4, indexed.end()}, 48));
}

TEST_F(RocksDbFeedTest, SequencesContinueAfterReopenWithoutReuse) {
  std::vector<ExecutionRecord> indexed;
  {
    auto store = OpenStore(Options());
    MustApply(*store, {Exec("arn:e:1", "a", kRunning, 1), Exec("arn:e:2", "b", kRunning, 2)}, &indexed);
    MustApply(*store, {Exec("arn:e:1", "a", kSucceeded, 1, 10)}, &indexed);
  }
  {
    auto store = OpenStore(Options());
    EXPECT_EQ(MustRead(*store, 0).latest, 3u);
    MustApply(*store, {Exec("arn:e:2", "b", kSucceeded, 2, 20), Exec("arn:e:3", "a", kRunning, 3)}, &indexed);
  }
  auto store = OpenStore(Options());
  const ChangeRange range = MustRead(*store, 0);
  EXPECT_EQ(range.changes, Numbered(indexed));
  EXPECT_EQ(range.latest, 5u);
  EXPECT_FALSE(range.missed);
}

TEST_F(RocksDbFeedTest, AgentCountsFollowNewRecordsAndAgentChanges) {
  auto store = OpenStore(Options());
  MustApply(*store, {Exec("arn:e:1", "alpha", kRunning, 1), Exec("arn:e:2", "alpha", kRunning, 2),
                     Exec("arn:e:3", "beta", kRunning, 3)});
  EXPECT_EQ(MustListAgents(*store), (std::vector<AgentSummary>{{"alpha", 2}, {"beta", 1}}));
  // New versions under the same agent, duplicates and stale ones count nothing.
  MustApply(*store, {Exec("arn:e:1", "alpha", kSucceeded, 1, 5), Exec("arn:e:1", "alpha", kRunning, 1),
                     Exec("arn:e:3", "beta", kRunning, 3)});
  EXPECT_EQ(MustListAgents(*store), (std::vector<AgentSummary>{{"alpha", 2}, {"beta", 1}}));
  // beta's only execution moves to gamma: beta is gone. A stale version under
  // beta changes nothing.
  MustApply(*store, {Exec("arn:e:3", "gamma", kSucceeded, 3, 9), Exec("arn:e:3", "beta", kRunning, 3)});
  EXPECT_EQ(MustListAgents(*store), (std::vector<AgentSummary>{{"alpha", 2}, {"gamma", 1}}));
  // Within one call: away from alpha and back again counts nothing.
  MustApply(*store, {Exec("arn:e:2", "delta", kFailed, 2, 4), Exec("arn:e:2", "alpha", kRunning, 2, std::nullopt, 1)});
  EXPECT_EQ(MustListAgents(*store), (std::vector<AgentSummary>{{"alpha", 2}, {"gamma", 1}}));
  store.reset();
  store = OpenStore(Options());
  EXPECT_EQ(MustListAgents(*store), (std::vector<AgentSummary>{{"alpha", 2}, {"gamma", 1}}));
}

TEST_F(RocksDbFeedTest, AgentCountsMatchBruteForceOverRandomStreamsAndReopens) {
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(fmt::format("seed {}", seed));
    TempDir dir;
    RocksDbStoreOptions options = Options();
    options.path = (dir.path() / "db").string();
    const std::vector<ExecutionRecord> events = RandomStream(seed, 300);
    std::mt19937 rng(seed);
    Records truth;
    auto store = OpenStore(options);
    for (std::size_t at = 0; at < events.size();) {
      const std::size_t n = std::min(events.size() - at, std::uniform_int_distribution<std::size_t>(1, 40)(rng));
      MustApply(*store, std::vector(events.begin() + at, events.begin() + at + n), nullptr, &truth);
      at += n;
      ASSERT_EQ(MustListAgents(*store), CountByBruteForce(truth)) << "after " << at;
      if (rng() % 8 == 0) {
        store.reset();
        store = OpenStore(options);
        ASSERT_EQ(MustListAgents(*store), CountByBruteForce(truth)) << "reopened after " << at;
      }
    }
  }
}

// Applies the same chunks to the store and to the brute-force reference;
// their outcomes, feeds and agents must agree.
TEST_F(RocksDbFeedTest, FeedAndAgentsMatchTheReferenceStore) {
  for (std::uint32_t seed : {7u, 8u, 9u}) {
    SCOPED_TRACE(fmt::format("seed {}", seed));
    TempDir dir;
    RocksDbStoreOptions options = Options();
    options.path = (dir.path() / "db").string();
    auto store = OpenStore(options);
    testing::ReferenceStore reference;
    const std::vector<ExecutionRecord> events = RandomStream(seed, 250);
    std::mt19937 rng(seed);
    for (std::size_t at = 0; at < events.size();) {
      const std::size_t n = std::min(events.size() - at, std::uniform_int_distribution<std::size_t>(1, 30)(rng));
      const std::vector<ExecutionRecord> chunk(events.begin() + at, events.begin() + at + n);
      ASSERT_EQ(MustApply(*store, chunk), MustApply(reference, chunk)) << "chunk at " << at;
      at += n;
      const ChangeRange expected = MustRead(reference, 0);
      const std::uint64_t after = rng() % (expected.latest + 3);
      const std::size_t limit = 1 + rng() % 20;
      const ChangeRange want = MustRead(reference, after, limit);
      const ChangeRange got = MustRead(*store, after, limit);
      ASSERT_EQ(got.changes, want.changes) << "after " << after << " limit " << limit;
      ASSERT_EQ(got.latest, want.latest);
      ASSERT_EQ(got.missed, want.missed);
    }
    EXPECT_EQ(MustRead(*store, 0).changes, MustRead(reference, 0).changes);
    EXPECT_EQ(MustListAgents(*store), MustListAgents(reference));
    store.reset();
    store = OpenStore(options);
    EXPECT_EQ(MustRead(*store, 0).changes, MustRead(reference, 0).changes);
    EXPECT_EQ(MustListAgents(*store), MustListAgents(reference));
  }
}

// Eight writers and a reader at once. The feed ends dense, each change is one
// that a writer was told was indexed, each execution's changes rise in
// version and end in its record; and the reader, following the feed as it
// grows, never sees a sequence before the ones below it.
TEST_F(RocksDbFeedTest, ConcurrentAppliesMakeADenseOrderedFeed) {
  std::vector<ExecutionRecord> events;
  for (int e = 0; e < 64; ++e) {
    const std::string arn = fmt::format("arn:e:{:02}", e);
    const std::string agent = e % 3 ? "a" : "b";
    const std::string other = e % 5 ? agent : "c";  // Some executions move to agent c when they end.
    const EpochMillis start = 1000 + e % 5;
    std::vector<ExecutionRecord> versions = {
        Exec(arn, agent, kRunning, start),
        Exec(arn, other, e % 3 ? kSucceeded : kFailed, start, start + 10),
        Exec(arn, agent, kPendingRedrive, start, start + 20),
    };
    if (e % 4 == 0) {
      versions.push_back(Exec(arn, agent, kRunning, start, std::nullopt, 1));
      versions.push_back(Exec(arn, other, kSucceeded, start, start + 30, 1));
    }
    for (int copy = 0; copy < 2; ++copy) events.insert(events.end(), versions.begin(), versions.end());
  }
  std::mt19937 rng(5);
  std::shuffle(events.begin(), events.end(), rng);

  auto options = Options();
  options.durability = Durability::kSync;  // Callers queue behind fsyncs and commit in groups.
  auto store = OpenStore(options);
  constexpr int kThreads = 8;
  std::mutex mu;
  std::vector<ExecutionRecord> indexed;  // Guarded by mu.
  std::atomic<int> failures{0};
  std::atomic<bool> writing{true};
  std::vector<RecordChange> followed;
  std::thread reader([&] {
    std::uint64_t after = 0;
    for (bool last_pass = false; !last_pass;) {
      last_pass = !writing;
      for (;;) {
        auto range = store->ReadChanges(after, 5);
        if (!range || range->missed || range->latest < after) {
          ++failures;
          return;
        }
        for (const RecordChange& change : range->changes) {
          if (change.sequence != after + 1) {
            ++failures;
            return;
          }
          after = change.sequence;
          followed.push_back(change);
        }
        if (range->changes.empty()) break;
      }
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      std::vector<ExecutionRecord> mine;
      for (std::size_t i = t; i < events.size(); i += kThreads) mine.push_back(events[i]);
      for (std::size_t at = 0; at < mine.size();) {
        const std::size_t n = std::min<std::size_t>(mine.size() - at, 1 + (at + t) % 3);
        const std::span<const ExecutionRecord> chunk(mine.data() + at, n);
        auto outcomes = store->Apply(chunk);
        if (!outcomes || outcomes->size() != n) {
          ++failures;
        } else {
          std::lock_guard lock(mu);
          for (std::size_t i = 0; i < n; ++i) {
            if ((*outcomes)[i] == kIndexed) indexed.push_back(chunk[i]);
          }
        }
        at += n;
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  writing = false;
  reader.join();
  ASSERT_EQ(failures.load(), 0);

  const ChangeRange feed = MustRead(*store, 0);
  EXPECT_EQ(feed.changes, followed) << "the reader saw the feed as it is";
  ASSERT_EQ(feed.changes.size(), indexed.size());
  EXPECT_EQ(feed.latest, indexed.size());
  std::map<std::string, const ExecutionRecord*> newest;
  std::vector<std::string> fed;
  for (std::size_t i = 0; i < feed.changes.size(); ++i) {
    const RecordChange& change = feed.changes[i];
    EXPECT_EQ(change.sequence, i + 1);
    const ExecutionRecord*& before = newest[change.record.execution_arn];
    EXPECT_TRUE(Supersedes(change.record, before)) << "change " << change.sequence;
    before = &change.record;
    fed.push_back(
        fmt::format("{}|{}|{}", change.record.execution_arn, change.record.indexed_at, change.record.agent_name));
  }
  std::vector<std::string> told;
  for (const ExecutionRecord& record : indexed) {
    told.push_back(fmt::format("{}|{}|{}", record.execution_arn, record.indexed_at, record.agent_name));
  }
  std::sort(fed.begin(), fed.end());
  std::sort(told.begin(), told.end());
  EXPECT_EQ(fed, told) << "the feed holds exactly the indexed candidates";

  Records truth;
  for (const auto& [arn, record] : newest) {
    auto stored = store->Get(arn);
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(*stored, std::optional(*record)) << "the last change of " << arn << " is its record";
    truth.emplace(arn, *record);
  }
  EXPECT_EQ(truth.size(), 64u);
  EXPECT_EQ(MustListAgents(*store), CountByBruteForce(truth));
}

// A store written before the feed and the counts existed has no changes or
// agents family and no "agent_counts" marker; it opens, gets its counts, and
// its feed starts at 1.
TEST_F(RocksDbFeedTest, StoreFromBeforeTheFeedOpensWithCountsRebuilt) {
  Records truth;
  {
    auto store = OpenStore(Options());
    const std::vector<ExecutionRecord> events = RandomStream(11, 200);
    MustApply(*store, events, nullptr, &truth);
  }
  {
    // Make it look as the previous version left it.
    auto raw = RawStore::Open(Options().path);
    ASSERT_NE(raw, nullptr);
    rocksdb::DB& db = raw->db();
    ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), raw->family(RawStore::kMeta), "agent_counts").ok());
    ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), raw->family(RawStore::kMeta), "hourly_stats").ok());
    ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), raw->family(RawStore::kMeta), "expiry").ok());
    for (RawStore::Family family : {RawStore::kChanges, RawStore::kAgents, RawStore::kStats, RawStore::kExpiry}) {
      ASSERT_TRUE(db.DropColumnFamily(raw->family(family)).ok());
    }
    ASSERT_TRUE(raw->Close());
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), Options().path, &names).ok());
    EXPECT_EQ(names, (std::vector<std::string>{"default", "records", "index"}));
  }
  auto store = OpenStore(Options());
  EXPECT_EQ(MustListAgents(*store), CountByBruteForce(truth));
  ChangeRange range = MustRead(*store, 0);
  EXPECT_TRUE(range.changes.empty());
  EXPECT_EQ(range.latest, 0u);
  EXPECT_FALSE(range.missed);

  const ExecutionRecord added = Exec("arn:e:new", "newcomer", kRunning, 1);
  MustApply(*store, {added}, nullptr, &truth);
  EXPECT_EQ(MustRead(*store, 0).changes, Numbered({added}));
  store.reset();
  store = OpenStore(Options());  // Counts are not rebuilt twice: the marker is there now.
  EXPECT_EQ(MustListAgents(*store), CountByBruteForce(truth));
}

}  // namespace
}  // namespace exidx
