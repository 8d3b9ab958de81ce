// The statistics DynamoDbStore keeps in its table: how a record counts in one
// hourly cell and one agent count, as items, and the updates that move it
// between them. Internal to src/store/dynamodb.
//
// Items, all reserved (executionArn beginning with "#exidx#"), sharded by the
// counted execution's FNV-1a hash mod kCellShards so that the writers of one
// busy agent's current hour spread over kCellShards items:
//   cell   "#exidx#cell#<shard>#<cellKey>", cellKey = "<hour>#<STATUS>#<agent>"
//          (hour as a timestamp: keys sort by hour, status has no '#', and
//          the agent name comes last, so any name is unambiguous);
//          attributes n (executions), b<bin> (executions with a duration in
//          DurationBin <bin>), cellHour, cellStatus, cellAgent
//   agent  "#exidx#agent#<shard>#<agent>"; attribute n
// Both carry statsPartition ("cells#<shard>", "agents#<shard>") and statsKey
// (cellKey; "agent#<agent>"), the keys of StatsIndex, through which they are
// read: a time range of cells is one Query per shard.
//
// A record item says where it is counted in its `counted` attribute
// ("<bin or ->#<shard>#<cellKey>"). A record written before the statistics
// (no `counted`) counts nowhere until it is counted (exidx init does that).
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/record.h"
#include "store/execution_store.h"

namespace exidx::dynamodb {

inline constexpr std::string_view kStatsIndex = "StatsIndex";
inline constexpr int kCellShards = 8;

// Where one record counts.
struct CountedIn {
  EpochMillis hour = 0;  // Its startDate's hour, as ExecutionStore says.
  std::string agent_name;
  ExecutionStatus status = ExecutionStatus::kRunning;
  std::optional<std::uint16_t> bin;  // DurationBin, when it has a duration.
  int shard = 0;

  bool operator==(const CountedIn&) const = default;
};

CountedIn CountedInOf(const ExecutionRecord& record);

// The `counted` attribute's value, and its reading: nullopt when the item has
// no `counted` (never counted); kInternal when it is malformed.
std::string CountedValue(const CountedIn& counted);
Result<std::optional<CountedIn>> CountedOfItem(const boost::json::object& item);

// The TransactWriteItems entries (Update) that move one record's count from
// `before` (nullopt: counted nowhere) to `after`: none when they are equal.
// At most four entries, never two on one item.
boost::json::array CountUpdates(std::string_view table, const std::optional<CountedIn>& before, const CountedIn& after);

// The bounds of a Query of StatsIndex for the cells of hours [from, to).
struct CellKeyRange {
  std::string low, high;
};
CellKeyRange CellKeysOf(EpochMillis from_hour, EpochMillis to_hour);
std::string CellPartition(int shard);
std::string AgentPartition(int shard);

// Cell and agent items as read from StatsIndex; kInternal when malformed.
Result<HourlyStat> DecodeCell(const boost::json::object& item);
Result<AgentSummary> DecodeAgentCount(const boost::json::object& item);

}  // namespace exidx::dynamodb
