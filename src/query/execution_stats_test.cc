// The stats answer against a brute-force count over the same records: random
// executions with status changes, redrives, duplicates and any delivery
// order; random filters and ranges whose ends fall inside hours.
#include "query/execution_stats.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <random>

#include "support/random_stream.h"
#include "support/reference_store.h"
#include "support/wrapping_store.h"

namespace exidx {
namespace {

constexpr EpochMillis kT0 = 1'759'100'000'000;  // 2025-09-28T22:53:20Z: not on an hour.
const std::vector<std::string> kAgents = {"alpha", "beta", "gamma"};

// Every version an execution goes through over five days, with durations
// from none to an hour, shuffled into one delivery order with duplicates
// (RandomStream), seeded from `random`.
std::vector<ExecutionRecord> RandomStream(std::mt19937_64& random, int executions) {
  return testing::RandomStream({.seed = static_cast<std::uint32_t>(random()),
                                .executions = executions,
                                .agents = kAgents,
                                .start_from = kT0,
                                .start_to = kT0 + 5 * 24 * kMillisPerHour,
                                .durations = {0, 1'000, 30'000, 120'000, 600'000, 3'600'000},
                                .terminal_statuses = {ExecutionStatus::kSucceeded, ExecutionStatus::kFailed,
                                                      ExecutionStatus::kTimedOut, ExecutionStatus::kAborted}});
}

TEST(ExecutionStatsTest, MatchesABruteForceCountOverRandomStreams) {
  std::mt19937_64 random(20261127);
  for (int round = 0; round < 12; ++round) {
    testing::ReferenceStore store;
    const auto events = RandomStream(random, 300);
    for (std::size_t i = 0; i < events.size(); i += 17) {
      ASSERT_TRUE(store.Apply(std::span(events).subspan(i, std::min<std::size_t>(17, events.size() - i))));
    }
    for (int q = 0; q < 20; ++q) {
      std::optional<std::string> agent, status, bucket;
      if (random() % 2) agent = kAgents[random() % kAgents.size()];
      if (random() % 3 == 0) status = std::string(StatusName(kAllStatuses[random() % kAllStatuses.size()]));
      if (random() % 2) bucket = random() % 2 ? "hour" : "day";
      const EpochMillis from = kT0 - kMillisPerHour + static_cast<EpochMillis>(random() % (4 * 24 * kMillisPerHour));
      const EpochMillis to = from + static_cast<EpochMillis>(random() % (3 * 24 * kMillisPerHour));
      auto query = ParseStatsQuery(agent, status, FormatTimestamp(from), FormatTimestamp(to), bucket, kT0);
      ASSERT_TRUE(query) << query.error().message;
      auto answer = ComputeStats(store, *query);
      ASSERT_TRUE(answer) << answer.error().message;

      // Brute force: every matching record, bucketed by hand.
      const EpochMillis unit = answer->bucket == StatsBucket::kHour ? kMillisPerHour : 24 * kMillisPerHour;
      std::map<EpochMillis, std::vector<const ExecutionRecord*>> by_bucket;
      const auto all = store.All(query->filter, SortOrder::kAsc);
      for (const ExecutionRecord& record : all) by_bucket[record.start_date / unit * unit].push_back(&record);
      ASSERT_EQ(answer->totals.executions, all.size());
      std::uint64_t sum = 0;
      for (const StatsBucketRow& row : answer->buckets) {
        const auto& records = by_bucket[row.start];
        ASSERT_EQ(row.cell.executions, records.size()) << FormatTimestamp(row.start);
        sum += row.cell.executions;
        std::map<ExecutionStatus, std::uint64_t> counts;
        std::vector<double> durations;
        for (const ExecutionRecord* record : records) {
          ++counts[record->status];
          if (auto d = DurationSeconds(*record)) durations.push_back(*d);
        }
        for (ExecutionStatus s : kAllStatuses) {
          auto it = row.cell.counts.find(s);
          EXPECT_EQ(it == row.cell.counts.end() ? 0 : it->second, counts[s]) << StatusName(s);
        }
        ASSERT_EQ(row.cell.durations.total, durations.size());
        std::sort(durations.begin(), durations.end());
        for (double p : {0.5, 0.95}) {
          if (durations.empty()) continue;
          const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p * durations.size())));
          const double exact = durations[rank - 1];
          const double estimate = row.cell.durations.Quantile(p);
          EXPECT_EQ(estimate, DurationBinEstimate(DurationBin(exact))) << "p" << p;
          if (exact >= kFirstBinSeconds && exact < 3e6) {
            EXPECT_LE(std::abs(estimate - exact) / exact, 0.0906) << "the documented error bound";
          }
        }
      }
      EXPECT_EQ(sum, all.size());
    }
  }
}

TEST(ExecutionStatsTest, BucketsCoverTheRangeAndRenderAsTheApiSays) {
  testing::ReferenceStore store;
  ExecutionRecord record{.execution_arn = "arn:aws:states:us-east-1:1:execution:m:a",
                         .agent_name = "alpha",
                         .state_machine_arn = "arn:aws:states:us-east-1:1:stateMachine:m",
                         .execution_name = "a",
                         .status = ExecutionStatus::kSucceeded,
                         .start_date = kT0,
                         .stop_date = kT0 + 12'000};
  ASSERT_TRUE(store.Apply(std::span(&record, 1)));
  auto query = ParseStatsQuery(std::nullopt, std::nullopt, "2025-09-28", "2025-09-29", std::nullopt, kT0);
  ASSERT_TRUE(query);
  auto answer = ComputeStats(store, *query);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->bucket, StatsBucket::kHour) << "2 days or less: hourly";
  EXPECT_EQ(answer->buckets.size(), 48u);
  const auto json = boost::json::parse(RenderStats(*answer, 3)).as_object();
  EXPECT_EQ(json.at("bucket").as_string(), "hour");
  EXPECT_EQ(json.at("buckets").as_array().at(22).at("start").as_string(), "2025-09-28T22:00:00.000Z");
  EXPECT_EQ(json.at("buckets").as_array().at(22).at("counts").at("SUCCEEDED").as_int64(), 1);
  EXPECT_NEAR(json.at("totals").at("durationP50").as_double(), 12.0, 12.0 * 0.091);
  EXPECT_FALSE(json.at("buckets").as_array().at(0).as_object().contains("durationP50"));

  auto week = ParseStatsQuery(std::nullopt, std::nullopt, "2025-09-01", "2025-09-30", std::nullopt, kT0);
  ASSERT_TRUE(week);
  EXPECT_EQ(ComputeStats(store, *week)->bucket, StatsBucket::kDay);
  EXPECT_FALSE(ParseStatsQuery(std::nullopt, std::nullopt, "2020-01-01", "2025-09-30", "hour", kT0))
      << "too many buckets";
  EXPECT_FALSE(ParseStatsQuery(std::nullopt, std::nullopt, std::nullopt, std::nullopt, "week", kT0));
  EXPECT_FALSE(ParseStatsQuery(std::nullopt, "DONE", std::nullopt, std::nullopt, std::nullopt, kT0));
  auto defaults = ParseStatsQuery(std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, kT0);
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->filter.start_to, kT0);
  EXPECT_EQ(defaults->filter.start_to - defaults->filter.start_from + 1, 30 * 24 * kMillisPerHour);
}

TEST(ExecutionStatsTest, StoresWithoutStatisticsAnswerUnavailable) {
  testing::ReferenceStore reference;
  testing::WrappingStore store(reference);
  store.Remove(testing::WrappingStore::Capability::kHourlyStats);
  for (const char* to : {"2025-09-28T22:10:00Z", "2025-09-30T00:00:00Z"}) {
    auto query = ParseStatsQuery(std::nullopt, std::nullopt, "2025-09-28T22:00:00Z", to, std::nullopt, kT0);
    ASSERT_TRUE(query);
    auto answer = ComputeStats(store, *query);
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
  }
}

}  // namespace
}  // namespace exidx
