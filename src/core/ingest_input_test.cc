#include "core/ingest_input.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace exidx {
namespace {

std::string Event(const std::string& id, const std::string& status) {
  return R"({"version":"0","id":")" + id +
         R"(","detail-type":"Step Functions Execution Status Change","source":"aws.states",)"
         R"("account":"1","time":"2025-09-29T10:00:00Z","region":"us-west-2","resources":[],)"
         R"("detail":{"executionArn":"arn:aws:states:us-west-2:1:execution:m:)" +
         id + R"(","stateMachineArn":"arn:aws:states:us-west-2:1:stateMachine:m","name":")" + id + R"(","status":")" +
         status + R"(","startDate":1759140000000,"stopDate":null}})";
}

std::string Record(const std::string& event) {
  return R"({"version":"1.0","requestContext":{"requestId":"r","condition":"RetriesExhausted"},)"
         R"("requestPayload":)" +
         event + R"(,"responsePayload":{"errorType":"Unavailable"}})";
}

std::vector<std::string> Ids(const std::vector<ParsedEvent>& events) {
  std::vector<std::string> ids;
  for (const ParsedEvent& event : events) ids.push_back(std::get<StatusChangeEvent>(event).event_id);
  return ids;
}

TEST(IngestInput, ReadsReceiveMessageOutputOfBothShapesPrettyPrinted) {
  boost::json::object messages{
      {"Messages",
       boost::json::array{
           boost::json::object{
               {"MessageId", "m1"},
               {"ReceiptHandle", "h1"},
               {"Body", Event("a", "RUNNING")},
               {"MessageAttributes", boost::json::object{{"ERROR_CODE", boost::json::object{{"StringValue", "x"},
                                                                                            {"DataType", "String"}}}}}},
           boost::json::object{{"MessageId", "m2"}, {"Body", Record(Event("b", "SUCCEEDED"))}}}}};
  std::string pretty = boost::json::serialize(messages);
  for (std::size_t at = pretty.find(",\""); at != std::string::npos; at = pretty.find(",\"", at + 3)) {
    pretty.replace(at, 1, ",\n    ");
  }
  auto events = ParseIngestInput(pretty + "\n" + Record(Event("c", "FAILED")) + "\n" + Event("d", "RUNNING"));
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(Ids(*events), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(IngestInput, PlainEventsParseAsParseEventBatchParsesThem) {
  auto events = ParseIngestInput(Event("a", "RUNNING") + "\n" + Event("b", "RUNNING"));
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(Ids(*events), (std::vector<std::string>{"a", "b"}));
}

TEST(IngestInput, AnInvalidEventInAMessageNamesTheMessage) {
  const std::string text = boost::json::serialize(boost::json::object{
      {"Messages", boost::json::array{boost::json::object{{"MessageId", "m1"}, {"Body", Event("a", "DONE")}}}}});
  auto events = ParseIngestInput(text);
  ASSERT_FALSE(events);
  EXPECT_EQ(events.error().code, ErrorCode::kInvalidEvent);
  EXPECT_NE(events.error().message.find("message 'm1'"), std::string::npos) << events.error().message;
  EXPECT_NE(events.error().message.find("detail.status"), std::string::npos) << events.error().message;
}

TEST(IngestInput, AnInvalidPlainEventKeepsParseEventBatchsMessage) {
  const std::string text = Event("a", "RUNNING") + "\n" + Event("b", "DONE");
  auto expected = ParseEventBatch(text);
  auto events = ParseIngestInput(text);
  ASSERT_FALSE(events);
  ASSERT_FALSE(expected);
  EXPECT_EQ(events.error().message, expected.error().message);
}

}  // namespace
}  // namespace exidx
