// DynamoDbStore's statistics: the transactional write of a record with its
// counts (PutCounted), their reading (ReadHourlyStats, ListAgents) and the
// counting of records written before them (CountExisting). The cells' items
// are in stat_cells.*.
#include <algorithm>
#include <map>
#include <random>
#include <thread>
#include <tuple>

#include "store/dynamodb/bounded_calls.h"
#include "store/dynamodb/dynamodb_store.h"
#include "store/dynamodb/item_codec.h"
#include "store/dynamodb/stat_cells.h"

namespace exidx {
namespace {

namespace json = boost::json;

using dynamodb::CountedIn;
using dynamodb::CountedInOf;
using dynamodb::CountedOfItem;
using dynamodb::CountedValue;
using dynamodb::CountUpdates;
using dynamodb::GetItem;
using dynamodb::ParseObject;
using dynamodb::S;
using dynamodb::StringAttribute;

// Attempts of one execution's transaction before Apply gives up: each lost
// race (another writer changed the record, or held one of its cells) reads
// again, and waits a little when it was a conflict.
constexpr int kMaxTransactionAttempts = 25;

// A ClientRequestToken: it makes the transaction idempotent for ten minutes,
// so that the client resending an attempt whose answer was lost is answered
// with its success rather than a failed condition.
std::string RequestToken() {
  thread_local std::mt19937_64 random(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 32; ++i) token.push_back(kHex[random() % 16]);
  return token;
}

void WaitForConflict(int attempt, const Deadline& deadline) {
  thread_local std::mt19937 random(std::random_device{}());
  const int cap = std::min(1000, 5 << std::min(attempt, 8));
  const auto wait = std::chrono::milliseconds(std::uniform_int_distribution<int>(cap / 2, cap)(random));
  std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(wait, deadline.Remaining()));
}

bool Has(const std::vector<std::string>& reasons, std::string_view code) {
  return std::find(reasons.begin(), reasons.end(), code) != reasons.end();
}

// The condition that `stored` (nullopt: no item) is still what is stored:
// its version and its `counted` unchanged. Fills `names` and `values`.
std::string UnchangedCondition(const std::optional<json::object>& stored, json::object& names, json::object& values) {
  if (!stored) return "attribute_not_exists(executionArn)";
  names["#v"] = "version";
  names["#c"] = "counted";
  std::string condition;
  if (const auto* version = StringAttribute(*stored, "version")) {
    condition = "#v = :stored_version";
    values[":stored_version"] = S(*version);
  } else {
    condition = "attribute_exists(executionArn) AND attribute_not_exists(#v)";
  }
  if (const auto* counted = StringAttribute(*stored, "counted")) {
    condition += " AND #c = :stored_counted";
    values[":stored_counted"] = S(*counted);
  } else {
    condition += " AND attribute_not_exists(#c)";
  }
  return condition;
}

// Sends one transaction. Ok(true) when it committed; Ok(false) when its
// condition failed or it conflicted (read again and retry); else the error.
Result<bool> Transact(aws::JsonClient& client, json::array items, const Deadline& deadline, int attempt) {
  json::object request{{"TransactItems", std::move(items)}, {"ClientRequestToken", RequestToken()}};
  aws::ServiceError service_error;
  auto body = client.Call("TransactWriteItems", json::serialize(request), deadline, &service_error);
  if (body) return true;
  if (service_error.type != "TransactionCanceledException") return std::unexpected(body.error());
  const auto& reasons = service_error.cancellation_reasons;
  if (Has(reasons, "TransactionConflict") || Has(reasons, "ThrottlingError") ||
      Has(reasons, "ProvisionedThroughputExceeded")) {
    WaitForConflict(attempt, deadline);
    return false;
  }
  if (Has(reasons, "ConditionalCheckFailed")) return false;
  return std::unexpected(body.error());
}

Error Exhausted(std::string_view arn) {
  return Error{ErrorCode::kUnavailable, "dynamodb: the record of " + Quoted(arn) + " and its statistics could not be " +
                                            "written: other writers kept changing them (" +
                                            std::to_string(kMaxTransactionAttempts) + " attempts); retry"};
}

}  // namespace

Status DynamoDbStore::PutCounted(std::span<const ExecutionRecord> candidates, const std::vector<std::size_t>& positions,
                                 const Deadline& deadline, std::vector<ApplyOutcome>& outcomes) {
  const dynamodb::CandidateVersions versions = dynamodb::VersionsOf(candidates, positions);
  const ExecutionRecord& winner = candidates[positions[versions.greatest]];
  const CountedIn after = CountedInOf(winner);
  json::object item = dynamodb::EncodeItem(winner);
  item["counted"] = S(CountedValue(after));
  for (int attempt = 0; attempt < kMaxTransactionAttempts; ++attempt) {
    auto stored = GetItem(*client_, options_.table_name, winner.execution_arn, deadline);
    if (!stored) return std::unexpected(stored.error());
    std::optional<std::string> stored_version;
    std::optional<CountedIn> before;
    if (*stored) {
      const auto* version = StringAttribute(**stored, "version");
      stored_version = version ? std::string(*version) : std::string();  // No version: below all.
      auto counted = CountedOfItem(**stored);
      if (!counted) return std::unexpected(counted.error());
      before = std::move(*counted);
    }
    if (stored_version && !(versions.keys[versions.greatest] > *stored_version)) return {};  // All unchanged.
    json::object names, values;
    std::string condition = UnchangedCondition(*stored, names, values);
    json::object put{{"TableName", options_.table_name}, {"Item", item}, {"ConditionExpression", std::move(condition)}};
    if (!names.empty()) put["ExpressionAttributeNames"] = std::move(names);
    if (!values.empty()) put["ExpressionAttributeValues"] = std::move(values);
    json::array transaction{json::object{{"Put", std::move(put)}}};
    for (auto& update : CountUpdates(options_.table_name, before, after)) transaction.push_back(std::move(update));
    auto committed = Transact(*client_, std::move(transaction), deadline, attempt);
    if (!committed) return std::unexpected(committed.error());
    if (!*committed) continue;
    dynamodb::SetOutcomes(versions, positions, std::move(stored_version), outcomes);
    return {};
  }
  return std::unexpected(Exhausted(winner.execution_arn));
}

Result<std::vector<json::object>> DynamoDbStore::QueryStats(const std::string& partition, const std::string& low,
                                                            const std::string& high, const std::string& filter,
                                                            const json::object& filter_values) {
  std::vector<json::object> items;
  std::optional<json::object> last_key;
  do {
    json::object values = filter_values;
    values[":p"] = S(partition);
    std::string key_condition = "statsPartition = :p";
    if (!low.empty()) {
      key_condition += " AND statsKey BETWEEN :lo AND :hi";
      values[":lo"] = S(low);
      values[":hi"] = S(high);
    }
    json::object request{{"TableName", options_.table_name},
                         {"IndexName", dynamodb::kStatsIndex},
                         {"KeyConditionExpression", std::move(key_condition)},
                         {"ExpressionAttributeValues", std::move(values)}};
    if (!filter.empty()) request["FilterExpression"] = filter;
    if (last_key) request["ExclusiveStartKey"] = std::move(*last_key);
    last_key.reset();
    auto body = client_->Call("Query", json::serialize(request));
    if (!body) return std::unexpected(body.error());
    auto answer = ParseObject(*body, "Query");
    if (!answer) return std::unexpected(answer.error());
    items_read_ += dynamodb::CountField(*answer, "ScannedCount");
    if (const auto* found = answer->if_contains("Items"); found && found->is_array()) {
      for (const auto& entry : found->get_array()) {
        if (entry.is_object()) items.push_back(entry.get_object());
      }
    }
    if (const auto* next = answer->if_contains("LastEvaluatedKey"); next && next->is_object()) {
      last_key = next->get_object();
    }
  } while (last_key);
  return items;
}

Result<std::vector<HourlyStat>> DynamoDbStore::ReadHourlyStats(const StatsRequest& request) {
  if (auto layout = RefreshLayout(); !layout) return std::unexpected(layout.error());
  if (!stats_readable_) {
    return Fail(ErrorCode::kUnavailable,
                has_stats_index_ ? "the statistics index of table " + Quoted(options_.table_name) +
                                       " is still being built; they can be read once exidx init has finished"
                                 : "table " + Quoted(options_.table_name) + " keeps no statistics (add them with: " +
                                       "exidx init --store dynamodb://" + options_.table_name + ")");
  }
  if (request.from_hour >= request.to_hour) return std::vector<HourlyStat>{};
  const auto range = dynamodb::CellKeysOf(request.from_hour, request.to_hour);
  std::string filter;
  json::object values;
  if (request.status) {
    filter = "cellStatus = :s";
    values[":s"] = S(StatusName(*request.status));
  }
  if (request.agent_name) {
    filter += (filter.empty() ? "" : " AND ") + std::string("cellAgent = :a");
    values[":a"] = S(*request.agent_name);
  }
  std::vector<std::vector<json::object>> shards(dynamodb::kCellShards);
  Status read = dynamodb::RunBounded(shards.size(), dynamodb::kCellShards, [&](std::size_t shard) -> Status {
    auto items = QueryStats(dynamodb::CellPartition(static_cast<int>(shard)), range.low, range.high, filter, values);
    if (!items) return std::unexpected(items.error());
    shards[shard] = std::move(*items);
    return {};
  });
  if (!read) return std::unexpected(read.error());
  // The shards' cells of one (hour, agent, status) add up to its cell.
  std::map<std::tuple<EpochMillis, std::string, ExecutionStatus>,
           std::pair<std::uint64_t, std::map<std::uint16_t, std::uint64_t>>>
      sums;
  for (const auto& items : shards) {
    for (const auto& item : items) {
      auto cell = dynamodb::DecodeCell(item);
      if (!cell) return std::unexpected(cell.error());
      if (cell->hour < request.from_hour || cell->hour >= request.to_hour) continue;
      auto& [executions, bins] = sums[{cell->hour, cell->agent_name, cell->status}];
      executions += cell->executions;
      for (const auto& [bin, n] : cell->durations) bins[bin] += n;
    }
  }
  std::vector<HourlyStat> out;
  for (auto& [key, sum] : sums) {
    if (sum.first == 0) continue;  // Every record it counted has moved on.
    HourlyStat stat{.hour = std::get<0>(key),
                    .agent_name = std::get<1>(key),
                    .status = std::get<2>(key),
                    .executions = sum.first,
                    .durations = {}};
    for (const auto& [bin, n] : sum.second) {
      if (n > 0) stat.durations.emplace_back(bin, n);
    }
    out.push_back(std::move(stat));
  }
  return out;
}

Result<std::vector<AgentSummary>> DynamoDbStore::ListAgents() {
  if (auto layout = RefreshLayout(); !layout) return std::unexpected(layout.error());
  if (!stats_readable_) {
    return Fail(ErrorCode::kUnavailable,
                "table " + Quoted(options_.table_name) +
                    " keeps no agent counts yet (add them with: exidx init --store dynamodb://" + options_.table_name +
                    ")");
  }
  std::vector<std::vector<json::object>> shards(dynamodb::kCellShards);
  Status read = dynamodb::RunBounded(shards.size(), dynamodb::kCellShards, [&](std::size_t shard) -> Status {
    auto items = QueryStats(dynamodb::AgentPartition(static_cast<int>(shard)), "", "", "", json::object{});
    if (!items) return std::unexpected(items.error());
    shards[shard] = std::move(*items);
    return {};
  });
  if (!read) return std::unexpected(read.error());
  std::map<std::string, std::uint64_t> counts;
  for (const auto& items : shards) {
    for (const auto& item : items) {
      auto agent = dynamodb::DecodeAgentCount(item);
      if (!agent) return std::unexpected(agent.error());
      counts[agent->agent_name] += agent->executions;
    }
  }
  std::vector<AgentSummary> out;
  for (auto& [name, n] : counts) {
    if (n > 0) out.push_back({name, n});
  }
  return out;
}

Result<std::uint64_t> DynamoDbStore::CountExisting(aws::JsonClient& client, const std::string& table_name,
                                                   const std::function<void(const std::string&)>& log) {
  std::uint64_t counted = 0, scanned = 0;
  std::optional<json::object> last_key;
  do {
    json::object request{{"TableName", table_name},
                         {"ConsistentRead", true},
                         {"Limit", 500},
                         {"FilterExpression", "attribute_not_exists(counted)"}};
    if (last_key) request["ExclusiveStartKey"] = std::move(*last_key);
    last_key.reset();
    auto body = client.Call("Scan", json::serialize(request));
    if (!body) return std::unexpected(body.error());
    auto answer = ParseObject(*body, "Scan");
    if (!answer) return std::unexpected(answer.error());
    scanned += dynamodb::CountField(*answer, "ScannedCount");
    std::vector<json::object> items;
    if (const auto* found = answer->if_contains("Items"); found && found->is_array()) {
      for (const auto& entry : found->get_array()) {
        if (entry.is_object()) items.push_back(entry.get_object());
      }
    }
    if (const auto* next = answer->if_contains("LastEvaluatedKey"); next && next->is_object()) {
      last_key = next->get_object();
    }
    for (json::object& item : items) {
      const auto* arn = StringAttribute(item, "executionArn");
      if (!arn || arn->starts_with(kReservedKeyPrefix)) continue;
      const std::string key(*arn);
      std::optional<json::object> stored(std::move(item));
      for (int attempt = 0; stored; ++attempt) {
        if (attempt == kMaxTransactionAttempts) return std::unexpected(Exhausted(key));
        if (stored->contains("counted")) break;  // Apply counted it meanwhile.
        auto record = dynamodb::DecodeItem(*stored);
        if (!record) {
          return Fail(ErrorCode::kInternal,
                      record.error().message + " (an item of the first design? exidx migrate rewrites those)");
        }
        const CountedIn in = CountedInOf(*record);
        json::object names, values;
        std::string condition = UnchangedCondition(stored, names, values);
        values[":counted"] = S(CountedValue(in));
        json::array transaction{
            json::object{{"Update", json::object{{"TableName", table_name},
                                                 {"Key", json::object{{"executionArn", S(key)}}},
                                                 {"UpdateExpression", "SET #c = :counted"},
                                                 {"ConditionExpression", std::move(condition)},
                                                 {"ExpressionAttributeNames", std::move(names)},
                                                 {"ExpressionAttributeValues", std::move(values)}}}}};
        for (auto& update : CountUpdates(table_name, std::nullopt, in)) transaction.push_back(std::move(update));
        auto committed = Transact(client, std::move(transaction), Deadline::Never(), attempt);
        if (!committed) return std::unexpected(committed.error());
        if (*committed) {
          ++counted;
          break;
        }
        auto again = GetItem(client, table_name, key);  // Changed meanwhile: look again.
        if (!again) return std::unexpected(again.error());
        stored = std::move(*again);
      }
    }
    if (log)
      log("counting records in the statistics: " + std::to_string(scanned) + " items scanned, " +
          std::to_string(counted) + " counted");
  } while (last_key);
  return counted;
}

}  // namespace exidx
