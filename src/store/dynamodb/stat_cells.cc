#include "store/dynamodb/stat_cells.h"

#include <algorithm>
#include <charconv>

#include "core/status.h"
#include "core/time.h"
#include "store/duration_histogram.h"
#include "store/dynamodb/dynamodb_store.h"
#include "store/dynamodb/item_codec.h"

namespace exidx::dynamodb {
namespace {

namespace json = boost::json;

std::string CellKey(const CountedIn& c) {
  return FormatTimestamp(c.hour) + "#" + std::string(StatusName(c.status)) + "#" + c.agent_name;
}

std::string CellItemKey(const CountedIn& c) {
  return std::string(kReservedKeyPrefix) + "cell#" + std::to_string(c.shard) + "#" + CellKey(c);
}

std::string AgentItemKey(const CountedIn& c) {
  return std::string(kReservedKeyPrefix) + "agent#" + std::to_string(c.shard) + "#" + c.agent_name;
}

std::string BinAttribute(std::uint16_t bin) {
  return "b" + std::to_string(bin);
}

// "<hour>#<STATUS>#<agent>" into `out`'s hour, status and agent.
bool ParseCellKey(std::string_view key, CountedIn& out) {
  const std::size_t first = key.find('#');
  if (first == std::string_view::npos) return false;
  const std::size_t second = key.find('#', first + 1);
  if (second == std::string_view::npos) return false;
  auto hour = ParseTimestamp(key.substr(0, first));
  auto status = ParseStatus(key.substr(first + 1, second - first - 1));
  if (!hour || !status || *hour % kMillisPerHour != 0) return false;
  out.hour = *hour;
  out.status = *status;
  out.agent_name = std::string(key.substr(second + 1));
  return true;
}

template <typename T>
bool ParseWhole(std::string_view text, T& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// A count attribute ({"N": "<non-negative integer>"}).
std::optional<std::uint64_t> CountAttribute(const json::value& value) {
  const auto* n = value.is_object() ? value.get_object().if_contains("N") : nullptr;
  std::int64_t count = 0;
  if (!n || !n->is_string() || !ParseWhole(std::string_view(n->get_string()), count) || count < 0) return std::nullopt;
  return static_cast<std::uint64_t>(count);
}

Error Malformed(std::string_view what, const json::object& item) {
  const auto* key = StringAttribute(item, "executionArn");
  return Error{ErrorCode::kInternal, "dynamodb: the statistics item " + Quoted(key ? std::string_view(*key) : "?") +
                                         " is malformed (" + std::string(what) + ")"};
}

// One Update entry of a transaction on the reserved item `key`.
json::object Update(std::string_view table, const std::string& key, std::string expression, json::object names,
                    json::object values) {
  return json::object{{"Update", json::object{
                                     {"TableName", table},
                                     {"Key", json::object{{"executionArn", S(key)}}},
                                     {"UpdateExpression", std::move(expression)},
                                     {"ExpressionAttributeNames", std::move(names)},
                                     {"ExpressionAttributeValues", std::move(values)},
                                 }}};
}

// Adds `delta` (+1 or -1) to the cell of `c`, its bin with it; an increment
// also sets the cell's keys (a decrement finds them set).
json::object CellDelta(std::string_view table, const CountedIn& c, int delta) {
  json::object names{{"#n", "n"}};
  json::object values{{":d", N(std::to_string(delta))}};
  std::string add = "ADD #n :d";
  if (c.bin) {
    names["#b"] = BinAttribute(*c.bin);
    add += ", #b :d";
  }
  std::string expression = add;
  if (delta > 0) {
    names["#p"] = "statsPartition";
    names["#k"] = "statsKey";
    values[":p"] = S(CellPartition(c.shard));
    values[":k"] = S(CellKey(c));
    values[":h"] = N(std::to_string(c.hour));
    values[":s"] = S(StatusName(c.status));
    values[":a"] = S(c.agent_name);
    expression = "SET #p = :p, #k = :k, cellHour = :h, cellStatus = :s, cellAgent = :a " + add;
  }
  return Update(table, CellItemKey(c), std::move(expression), std::move(names), std::move(values));
}

json::object AgentDelta(std::string_view table, const CountedIn& c, int delta) {
  json::object names{{"#n", "n"}};
  json::object values{{":d", N(std::to_string(delta))}};
  std::string expression = "ADD #n :d";
  if (delta > 0) {
    names["#p"] = "statsPartition";
    names["#k"] = "statsKey";
    values[":p"] = S(AgentPartition(c.shard));
    values[":k"] = S("agent#" + c.agent_name);
    values[":a"] = S(c.agent_name);
    expression = "SET #p = :p, #k = :k, cellAgent = :a " + expression;
  }
  return Update(table, AgentItemKey(c), std::move(expression), std::move(names), std::move(values));
}

}  // namespace

CountedIn CountedInOf(const ExecutionRecord& record) {
  CountedIn counted{.hour = record.start_date - record.start_date % kMillisPerHour,
                    .agent_name = record.agent_name,
                    .status = record.status,
                    .bin = std::nullopt,
                    .shard = static_cast<int>(Fnv1a(record.execution_arn) % kCellShards)};
  if (auto seconds = DurationSeconds(record)) counted.bin = static_cast<std::uint16_t>(DurationBin(*seconds));
  return counted;
}

std::string CountedValue(const CountedIn& counted) {
  return (counted.bin ? std::to_string(*counted.bin) : std::string("-")) + "#" + std::to_string(counted.shard) + "#" +
         CellKey(counted);
}

Result<std::optional<CountedIn>> CountedOfItem(const json::object& item) {
  const auto* value = item.if_contains("counted");
  if (!value) return std::optional<CountedIn>();
  const auto* text = StringAttribute(item, "counted");
  if (!text) return std::unexpected(Malformed("counted is not a string", item));
  const std::string_view v = *text;
  const std::size_t first = v.find('#');
  const std::size_t second = first == std::string_view::npos ? first : v.find('#', first + 1);
  CountedIn counted;
  if (second == std::string_view::npos || !ParseWhole(v.substr(first + 1, second - first - 1), counted.shard) ||
      counted.shard < 0 || counted.shard >= kCellShards || !ParseCellKey(v.substr(second + 1), counted)) {
    return std::unexpected(Malformed("counted " + Quoted(v), item));
  }
  if (v.substr(0, first) != "-") {
    std::uint16_t bin = 0;
    if (!ParseWhole(v.substr(0, first), bin) || bin >= kDurationBins) {
      return std::unexpected(Malformed("counted " + Quoted(v), item));
    }
    counted.bin = bin;
  }
  return std::optional<CountedIn>(std::move(counted));
}

json::array CountUpdates(std::string_view table, const std::optional<CountedIn>& before, const CountedIn& after) {
  json::array updates;
  if (before == after) return updates;
  const bool same_cell = before && before->shard == after.shard && before->hour == after.hour &&
                         before->status == after.status && before->agent_name == after.agent_name;
  if (same_cell) {
    // Only the bin moved: one entry, since a transaction names an item once.
    json::object names, values{{":up", N("1")}, {":down", N("-1")}};
    std::vector<std::string> adds;
    if (before->bin) {
      names["#from"] = BinAttribute(*before->bin);
      adds.push_back("#from :down");
    }
    if (after.bin) {
      names["#to"] = BinAttribute(*after.bin);
      adds.push_back("#to :up");
    }
    if (!before->bin) values.erase(":down");
    if (!after.bin) values.erase(":up");
    std::string expression = "ADD " + adds[0] + (adds.size() > 1 ? ", " + adds[1] : "");
    updates.push_back(Update(table, CellItemKey(after), std::move(expression), std::move(names), std::move(values)));
    return updates;
  }
  if (before) updates.push_back(CellDelta(table, *before, -1));
  updates.push_back(CellDelta(table, after, +1));
  if (!before || before->agent_name != after.agent_name || before->shard != after.shard) {
    if (before) updates.push_back(AgentDelta(table, *before, -1));
    updates.push_back(AgentDelta(table, after, +1));
  }
  return updates;
}

CellKeyRange CellKeysOf(EpochMillis from_hour, EpochMillis to_hour) {
  // Every key of an hour h begins "<h>#"; '$' follows '#', so "<last>$" bounds the last hour's keys.
  return CellKeyRange{FormatTimestamp(from_hour) + "#", FormatTimestamp(to_hour - kMillisPerHour) + "$"};
}

std::string CellPartition(int shard) {
  return "cells#" + std::to_string(shard);
}

std::string AgentPartition(int shard) {
  return "agents#" + std::to_string(shard);
}

Result<HourlyStat> DecodeCell(const json::object& item) {
  const auto* key = StringAttribute(item, "statsKey");
  CountedIn cell;
  if (!key || !ParseCellKey(*key, cell)) return std::unexpected(Malformed("statsKey", item));
  HourlyStat stat{
      .hour = cell.hour, .agent_name = cell.agent_name, .status = cell.status, .executions = 0, .durations = {}};
  for (const auto& [name, value] : item) {
    const std::string_view n = name;
    if (n == "n") {
      auto count = CountAttribute(value);
      if (!count) return std::unexpected(Malformed("n", item));
      stat.executions = *count;
    } else if (n.size() > 1 && n[0] == 'b' && n[1] >= '0' && n[1] <= '9') {
      std::uint16_t bin = 0;
      auto count = CountAttribute(value);
      if (!ParseWhole(n.substr(1), bin) || bin >= kDurationBins || !count) {
        return std::unexpected(Malformed(std::string(n), item));
      }
      if (*count > 0) stat.durations.emplace_back(bin, *count);
    }
  }
  std::sort(stat.durations.begin(), stat.durations.end());
  return stat;
}

Result<AgentSummary> DecodeAgentCount(const json::object& item) {
  const auto* key = StringAttribute(item, "statsKey");
  const auto* n = item.if_contains("n");
  auto count = n ? CountAttribute(*n) : std::nullopt;
  if (!key || !key->starts_with("agent#") || !count) return std::unexpected(Malformed("statsKey or n", item));
  return AgentSummary{.agent_name = std::string(std::string_view(*key).substr(6)), .executions = *count};
}

}  // namespace exidx::dynamodb
