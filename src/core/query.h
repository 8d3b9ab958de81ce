// The query model of listExecutionsFromIndex (CONTRACT.md section 5): the
// arguments as callers send them, their validation, and what a store scans.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/record.h"
#include "core/status.h"
#include "core/time.h"

namespace exidx {

enum class SortOrder { kDesc, kAsc };

// The arguments exactly as received (query string, CLI flags, AppSync
// arguments rendered as text). Absent and empty mean "not given".
struct QueryArguments {
  std::optional<std::string> agent_name;
  std::optional<std::string> status;
  std::optional<std::string> start_date_from;
  std::optional<std::string> start_date_to;
  std::optional<std::string> max_results;
  std::optional<std::string> next_token;
  std::optional<std::string> order;
};

// The argument names of listExecutionsFromIndex, as every caller spells them.
inline constexpr std::string_view kQueryArgumentNames[] = {"agentName",  "status",    "startDateFrom", "startDateTo",
                                                           "maxResults", "nextToken", "order"};

// The member of `arguments` that holds the argument `name`, or nullptr when
// `name` is not one of kQueryArgumentNames.
std::optional<std::string>* ArgumentNamed(QueryArguments& arguments, std::string_view name);

inline constexpr int kDefaultMaxResults = 50;
inline constexpr int kMaxMaxResults = 1000;

// Which executions a query selects: every combination of fields is valid,
// including none (all executions). Bounds are inclusive.
struct ExecutionFilter {
  std::optional<std::string> agent_name;
  std::optional<ExecutionStatus> status;
  EpochMillis start_from = kMinEpochMillis;
  EpochMillis start_to = kMaxEpochMillis;

  bool operator==(const ExecutionFilter&) const = default;
};

// A position in the (startDate, executionArn) order: the last item returned.
struct Cursor {
  EpochMillis start_date = 0;
  std::string execution_arn;

  bool operator==(const Cursor&) const = default;
};

// What a store is asked for: up to `limit` records matching `filter`, sorted
// by (startDate, executionArn) in `order`, strictly after `after` when given.
struct ScanRequest {
  ExecutionFilter filter;
  SortOrder order = SortOrder::kDesc;
  std::optional<Cursor> after;
  std::size_t limit = kDefaultMaxResults;
};

// True when `record` matches `filter`. The reference meaning of a filter; stores
// answer from indexes but must agree with it.
bool Matches(const ExecutionFilter& filter, const ExecutionRecord& record);

// True when `a` comes before `b` in `order`.
bool ComesBefore(const Cursor& a, const Cursor& b, SortOrder order);

Cursor CursorOf(const ExecutionRecord& record);

// One page of a query's answer.
struct ExecutionPage {
  std::vector<ExecutionRecord> executions;
  std::optional<std::string> next_token;  // Present exactly when more items match.
};

}  // namespace exidx
