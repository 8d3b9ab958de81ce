// DynamoDbStore::CreateTable and DeleteTable: the table's key schema and
// indexes as CreateTable makes them, and the waits for DynamoDB to build them.
#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <thread>

#include "store/dynamodb/dynamodb_store.h"
#include "store/dynamodb/item_codec.h"
#include "store/dynamodb/stat_cells.h"

namespace exidx {
namespace {

namespace json = boost::json;

using dynamodb::kAgentDateIndex;
using dynamodb::kAgentStatusDateIndex;
using dynamodb::kAllDateIndex;
using dynamodb::kStatusDateIndex;
using dynamodb::ParseObject;

json::object Gsi(std::string_view name, std::string_view hash, std::string_view range) {
  return json::object{
      {"IndexName", name},
      {"KeySchema", json::array{json::object{{"AttributeName", hash}, {"KeyType", "HASH"}},
                                json::object{{"AttributeName", range}, {"KeyType", "RANGE"}}}},
      {"Projection", json::object{{"ProjectionType", "ALL"}}},
  };
}

// DynamoDB wants exactly the attributes that some key uses.
json::array AttributeDefinitions(TableLayout layout) {
  json::array definitions;
  for (const char* name : {"executionArn", "agentName", "status", "startDate", "agentStatus", "startKey", "allShard",
                           "statsPartition", "statsKey"}) {
    const std::string_view n = name;
    if (layout == TableLayout::kSeedOnly && (n == "agentStatus" || n == "startKey" || n == "allShard")) continue;
    if (layout != TableLayout::kFull && (n == "statsPartition" || n == "statsKey")) continue;
    definitions.push_back(json::object{{"AttributeName", name}, {"AttributeType", "S"}});
  }
  return definitions;
}

// Local emulators (dynalite) lack some table settings' operations.
bool Unsupported(const aws::ServiceError& error) {
  return error.type == "UnknownOperationException";
}

std::vector<json::object> IndexesOf(TableLayout layout) {
  std::vector<json::object> indexes = {Gsi(kAgentDateIndex, "agentName", "startDate"),
                                       Gsi(kStatusDateIndex, "status", "startDate")};
  if (layout != TableLayout::kSeedOnly) {
    indexes.push_back(Gsi(kAgentStatusDateIndex, "agentStatus", "startKey"));
    indexes.push_back(Gsi(kAllDateIndex, "allShard", "startKey"));
  }
  if (layout == TableLayout::kFull) indexes.push_back(Gsi(dynamodb::kStatsIndex, "statsPartition", "statsKey"));
  return indexes;
}

// The table's status and the names and statuses of its indexes.
struct TableState {
  std::string status;
  std::map<std::string, std::string> indexes;
  bool stream_enabled = false;
};

Result<std::optional<TableState>> DescribeTableState(aws::JsonClient& client, const std::string& table) {
  aws::ServiceError service_error;
  auto body = client.Call("DescribeTable", json::serialize(json::object{{"TableName", table}}), &service_error);
  if (!body) {
    if (service_error.type == "ResourceNotFoundException") return std::nullopt;
    return std::unexpected(body.error());
  }
  auto answer = ParseObject(*body, "DescribeTable");
  if (!answer) return std::unexpected(answer.error());
  TableState state;
  const auto* t = answer->if_contains("Table");
  if (!t || !t->is_object()) return Fail(ErrorCode::kInternal, "dynamodb DescribeTable: no Table in the answer");
  if (const auto* s = t->get_object().if_contains("TableStatus"); s && s->is_string()) state.status = s->get_string();
  if (const auto* spec = t->get_object().if_contains("StreamSpecification"); spec && spec->is_object()) {
    const auto* enabled = spec->get_object().if_contains("StreamEnabled");
    state.stream_enabled = enabled && enabled->is_bool() && enabled->get_bool();
  }
  if (const auto* list = t->get_object().if_contains("GlobalSecondaryIndexes"); list && list->is_array()) {
    for (const auto& index : list->get_array()) {
      const auto* name = index.is_object() ? index.get_object().if_contains("IndexName") : nullptr;
      const auto* status = index.is_object() ? index.get_object().if_contains("IndexStatus") : nullptr;
      if (name && name->is_string()) {
        state.indexes[std::string(name->get_string())] =
            status && status->is_string() ? std::string(status->get_string()) : "ACTIVE";
      }
    }
  }
  return std::optional<TableState>(std::move(state));
}

// Waits until the table and all its indexes are ACTIVE (up to ~10 minutes).
Result<TableState> WaitActive(aws::JsonClient& client, const std::string& table) {
  for (int i = 0; i < 1200; ++i) {
    auto state = DescribeTableState(client, table);
    if (!state) return std::unexpected(state.error());
    if (*state) {
      bool active = (*state)->status == "ACTIVE";
      for (const auto& [name, status] : (*state)->indexes) active = active && status == "ACTIVE";
      if (active) return **state;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(i < 10 ? 100 : 500));
  }
  return Fail(ErrorCode::kUnavailable, "dynamodb: table " + Quoted(table) + " did not become ACTIVE in time");
}

}  // namespace

Result<TableSetup> DynamoDbStore::CreateTable(aws::JsonClient& client, const std::string& table_name,
                                              TableLayout layout, const std::function<void(const std::string&)>& log) {
  TableSetup setup;
  auto say = [&log](const std::string& line) {
    if (log) log(line);
  };
  auto existing = DescribeTableState(client, table_name);
  if (!existing) return std::unexpected(existing.error());
  if (!*existing) {
    json::array indexes;
    for (auto& index : IndexesOf(layout)) indexes.push_back(std::move(index));
    json::object request{
        {"TableName", table_name},
        {"AttributeDefinitions", AttributeDefinitions(layout)},
        {"KeySchema", json::array{json::object{{"AttributeName", "executionArn"}, {"KeyType", "HASH"}}}},
        {"BillingMode", "PAY_PER_REQUEST"},
        {"GlobalSecondaryIndexes", std::move(indexes)},
        {"StreamSpecification", json::object{{"StreamEnabled", true}, {"StreamViewType", "NEW_AND_OLD_IMAGES"}}},
    };
    aws::ServiceError service_error;
    auto created = client.Call("CreateTable", json::serialize(request), &service_error);
    if (!created && service_error.type != "ResourceInUseException") return std::unexpected(created.error());
    setup.created = static_cast<bool>(created);
    say("created table " + table_name);
  } else {
    say("table " + table_name + " exists");
  }
  auto state = WaitActive(client, table_name);
  if (!state) return std::unexpected(state.error());
  for (auto& index : IndexesOf(layout)) {
    const std::string name(index.at("IndexName").as_string());
    if (state->indexes.contains(name)) continue;
    json::object request{
        {"TableName", table_name},
        {"AttributeDefinitions", AttributeDefinitions(layout)},
        {"GlobalSecondaryIndexUpdates", json::array{json::object{{"Create", std::move(index)}}}},
    };
    auto updated = client.Call("UpdateTable", json::serialize(request));
    if (!updated) return std::unexpected(updated.error());
    say("adding index " + name + " (DynamoDB backfills it from the table)");
    setup.added_indexes.push_back(name);
    setup.added_statistics |= name == dynamodb::kStatsIndex;
    state = WaitActive(client, table_name);
    if (!state) return std::unexpected(state.error());
  }
  aws::ServiceError service_error;
  // A table made before (or without) exidx init: live updates read the
  // stream. A table created just now asked for it already; an endpoint that
  // then reports none (dynalite) has no streams to enable.
  if (!state->stream_enabled && !setup.created) {
    json::object request{
        {"TableName", table_name},
        {"StreamSpecification", json::object{{"StreamEnabled", true}, {"StreamViewType", "NEW_AND_OLD_IMAGES"}}},
    };
    auto updated = client.Call("UpdateTable", json::serialize(request), &service_error);
    if (!updated) return std::unexpected(updated.error());
    say("stream NEW_AND_OLD_IMAGES enabled (exidx serve reads live updates from it)");
    state = WaitActive(client, table_name);
    if (!state) return std::unexpected(state.error());
  }
  auto backups = client.Call("UpdateContinuousBackups",
                             json::serialize(json::object{{"TableName", table_name},
                                                          {"PointInTimeRecoverySpecification",
                                                           json::object{{"PointInTimeRecoveryEnabled", true}}}}),
                             &service_error);
  if (!backups && !Unsupported(service_error)) return std::unexpected(backups.error());
  say(backups ? "point-in-time recovery enabled" : "point-in-time recovery: not supported by this endpoint, skipped");
  auto ttl =
      client.Call("DescribeTimeToLive", json::serialize(json::object{{"TableName", table_name}}), &service_error);
  if (!ttl && !Unsupported(service_error)) return std::unexpected(ttl.error());
  if (!ttl) {
    say("TTL: not supported by this endpoint, skipped");
    return setup;
  }
  if (ttl->find("\"ENABLED\"") == std::string::npos && ttl->find("\"ENABLING\"") == std::string::npos) {
    auto enabled =
        client.Call("UpdateTimeToLive",
                    json::serialize(json::object{
                        {"TableName", table_name},
                        {"TimeToLiveSpecification", json::object{{"Enabled", true}, {"AttributeName", "ttl"}}}}),
                    &service_error);
    if (!enabled && !Unsupported(service_error)) return std::unexpected(enabled.error());
  }
  say("TTL on attribute ttl enabled");
  return setup;
}

Status DynamoDbStore::DeleteTable(aws::JsonClient& client, const std::string& table_name) {
  auto deleted = client.Call("DeleteTable", json::serialize(json::object{{"TableName", table_name}}));
  if (!deleted) return std::unexpected(deleted.error());
  return {};
}

}  // namespace exidx
