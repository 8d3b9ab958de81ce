// The item coding of item_codec.h, and VersionKey and AllShardOf
// (dynamodb_store.h), which the index attributes are made of.
#include "store/dynamodb/item_codec.h"

#include <charconv>
#include <cstdio>

#include "core/status.h"
#include "store/dynamodb/dynamodb_store.h"

namespace exidx {
namespace {

namespace json = boost::json;

std::string Digits(std::uint64_t value, int width) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%0*llu", width, static_cast<unsigned long long>(value));
  return buffer;
}

// Signed to unsigned, order kept.
std::uint64_t Biased(std::int64_t value) {
  return static_cast<std::uint64_t>(value) ^ (std::uint64_t{1} << 63);
}

}  // namespace

namespace dynamodb {

std::uint32_t Fnv1a(std::string_view text) {
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : text) hash = (hash ^ c) * 16777619u;
  return hash;
}

std::string StartKey(EpochMillis start_date, std::string_view execution_arn) {
  return FormatTimestamp(start_date) + "#" + std::string(execution_arn);
}

std::string AllShardValue(int shard) {
  return "all#" + std::to_string(shard);
}

json::object S(std::string_view value) {
  return json::object{{"S", value}};
}
json::object N(std::string value) {
  return json::object{{"N", std::move(value)}};
}

namespace {

std::string FormatDuration(const ExecutionRecord& record) {
  const EpochMillis millis = *record.stop_date - record.start_date;
  const bool negative = millis < 0;
  const std::uint64_t magnitude = negative ? static_cast<std::uint64_t>(-millis) : static_cast<std::uint64_t>(millis);
  return (negative ? "-" : "") + std::to_string(magnitude / 1000) + "." + Digits(magnitude % 1000, 3);
}

}  // namespace

json::object EncodeItem(const ExecutionRecord& r) {
  json::object item{
      {"executionArn", S(r.execution_arn)},
      {"agentName", S(r.agent_name)},
      {"stateMachineArn", S(r.state_machine_arn)},
      {"executionName", S(r.execution_name)},
      {"status", S(StatusName(r.status))},
      {"startDate", S(FormatTimestamp(r.start_date))},
      {"indexedAt", S(FormatTimestamp(r.indexed_at))},
      {"version", S(VersionKey(r))},
      {"startKey", S(StartKey(r.start_date, r.execution_arn))},
      {"agentStatus", S(r.agent_name + "#" + std::string(StatusName(r.status)))},
      {"allShard", S(AllShardValue(AllShardOf(r.execution_arn)))},
  };
  if (r.stop_date) {
    item["stopDate"] = S(FormatTimestamp(*r.stop_date));
    item["durationSeconds"] = N(FormatDuration(r));
  }
  if (r.redrive_count != 0) item["redriveCount"] = N(std::to_string(r.redrive_count));
  // DynamoDB refuses empty strings only in key attributes; keep ours anyway.
  if (r.error) item["error"] = S(*r.error);
  if (r.cause) item["cause"] = S(*r.cause);
  if (r.ttl) item["ttl"] = N(std::to_string(*r.ttl));
  return item;
}

const json::string* StringAttribute(const json::object& item, std::string_view name) {
  const auto* attribute = item.if_contains(name);
  if (!attribute || !attribute->is_object()) return nullptr;
  const auto* s = attribute->get_object().if_contains("S");
  return s && s->is_string() ? &s->get_string() : nullptr;
}

Result<std::optional<std::int64_t>> IntegerAttribute(const json::object& item, std::string_view name) {
  const auto* attribute = item.if_contains(name);
  if (!attribute) return std::nullopt;
  const json::value* n = attribute->is_object() ? attribute->get_object().if_contains("N") : nullptr;
  std::int64_t value = 0;
  if (n != nullptr && n->is_string()) {
    const json::string& text = n->get_string();
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return value;
  }
  const auto* arn = StringAttribute(item, "executionArn");
  return Fail(ErrorCode::kInternal, "dynamodb: item " + Quoted(arn ? std::string_view(*arn) : "?") + ": " +
                                        std::string(name) +
                                        " is not an integer: " + Quoted(json::serialize(*attribute)));
}

Result<ExecutionRecord> DecodeItem(const json::object& item) {
  auto bad = [&item](std::string_view what) {
    const auto* arn = StringAttribute(item, "executionArn");
    return Fail(ErrorCode::kInternal, "dynamodb: item " + Quoted(arn ? std::string_view(*arn) : "?") + ": " +
                                          std::string(what) + " missing or malformed");
  };
  ExecutionRecord r;
  auto text = [&](std::string_view name, std::string& out) {
    const auto* value = StringAttribute(item, name);
    if (!value) return false;
    out = std::string(*value);
    return true;
  };
  std::string status, start, indexed;
  if (!text("executionArn", r.execution_arn)) return bad("executionArn");
  if (!text("agentName", r.agent_name)) return bad("agentName");
  if (!text("stateMachineArn", r.state_machine_arn)) return bad("stateMachineArn");
  if (!text("executionName", r.execution_name)) return bad("executionName");
  if (!text("status", status)) return bad("status");
  auto parsed_status = ParseStatus(status);
  if (!parsed_status) return bad("status");
  r.status = *parsed_status;
  if (!text("startDate", start)) return bad("startDate");
  auto start_date = ParseTimestamp(start);
  if (!start_date) return bad("startDate");
  r.start_date = *start_date;
  if (text("indexedAt", indexed)) {
    auto indexed_at = ParseTimestamp(indexed);
    if (!indexed_at) return bad("indexedAt");
    r.indexed_at = *indexed_at;
  }
  std::string value;
  if (text("stopDate", value)) {
    auto stop = ParseTimestamp(value);
    if (!stop) return bad("stopDate");
    r.stop_date = *stop;
  }
  auto redrive_count = IntegerAttribute(item, "redriveCount");
  if (!redrive_count) return std::unexpected(redrive_count.error());
  r.redrive_count = redrive_count->value_or(0);
  if (r.redrive_count < 0) return bad("redriveCount");
  if (text("error", value)) r.error = value;
  if (text("cause", value)) r.cause = value;
  auto ttl = IntegerAttribute(item, "ttl");
  if (!ttl) return std::unexpected(ttl.error());
  r.ttl = *ttl;
  return r;
}

Result<json::object> ParseObject(const std::string& body, std::string_view operation) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) {
    return Fail(ErrorCode::kInternal, "dynamodb " + std::string(operation) + ": the answer is not a JSON object");
  }
  return std::move(value.get_object());
}

Result<std::optional<json::object>> GetItem(aws::JsonClient& client, const std::string& table, std::string_view key,
                                            const Deadline& deadline) {
  json::object request{{"TableName", table}, {"Key", json::object{{"executionArn", S(key)}}}, {"ConsistentRead", true}};
  auto body = client.Call("GetItem", json::serialize(request), deadline);
  if (!body) return std::unexpected(body.error());
  auto answer = ParseObject(*body, "GetItem");
  if (!answer) return std::unexpected(answer.error());
  auto* item = answer->if_contains("Item");
  if (!item || !item->is_object()) return std::nullopt;
  return std::optional<json::object>(std::move(item->get_object()));
}

CandidateVersions VersionsOf(std::span<const ExecutionRecord> candidates, const std::vector<std::size_t>& positions) {
  CandidateVersions versions;
  for (std::size_t k = 0; k < positions.size(); ++k) {
    versions.keys.push_back(VersionKey(candidates[positions[k]]));
    if (versions.keys[k] > versions.keys[versions.greatest]) versions.greatest = k;
  }
  return versions;
}

void SetOutcomes(const CandidateVersions& versions, const std::vector<std::size_t>& positions,
                 std::optional<std::string> stored, std::vector<ApplyOutcome>& outcomes) {
  for (std::size_t k = 0; k < positions.size(); ++k) {
    if (!stored || versions.keys[k] > *stored) {
      outcomes[positions[k]] = ApplyOutcome::kIndexed;
      stored = versions.keys[k];
    }
  }
}

std::uint64_t CountField(const json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  if (value && value->is_int64()) return static_cast<std::uint64_t>(value->get_int64());
  if (value && value->is_uint64()) return value->get_uint64();
  return 0;
}

}  // namespace dynamodb

std::string VersionKey(const ExecutionRecord& record) {
  const RecordVersion v = VersionOf(record);
  return Digits(Biased(v.redrive_count), 20) + "." + std::to_string(v.phase) + "." + Digits(Biased(v.stop_date), 20) +
         "." + Digits(static_cast<std::uint64_t>(v.status_rank), 2);
}

int AllShardOf(std::string_view execution_arn) {
  return static_cast<int>(dynamodb::Fnv1a(execution_arn) % kAllShards);
}

}  // namespace exidx
