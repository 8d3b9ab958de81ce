// The schema both SQL peers share: the record keyed by executionArn, a
// comparable `version` column (PackedVersion), and one index per filter shape
// so that every query is a keyset range read, as exidx's index entries are.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "bench/bench_engine.h"

namespace exidx::bench {

inline constexpr std::array<std::string_view, 4> kSqlIndexes = {
    "CREATE INDEX by_start ON executions(startDate, executionArn)",
    "CREATE INDEX by_agent ON executions(agentName, startDate, executionArn)",
    "CREATE INDEX by_status ON executions(status, startDate, executionArn)",
    "CREATE INDEX by_agent_status ON executions(agentName, status, startDate, executionArn)",
};

inline constexpr std::string_view kSqlColumns =
    "executionArn, agentName, stateMachineArn, executionName, status, startDate, stopDate, redriveCount, error, "
    "cause, indexedAt, version";

// The shape of a query: which of agent and status it filters by (0..3), so a
// SQL peer prepares one statement per shape.
inline int ShapeOf(const BenchQuery& query) {
  return (query.agent_name ? 1 : 0) | (query.status ? 2 : 0);
}

// SELECT ... WHERE <shape filters> AND startDate BETWEEN from AND to
// [AND (startDate, executionArn) < (cursor)] ORDER BY startDate DESC,
// executionArn DESC LIMIT n. `param(i)` renders the i-th (1-based) placeholder.
template <class Param>
std::string SqlPageQuery(int shape, bool with_cursor, Param param) {
  std::string sql = "SELECT ";
  sql += kSqlColumns;
  sql += " FROM executions WHERE ";
  int n = 0;
  auto next = [&]() { return param(++n); };
  if (shape & 1) sql += "agentName = " + next() + " AND ";
  if (shape & 2) sql += "status = " + next() + " AND ";
  sql += "startDate >= " + next();
  sql += " AND startDate <= " + next();
  if (with_cursor) {
    sql += " AND (startDate, executionArn) < (" + next();
    sql += ", " + next() + ")";
  }
  sql += " ORDER BY startDate DESC, executionArn DESC LIMIT " + next();
  return sql;
}

// Keyset continuation "<startDate> <executionArn>".
std::string EncodeKeyset(const ExecutionRecord& last);
bool DecodeKeyset(const std::string& text, EpochMillis& start, std::string& arn);

}  // namespace exidx::bench
