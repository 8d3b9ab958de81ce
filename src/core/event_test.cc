#include "core/event.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/record.h"

namespace exidx {
namespace {

std::string ReadSamples() {
  std::ifstream in(EXIDX_SOURCE_DIR "/../shared/samples/sfn-status-change-events.ndjson");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Envelope(std::string_view detail, std::string_view id = "e-1") {
  return std::string(R"({"version":"0","id":")") + std::string(id) +
         R"(","detail-type":"Step Functions Execution Status Change","source":"aws.states",)"
         R"("account":"1","time":"2025-09-29T10:00:00Z","region":"us-west-2","resources":[],"detail":)" +
         std::string(detail) + "}";
}

constexpr std::string_view kDetail =
    R"({"executionArn":"arn:x:execution:m:e","stateMachineArn":"arn:x:stateMachine:m","name":"e",)"
    R"("status":"RUNNING","startDate":1759140000123,"stopDate":null})";

std::string WithField(std::string_view field_json) {
  std::string detail(kDetail);
  detail.insert(detail.size() - 1, std::string(",") + std::string(field_json));
  return Envelope(detail);
}

TEST(ParseEventBatch, ReadsTheAwsSamples) {
  const std::string samples = ReadSamples();
  ASSERT_FALSE(samples.empty()) << "shared samples not found";
  auto events = ParseEventBatch(samples);
  ASSERT_TRUE(events) << events.error().message;
  ASSERT_EQ(events->size(), 5u);

  const auto& running = std::get<StatusChangeEvent>((*events)[0]);
  EXPECT_EQ(running.status, ExecutionStatus::kRunning);
  EXPECT_EQ(running.start_date, 1759140000123);
  EXPECT_FALSE(running.stop_date);
  EXPECT_EQ(running.execution_name, "6f1c2a1e-3b7d-4c55-9a0e-1d2f3a4b5c6d");
  EXPECT_EQ(running.event_id, "315c1398-40ff-a850-213b-158f73e60175");

  const auto& succeeded = std::get<StatusChangeEvent>((*events)[1]);
  EXPECT_EQ(succeeded.status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(succeeded.stop_date, 1759140014468);

  const auto& failed = std::get<StatusChangeEvent>((*events)[2]);
  EXPECT_EQ(failed.status, ExecutionStatus::kFailed);
  EXPECT_EQ(failed.error, "States.TaskFailed");
  ASSERT_TRUE(failed.cause);
  EXPECT_NE(failed.cause->find("web_search"), std::string::npos);

  const auto& redriven = std::get<StatusChangeEvent>((*events)[3]);
  EXPECT_EQ(redriven.status, ExecutionStatus::kRunning);
  EXPECT_EQ(redriven.redrive_count, 1);
  EXPECT_EQ(redriven.execution_arn, failed.execution_arn);

  EXPECT_TRUE(std::holds_alternative<SkippedEvent>((*events)[4]));
}

TEST(ParseEventBatch, ArrayAndSingleObjectAndNdjson) {
  const std::string one = Envelope(kDetail);
  EXPECT_EQ(ParseEventBatch(one)->size(), 1u);
  EXPECT_EQ(ParseEventBatch("[" + one + "," + one + "]")->size(), 2u);
  EXPECT_EQ(ParseEventBatch(one + "\n" + one + "\r\n" + one + "\n")->size(), 3u);
  EXPECT_EQ(ParseEventBatch("  \n")->size(), 0u);
  EXPECT_EQ(ParseEventBatch("[]")->size(), 0u);
}

TEST(ParseEventBatch, InvalidEventRejectsWholeBatchNamingIt) {
  const std::string good = Envelope(kDetail, "good");
  std::string bad_detail(kDetail);
  bad_detail.replace(bad_detail.find("RUNNING"), 7, "DONE");
  auto events = ParseEventBatch(good + "\n" + Envelope(bad_detail, "the-bad-one") + "\n" + good);
  ASSERT_FALSE(events);
  EXPECT_EQ(events.error().code, ErrorCode::kInvalidEvent);
  EXPECT_NE(events.error().message.find("event 2"), std::string::npos) << events.error().message;
  EXPECT_NE(events.error().message.find("the-bad-one"), std::string::npos);
  EXPECT_NE(events.error().message.find("detail.status"), std::string::npos);
  EXPECT_NE(events.error().message.find("'DONE'"), std::string::npos);
}

TEST(ParseEventBatch, BadJsonNamesPosition) {
  auto events = ParseEventBatch(Envelope(kDetail) + "\n{\"id\": ");
  ASSERT_FALSE(events);
  EXPECT_NE(events.error().message.find("event 2: invalid JSON"), std::string::npos) << events.error().message;
  // Appended, not "[" + Envelope(...): GCC 12 at -O3 warns falsely on that
  // concatenation (-Wrestrict, GCC bug 105329), which fails a Release build.
  std::string trailing = "[";
  trailing += Envelope(kDetail);
  trailing += "] {}";
  EXPECT_FALSE(ParseEventBatch(trailing));
}

struct BadDetailCase {
  std::string detail;
  std::string field;
};

TEST(ParseEvent, EachRequiredFieldAndTypeIsChecked) {
  const std::vector<BadDetailCase> cases = {
      {R"({"stateMachineArn":"s","name":"e","status":"RUNNING","startDate":1})", "detail.executionArn"},
      {R"({"executionArn":"a","name":"e","status":"RUNNING","startDate":1})", "detail.stateMachineArn"},
      {R"({"executionArn":"a","stateMachineArn":"s","status":"RUNNING","startDate":1})", "detail.name"},
      {R"({"executionArn":"a","stateMachineArn":"s","name":"e","startDate":1})", "detail.status"},
      {R"({"executionArn":"a","stateMachineArn":"s","name":"e","status":"RUNNING"})", "detail.startDate"},
      {R"({"executionArn":"a","stateMachineArn":"s","name":"e","status":"RUNNING","startDate":"1"})",
       "detail.startDate"},
      {R"({"executionArn":"a","stateMachineArn":"s","name":"e","status":"RUNNING","startDate":1.5})",
       "detail.startDate"},
      {R"({"executionArn":"a","stateMachineArn":"s","name":"e","status":"RUNNING","startDate":-1})",
       "detail.startDate"},
      {R"({"executionArn":"a","stateMachineArn":"s","name":"e","status":"FAILED","startDate":5,"stopDate":4})",
       "detail.stopDate"},
      {R"({"executionArn":"a","stateMachineArn":"s","name":"e","status":"FAILED","startDate":5,"stopDate":"x"})",
       "detail.stopDate"},
      {R"({"executionArn":"a","stateMachineArn":"s","name":"e","status":"RUNNING","startDate":5,"redriveCount":-1})",
       "detail.redriveCount"},
      {R"({"executionArn":"a","stateMachineArn":"s","name":"e","status":"FAILED","startDate":5,"error":7})",
       "detail.error"},
      {R"({"executionArn":"","stateMachineArn":"s","name":"e","status":"RUNNING","startDate":1})",
       "detail.executionArn"},
      {R"({"executionArn":"a","stateMachineArn":"s","name":"e","status":"running","startDate":1})", "detail.status"},
      {R"("not an object")", "detail"},
  };
  for (const auto& c : cases) {
    auto event = ParseEvent(Envelope(c.detail, "x1"), 4);
    ASSERT_FALSE(event) << c.detail;
    EXPECT_EQ(event.error().code, ErrorCode::kInvalidEvent);
    EXPECT_EQ(event.error().message.rfind("event 4 (id 'x1'): " + c.field + ":", 0), 0u) << event.error().message;
  }
}

TEST(ParseEvent, EnvelopeProblems) {
  EXPECT_FALSE(ParseEvent("[]", 1));
  EXPECT_FALSE(ParseEvent(R"({"source":"aws.states"})", 1));
  auto missing_detail =
      ParseEvent(R"({"id":"q","source":"aws.states","detail-type":"Step Functions Execution Status Change"})", 1);
  ASSERT_FALSE(missing_detail);
  EXPECT_NE(missing_detail.error().message.find("detail: required"), std::string::npos);
}

TEST(ParseEvent, OtherSourcesAreSkippedNotInvalid) {
  auto event = ParseEvent(R"({"id":"z","source":"aws.ec2","detail-type":"EC2 Instance State-change"})", 1);
  ASSERT_TRUE(event);
  EXPECT_EQ(std::get<SkippedEvent>(*event).event_id, "z");
}

TEST(ParseEvent, OptionalFieldsAndUnknownKeys) {
  auto event = ParseEvent(WithField(R"("redriveCount":2,"error":"E","cause":"C","input":"{}","extra":{"a":1})"), 1);
  ASSERT_TRUE(event) << event.error().message;
  const auto& e = std::get<StatusChangeEvent>(*event);
  EXPECT_EQ(e.redrive_count, 2);
  EXPECT_EQ(e.error, "E");
  EXPECT_EQ(e.cause, "C");
  auto plain = ParseEvent(Envelope(kDetail), 1);
  EXPECT_EQ(std::get<StatusChangeEvent>(*plain).redrive_count, 0);
  EXPECT_FALSE(std::get<StatusChangeEvent>(*plain).error);
}

TEST(ParseEvent, CauseIsCutTo4KiBOnACharacterBoundary) {
  std::string cause;
  while (cause.size() < 5000) cause += "\xc3\xa9";  // "é", two bytes each.
  cause = "x" + cause;                              // Odd offset: 4096 falls inside a character.
  auto event = ParseEvent(WithField(R"("cause":")" + cause + "\""), 1);
  ASSERT_TRUE(event) << event.error().message;
  const std::string& kept = *std::get<StatusChangeEvent>(*event).cause;
  EXPECT_EQ(kept.size(), 4095u);
  EXPECT_EQ(kept, cause.substr(0, 4095));
}

std::string DetailWith(std::string_view arn, std::string_view machine_arn, std::string_view name) {
  return Envelope(R"({"executionArn":")" + std::string(arn) + R"(","stateMachineArn":")" + std::string(machine_arn) +
                  R"(","name":")" + std::string(name) + R"(","status":"RUNNING","startDate":1759140000123})");
}

std::string Repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

// Step Functions' own bounds: a 3.5 KB executionArn once got a nextToken over
// the token limit, which the server then refused.
TEST(ParseEvent, ArnsNamesAndErrorsWithinStepFunctionsBounds) {
  const std::string machine = "arn:aws:states:us-west-2:1:stateMachine:m";
  const std::string prefix = machine + ":";
  const std::string longest_arn = prefix + std::string(kMaxArnBytes - prefix.size(), 'e');
  EXPECT_TRUE(ParseEvent(DetailWith(longest_arn, machine, "e"), 1));
  EXPECT_TRUE(ParseEvent(DetailWith("arn:x:execution:m:e", machine, Repeat("\xc3\xa9", 80)), 1));
  EXPECT_TRUE(ParseEvent(WithField(R"("error":")" + Repeat("\xc3\xa9", 256) + "\""), 1));

  const std::vector<std::pair<std::string, std::string>> cases = {
      {DetailWith(longest_arn + "e", machine, "e"),
       "event 1 (id 'e-1'): detail.executionArn: 2001 bytes, more than "
       "Step Functions allows (2000)"},
      {DetailWith("arn:x:execution:m:e", machine + std::string(3500, 'm'), "e"), "detail.stateMachineArn: 3541 bytes"},
      {DetailWith("arn:x:execution:m:e", machine, std::string(81, 'n')),
       "detail.name: 81 characters, more than Step Functions allows (80)"},
      {WithField(R"("error":")" + std::string(257, 'E') + "\""), "detail.error: 257 characters"},
  };
  for (const auto& [event, message] : cases) {
    auto parsed = ParseEvent(event, 1);
    ASSERT_FALSE(parsed) << message;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidEvent);
    EXPECT_NE(parsed.error().message.find(message), std::string::npos) << parsed.error().message;
  }
}

}  // namespace
}  // namespace exidx
