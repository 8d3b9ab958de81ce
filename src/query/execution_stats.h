// GET /v1/executions/stats and `exidx stats`: executions per time bucket by
// status, with duration p50/p95, over a filter. Whole hours come from the
// store's hourly cells (ReadHourlyStats), so a 30-day answer reads at most
// 720 x agents x statuses small cells rather than every record; the partial
// hours at either end of a range are counted exactly from the index, so the
// counts equal what the list returns for the same filter.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/query.h"
#include "store/execution_store.h"

namespace exidx {

enum class StatsBucket { kHour, kDay };

struct StatsQuery {
  ExecutionFilter filter;
  std::optional<StatsBucket> bucket;  // Absent: hour up to 2 days of range, else day.
};

struct StatsCell {
  std::map<ExecutionStatus, std::uint64_t> counts;
  std::uint64_t executions = 0;
  DurationHistogram durations;  // Of those with a duration.
};

struct StatsBucketRow {
  EpochMillis start = 0;
  StatsCell cell;
};

struct StatsAnswer {
  StatsBucket bucket = StatsBucket::kHour;
  EpochMillis from = 0, to = 0;  // The range answered (inclusive).
  std::vector<StatsBucketRow> buckets;  // Every bucket of the range, empty ones too.
  StatsCell totals;
};

// The query of the stats route's arguments: agentName, status, startDateFrom,
// startDateTo (as in listExecutionsFromIndex) and bucket (hour|day). Without
// startDateTo the range ends now; without startDateFrom it starts 30 days
// before its end. At most 2,000 buckets (kInvalidParameter beyond).
Result<StatsQuery> ParseStatsQuery(const std::optional<std::string>& agent_name,
                                   const std::optional<std::string>& status,
                                   const std::optional<std::string>& start_date_from,
                                   const std::optional<std::string>& start_date_to,
                                   const std::optional<std::string>& bucket, EpochMillis now);

Result<StatsAnswer> ComputeStats(ExecutionStore& store, const StatsQuery& query);

// {"bucket":"hour","startDateFrom":...,"startDateTo":...,"buckets":[{"start":"...Z",
//  "executions":n,"counts":{"SUCCEEDED":n,...},"durationP50":s,"durationP95":s}],
//  "totals":{...same fields...},"metadata":{"fetchTime":ms,"durationError":"..."}}
std::string RenderStats(const StatsAnswer& answer, std::int64_t fetch_millis);

}  // namespace exidx
