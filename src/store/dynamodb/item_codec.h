// How an ExecutionRecord is one DynamoDB item (the table of dynamodb_store.h):
// its attributes, the names of the indexes that key on them, and the reading
// of a JSON 1.0 answer (and of GetItem's). Internal to src/store/dynamodb, but
// for the stream handler (src/lambda), whose stream images are these items.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aws/json_client.h"
#include "core/deadline.h"
#include "core/error.h"
#include "core/record.h"
#include "core/time.h"
#include "store/execution_store.h"

namespace exidx::dynamodb {

inline constexpr std::string_view kAgentDateIndex = "AgentDateIndex";
inline constexpr std::string_view kStatusDateIndex = "StatusDateIndex";
inline constexpr std::string_view kAgentStatusDateIndex = "AgentStatusDateIndex";
inline constexpr std::string_view kAllDateIndex = "AllDateIndex";

// Attribute values: {"S": value} and {"N": value}.
boost::json::object S(std::string_view value);
boost::json::object N(std::string value);

// The 32-bit FNV-1a hash of `text`: stable across builds and languages, so
// that shards of items stay where they were written.
std::uint32_t Fnv1a(std::string_view text);

// The startKey attribute: "<startDate>#<executionArn>".
std::string StartKey(EpochMillis start_date, std::string_view execution_arn);

// The allShard attribute of AllDateIndex's partition `shard`: "all#<shard>".
std::string AllShardValue(int shard);

// The item of a record: its attributes and the index attributes.
boost::json::object EncodeItem(const ExecutionRecord& record);

// The value of the string attribute `name`, or nullptr when there is none.
const boost::json::string* StringAttribute(const boost::json::object& item, std::string_view name);

// An integer attribute {"N": "123"}: nullopt when absent; kInternal naming it
// when it is there but not a whole number in int64 (a corrupt item is an
// error, never a value read as far as it went, as "12abc" once read as 12).
Result<std::optional<std::int64_t>> IntegerAttribute(const boost::json::object& item, std::string_view name);

// The record of an item; kInternal naming the attribute when one is missing
// or malformed (a corrupt item is an error, never a record read in part).
Result<ExecutionRecord> DecodeItem(const boost::json::object& item);

// The answer to `operation` as a JSON object; kInternal when it is not one.
Result<boost::json::object> ParseObject(const std::string& body, std::string_view operation);

// The item of `key` in `table`, read with GetItem (strongly consistent);
// nullopt when there is none.
Result<std::optional<boost::json::object>> GetItem(aws::JsonClient& client, const std::string& table,
                                                   std::string_view key, const Deadline& deadline = Deadline::Never());

// The version keys (VersionKey) of the candidates at `positions`, one
// execution's, and which of them (an index into `positions`) is the first
// of the greatest: the only one that can change the stored record.
struct CandidateVersions {
  std::vector<std::string> keys;
  std::size_t greatest = 0;
};
CandidateVersions VersionsOf(std::span<const ExecutionRecord> candidates, const std::vector<std::size_t>& positions);

// Sets the outcome of each candidate at `positions`, applied in order over
// the version key stored before (nullopt: no item; "": an item without one):
// kIndexed for each that superseded what came before it.
void SetOutcomes(const CandidateVersions& versions, const std::vector<std::size_t>& positions,
                 std::optional<std::string> stored, std::vector<ApplyOutcome>& outcomes);

// A count of an answer, such as ScannedCount; 0 when absent.
std::uint64_t CountField(const boost::json::object& object, std::string_view name);

}  // namespace exidx::dynamodb
