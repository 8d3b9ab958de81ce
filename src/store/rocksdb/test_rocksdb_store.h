// The fixture and references of RocksDbStore's tests (rocksdb_store*_test.cc):
// a store in a fresh directory, the merge rule applied one candidate at a
// time, the brute-force answer of a scan, and random data loaded through
// Apply with every outcome checked against the reference.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/rocksdb/rocksdb_store.h"
#include "support/record_builder.h"
#include "support/temp_dir.h"

namespace exidx {

// Readable failures; internal linkage, found by argument-dependent lookup.
[[maybe_unused]] static void PrintTo(const ExecutionRecord& r, std::ostream* os) {
  *os << fmt::format("{{{} agent={} {} start={} stop={} redrive={} indexedAt={}}}", Quoted(r.execution_arn),
                     Quoted(r.agent_name), StatusName(r.status), r.start_date,
                     r.stop_date ? std::to_string(*r.stop_date) : "-", r.redrive_count, r.indexed_at);
}

using Records = std::map<std::string, ExecutionRecord>;
using testing::Exec;

// The reference: the merge rule applied one candidate at a time.
inline std::vector<ApplyOutcome> ApplySequentially(Records& truth, std::span<const ExecutionRecord> candidates) {
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
inline std::vector<ExecutionRecord> BruteForce(const Records& truth, const ScanRequest& request) {
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

inline std::vector<std::string> ArnsOf(const std::vector<ExecutionRecord>& records) {
  std::vector<std::string> arns;
  for (const ExecutionRecord& record : records) arns.push_back(record.execution_arn);
  return arns;
}

inline std::string Describe(const ScanRequest& r) {
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

  testing::TempDir dir_;
};

constexpr auto kIndexed = ApplyOutcome::kIndexed;
constexpr auto kUnchanged = ApplyOutcome::kUnchanged;
constexpr auto kRunning = ExecutionStatus::kRunning;
constexpr auto kSucceeded = ExecutionStatus::kSucceeded;
constexpr auto kFailed = ExecutionStatus::kFailed;
constexpr auto kPendingRedrive = ExecutionStatus::kPendingRedrive;

// Random executions with several versions each, applied in random order and
// random chunks; agent names that are prefixes of one another; many equal
// startDates, negative ones included.
struct RandomData {
  Records truth;
  std::vector<std::string> agents;
  std::vector<EpochMillis> dates;
};

inline RandomData LoadRandomData(ExecutionStore& store, std::uint32_t seed, int executions) {
  using std::string_literals::operator""s;
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

inline std::vector<ExecutionFilter> FiltersOf(const RandomData& data, std::mt19937& rng) {
  using std::string_literals::operator""s;
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

}  // namespace exidx
