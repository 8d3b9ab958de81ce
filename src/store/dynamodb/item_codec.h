// How an ExecutionRecord is one DynamoDB item (the table of dynamodb_store.h):
// its attributes, the names of the indexes that key on them, and the reading
// of a JSON 1.0 answer (and of GetItem's). Internal to src/store/dynamodb, but
// for the stream handler (src/lambda), whose stream images are these items.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aws/json_client.h"
#include "core/error.h"
#include "core/record.h"
#include "core/time.h"

namespace exidx::dynamodb {

inline constexpr std::string_view kAgentDateIndex = "AgentDateIndex";
inline constexpr std::string_view kStatusDateIndex = "StatusDateIndex";
inline constexpr std::string_view kAgentStatusDateIndex = "AgentStatusDateIndex";
inline constexpr std::string_view kAllDateIndex = "AllDateIndex";

// Attribute values: {"S": value} and {"N": value}.
boost::json::object S(std::string_view value);
boost::json::object N(std::string value);

// The startKey attribute: "<startDate>#<executionArn>".
std::string StartKey(EpochMillis start_date, std::string_view execution_arn);

// The allShard attribute of AllDateIndex's partition `shard`: "all#<shard>".
std::string AllShardValue(int shard);

// The item of a record: its attributes and the index attributes.
boost::json::object EncodeItem(const ExecutionRecord& record);

// The value of the string attribute `name`, or nullptr when there is none.
const boost::json::string* StringAttribute(const boost::json::object& item, std::string_view name);

// The record of an item; kInternal naming the attribute when one is missing
// or malformed (a corrupt item is an error, never a record read in part).
Result<ExecutionRecord> DecodeItem(const boost::json::object& item);

// The answer to `operation` as a JSON object; kInternal when it is not one.
Result<boost::json::object> ParseObject(const std::string& body, std::string_view operation);

// The item of `key` in `table`, read with GetItem (strongly consistent);
// nullopt when there is none.
Result<std::optional<boost::json::object>> GetItem(aws::JsonClient& client, const std::string& table,
                                                   std::string_view key);

// A count of an answer, such as ScannedCount; 0 when absent.
std::uint64_t CountField(const boost::json::object& object, std::string_view name);

}  // namespace exidx::dynamodb
