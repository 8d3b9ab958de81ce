// DynamoDB Streams events as Lambda delivers them from the index table's
// stream (NEW_AND_OLD_IMAGES), built from items (dynamodb::EncodeItem of a
// record, or any item), for the stream handler's tests.
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace exidx::testing {

inline constexpr std::string_view kStreamArn =
    "arn:aws:dynamodb:us-east-1:123456789012:table/ExecutionIndex-test/stream/2025-09-29T00:00:00.000";

// One record: `event_name` INSERT, MODIFY or REMOVE; images as the event has
// them (INSERT: new only, REMOVE: old only). Keys from whichever image there is.
inline boost::json::object StreamRecord(const std::string& event_name, const std::string& sequence_number,
                                        std::optional<boost::json::object> new_image,
                                        std::optional<boost::json::object> old_image = std::nullopt) {
  namespace json = boost::json;
  const json::object& keyed = new_image ? *new_image : *old_image;
  json::object change{{"ApproximateCreationDateTime", 1759140000},
                      {"Keys", json::object{{"executionArn", keyed.at("executionArn")}}},
                      {"SequenceNumber", sequence_number},
                      {"SizeBytes", 512},
                      {"StreamViewType", "NEW_AND_OLD_IMAGES"}};
  if (new_image) change["NewImage"] = std::move(*new_image);
  if (old_image) change["OldImage"] = std::move(*old_image);
  return json::object{{"eventID", "id-" + sequence_number}, {"eventName", event_name},  {"eventVersion", "1.1"},
                      {"eventSource", "aws:dynamodb"},      {"awsRegion", "us-east-1"}, {"dynamodb", std::move(change)},
                      {"eventSourceARN", kStreamArn}};
}

inline std::string StreamEvent(const std::vector<boost::json::object>& records) {
  boost::json::array array;
  for (const auto& record : records) array.push_back(record);
  return boost::json::serialize(boost::json::object{{"Records", std::move(array)}});
}

}  // namespace exidx::testing
