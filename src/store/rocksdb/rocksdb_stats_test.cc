// RocksDbStore's hourly stats (ReadHourlyStats), checked against ReferenceStore.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <optional>
#include <ostream>
#include <random>

#include "store/rocksdb/rocksdb_store.h"
#include "store/rocksdb/test_raw_store.h"
#include "support/random_stream.h"
#include "support/record_builder.h"
#include "support/reference_store.h"
#include "support/temp_dir.h"

namespace exidx {

// Readable failures; internal linkage, found by argument-dependent lookup.
[[maybe_unused]] static void PrintTo(const HourlyStat& s, std::ostream* os) {
  *os << fmt::format("{{hour={} agent={} {} n={} bins=", s.hour, Quoted(s.agent_name), StatusName(s.status),
                     s.executions);
  for (const auto& [bin, n] : s.durations) *os << bin << ":" << n << ",";
  *os << "}";
}

namespace {

using std::string_literals::operator""s;
using testing::Exec;
using testing::TempDir;

constexpr EpochMillis kHour = kMillisPerHour;
constexpr auto kRunning = ExecutionStatus::kRunning;
constexpr auto kSucceeded = ExecutionStatus::kSucceeded;
constexpr auto kFailed = ExecutionStatus::kFailed;
constexpr auto kPendingRedrive = ExecutionStatus::kPendingRedrive;

const std::vector<std::string>& Agents() {
  static const std::vector<std::string> agents = {"a", "a\0b"s, "ab", "", "Agent-\xce\xb2", "z", "b"};
  return agents;
}

// Every version of `executions` executions over a dozen hours (a few before
// 1970), agents and statuses changing, with durations from milliseconds to
// days, duplicated and shuffled (RandomStream).
std::vector<ExecutionRecord> RandomStream(std::uint32_t seed, int executions) {
  return testing::RandomStream({.seed = seed,
                                .executions = executions,
                                .agents = Agents(),
                                .start_from = -2 * kHour,
                                .start_to = 10 * kHour,
                                .durations = {0, 30, 99, 100, 250, 1'000, 61'000, 3'600'000, 400'000'000}});
}

// Requests of every shape: all cells, by agent, by status, both, hour ranges
// (empty, one hour, partial, before and after the data).
std::vector<StatsRequest> Requests(std::mt19937& rng) {
  std::vector<StatsRequest> requests = {
      {.from_hour = -100 * kHour, .to_hour = 100 * kHour},
      {.from_hour = 0, .to_hour = 0},
      {.from_hour = 3 * kHour, .to_hour = 4 * kHour},
      {.from_hour = 20 * kHour, .to_hour = 30 * kHour},
      {.agent_name = "nobody", .from_hour = -100 * kHour, .to_hour = 100 * kHour},
  };
  for (const std::string& agent : Agents()) {
    requests.push_back({.agent_name = agent, .from_hour = -100 * kHour, .to_hour = 100 * kHour});
  }
  for (ExecutionStatus status : kAllStatuses) {
    requests.push_back({.status = status, .from_hour = -100 * kHour, .to_hour = 100 * kHour});
  }
  for (int i = 0; i < 12; ++i) {
    StatsRequest request;
    if (rng() % 2 == 0) request.agent_name = Agents()[rng() % Agents().size()];
    if (rng() % 2 == 0) request.status = kAllStatuses[rng() % kAllStatuses.size()];
    const EpochMillis a = (static_cast<EpochMillis>(rng() % 15) - 3) * kHour;
    const EpochMillis b = (static_cast<EpochMillis>(rng() % 15) - 3) * kHour;
    request.from_hour = std::min(a, b);
    request.to_hour = std::max(a, b);
    requests.push_back(request);
  }
  return requests;
}

std::string Describe(const StatsRequest& r) {
  return fmt::format("agent={} status={} hours [{}, {})", r.agent_name ? Quoted(*r.agent_name) : "-",
                     r.status ? StatusName(*r.status) : "-", r.from_hour / kHour, r.to_hour / kHour);
}

class RocksDbStatsTest : public ::testing::Test {
 protected:
  RocksDbStoreOptions Options() const {
    RocksDbStoreOptions options;
    options.path = (dir_.path() / "db").string();
    options.durability = Durability::kRelaxed;
    options.block_cache_bytes = 8 << 20;
    return options;
  }

  static std::unique_ptr<RocksDbStore> OpenStore(const RocksDbStoreOptions& options) {
    auto store = RocksDbStore::Open(options);
    EXPECT_TRUE(store.has_value()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  static std::vector<ApplyOutcome> MustApply(ExecutionStore& store, const std::vector<ExecutionRecord>& candidates) {
    auto outcomes = store.Apply(candidates);
    EXPECT_TRUE(outcomes.has_value()) << outcomes.error().message;
    return outcomes.value_or(std::vector<ApplyOutcome>());
  }

  static std::vector<HourlyStat> MustStats(ExecutionStore& store, const StatsRequest& request) {
    auto stats = store.ReadHourlyStats(request);
    EXPECT_TRUE(stats.has_value()) << stats.error().message;
    return stats.value_or(std::vector<HourlyStat>());
  }

  // Every request of Requests() answers as the reference does.
  static void ExpectSameStats(ExecutionStore& store, ExecutionStore& reference, std::uint32_t seed) {
    std::mt19937 rng(seed);
    for (const StatsRequest& request : Requests(rng)) {
      EXPECT_EQ(MustStats(store, request), MustStats(reference, request)) << Describe(request);
    }
  }

  TempDir dir_;
};

TEST_F(RocksDbStatsTest, FreshStoreHasNoCells) {
  auto store = OpenStore(Options());
  EXPECT_TRUE(MustStats(*store, {.from_hour = -100 * kHour, .to_hour = 100 * kHour}).empty());
}

TEST_F(RocksDbStatsTest, RecordMovesBetweenCellsWhenItsStatusChanges) {
  auto store = OpenStore(Options());
  const EpochMillis start = 5 * kHour + 10;
  MustApply(*store, {Exec("arn:e:1", "x", kRunning, start), Exec("arn:e:2", "x", kRunning, start + 1)});
  const StatsRequest all{.from_hour = 0, .to_hour = 10 * kHour};
  EXPECT_EQ(MustStats(*store, all),
            (std::vector<HourlyStat>{{.hour = 5 * kHour, .agent_name = "x", .status = kRunning, .executions = 2}}));
  MustApply(*store, {Exec("arn:e:1", "x", kSucceeded, start, start + 1500)});
  const std::vector<HourlyStat> want = {
      {.hour = 5 * kHour, .agent_name = "x", .status = kRunning, .executions = 1},
      {.hour = 5 * kHour,
       .agent_name = "x",
       .status = kSucceeded,
       .executions = 1,
       .durations = {{static_cast<std::uint16_t>(DurationBin(1.5)), 1}}},
  };
  EXPECT_EQ(MustStats(*store, all), want);
  // Older versions and duplicates change nothing.
  MustApply(*store, {Exec("arn:e:1", "x", kRunning, start), Exec("arn:e:1", "x", kSucceeded, start, start + 1500)});
  EXPECT_EQ(MustStats(*store, all), want);
  EXPECT_EQ(MustStats(*store, {.status = kSucceeded, .from_hour = 0, .to_hour = 10 * kHour}),
            (std::vector<HourlyStat>{want[1]}));
  EXPECT_TRUE(MustStats(*store, {.agent_name = "y", .from_hour = 0, .to_hour = 10 * kHour}).empty());
  EXPECT_TRUE(MustStats(*store, {.from_hour = 6 * kHour, .to_hour = 10 * kHour}).empty());
}

TEST_F(RocksDbStatsTest, StatsMatchTheReferenceStoreOverRandomStreamsAndReopens) {
  for (std::uint32_t seed : {21u, 22u, 23u}) {
    SCOPED_TRACE(fmt::format("seed {}", seed));
    TempDir dir;
    RocksDbStoreOptions options = Options();
    options.path = (dir.path() / "db").string();
    auto store = OpenStore(options);
    testing::ReferenceStore reference;
    const std::vector<ExecutionRecord> events = RandomStream(seed, 300);
    std::mt19937 rng(seed);
    int chunks = 0;
    for (std::size_t at = 0; at < events.size();) {
      const std::size_t n = std::min(events.size() - at, std::uniform_int_distribution<std::size_t>(1, 40)(rng));
      const std::vector<ExecutionRecord> chunk(events.begin() + at, events.begin() + at + n);
      ASSERT_EQ(MustApply(*store, chunk), MustApply(reference, chunk)) << "chunk at " << at;
      at += n;
      if (++chunks % 5 == 0) ExpectSameStats(*store, reference, seed + at);
    }
    ASSERT_FALSE(MustStats(reference, {.from_hour = -100 * kHour, .to_hour = 100 * kHour}).empty());
    ExpectSameStats(*store, reference, seed);
    store.reset();
    store = OpenStore(options);
    ExpectSameStats(*store, reference, seed + 1);
  }
}

// A store written before the hourly stats has no stats family and no
// "hourly_stats" marker; it opens with its cells computed from the records.
// One whose marker is missing but whose stats family holds stale cells (an
// interrupted rebuild) gets them replaced.
TEST_F(RocksDbStatsTest, StoreFromBeforeTheStatsOpensWithCellsRebuilt) {
  for (const bool drop_family : {true, false}) {
    SCOPED_TRACE(drop_family ? "stats family dropped" : "stale cells, marker missing");
    TempDir dir;
    RocksDbStoreOptions options = Options();
    options.path = (dir.path() / "db").string();
    testing::ReferenceStore reference;
    {
      auto store = OpenStore(options);
      const std::vector<ExecutionRecord> events = RandomStream(31, 200);
      MustApply(*store, events);
      MustApply(reference, events);
    }
    {
      auto raw = RawStore::Open(options.path);
      ASSERT_NE(raw, nullptr);
      rocksdb::DB& db = raw->db();
      rocksdb::ColumnFamilyHandle* stats = raw->family(RawStore::kStats);
      ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), raw->family(RawStore::kMeta), "hourly_stats").ok());
      if (drop_family) {
        ASSERT_TRUE(db.DropColumnFamily(stats).ok());
      } else {
        // A stale cell of an agent that has none, and every other cell cleared.
        std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), stats));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
          ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), stats, it->key()).ok());
        }
        // Agent "q" (never in the data), hour 0, SUCCEEDED: 5 executions, no bins.
        const std::string hour_zero = "\x80"s + std::string(7, '\0');
        ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), stats, "\x01q"s + hour_zero + "\x01"s, "\x05\x00"s).ok());
        ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), stats, "\x01z"s + hour_zero + "\x04"s, "\x05\x00"s).ok());
      }
      ASSERT_TRUE(raw->Close());
    }
    auto store = OpenStore(options);
    ExpectSameStats(*store, reference, 31);
    EXPECT_TRUE(MustStats(*store, {.agent_name = "q", .from_hour = -100 * kHour, .to_hour = 100 * kHour}).empty());

    const std::vector<ExecutionRecord> more = RandomStream(32, 100);
    MustApply(*store, more);
    MustApply(reference, more);
    ExpectSameStats(*store, reference, 32);
    store.reset();
    store = OpenStore(options);  // The marker is there now: the cells stay as written.
    ExpectSameStats(*store, reference, 33);
  }
}

}  // namespace
}  // namespace exidx
