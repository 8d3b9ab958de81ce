#include "core/json_render.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/json_writer.h"

namespace exidx {
namespace {

namespace json = boost::json;

ExecutionRecord Finished() {
  return ExecutionRecord{
      .execution_arn = "arn:aws:states:us-west-2:1:execution:m:e",
      .agent_name = "sql-agent",
      .state_machine_arn = "arn:aws:states:us-west-2:1:stateMachine:m",
      .execution_name = "e",
      .status = ExecutionStatus::kSucceeded,
      .start_date = 1759140000000,
      .stop_date = 1759140012345,
      .indexed_at = 1759140012400,
  };
}

TEST(RenderListResponse, ContractShape) {
  ExecutionPage page;
  page.executions.push_back(Finished());
  page.next_token = "tok";
  const std::string text = RenderListResponse(page, 2);
  EXPECT_EQ(text,
            R"({"executions":[{"executionArn":"arn:aws:states:us-west-2:1:execution:m:e","name":"e",)"
            R"("agentName":"sql-agent","stateMachineArn":"arn:aws:states:us-west-2:1:stateMachine:m",)"
            R"("status":"SUCCEEDED","startDate":"2025-09-29T10:00:00.000Z","stopDate":"2025-09-29T10:00:12.345Z",)"
            R"("durationSeconds":12.345,"indexedAt":"2025-09-29T10:00:12.400Z"}],"nextToken":"tok",)"
            R"("hasMore":true,"totalCount":1,"metadata":{"fromIndex":true,"fetchTime":2}})");
}

TEST(RenderListResponse, LastPageHasNullTokenAndNoMore) {
  const auto value = json::parse(RenderListResponse(ExecutionPage{}, 0));
  EXPECT_TRUE(value.at("nextToken").is_null());
  EXPECT_FALSE(value.at("hasMore").as_bool());
  EXPECT_EQ(value.at("totalCount").as_int64(), 0);
  EXPECT_TRUE(value.at("executions").as_array().empty());
}

TEST(RenderRecord, OmitsAbsentOptionalFields) {
  ExecutionRecord running = Finished();
  running.status = ExecutionStatus::kRunning;
  running.stop_date.reset();
  const auto value = json::parse(RenderRecord(running)).as_object();
  EXPECT_FALSE(value.contains("stopDate"));
  EXPECT_FALSE(value.contains("durationSeconds"));
  EXPECT_FALSE(value.contains("error"));
  EXPECT_FALSE(value.contains("cause"));
  EXPECT_FALSE(value.contains("redriveCount"));

  ExecutionRecord failed = Finished();
  failed.status = ExecutionStatus::kFailed;
  failed.error = "States.TaskFailed";
  failed.cause = "line1\n\"quoted\"\x01";
  failed.redrive_count = 2;
  const auto f = json::parse(RenderRecord(failed)).as_object();
  EXPECT_EQ(f.at("error").as_string(), "States.TaskFailed");
  EXPECT_EQ(f.at("cause").as_string(), "line1\n\"quoted\"\x01");
  EXPECT_EQ(f.at("redriveCount").as_int64(), 2);
}

// Every record is created or decoded with its times within the timestamp
// range (record_codec, DynamoDB items, events): the widest one renders exactly.
TEST(RenderRecord, RendersTheEndsOfTheTimestampRange) {
  ExecutionRecord record = Finished();
  record.start_date = kMinEpochMillis;
  record.stop_date = kMaxEpochMillis;
  record.indexed_at = kMaxEpochMillis;
  const auto value = json::parse(RenderRecord(record)).as_object();
  EXPECT_EQ(value.at("startDate").as_string(), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(value.at("stopDate").as_string(), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(value.at("indexedAt").as_string(), "9999-12-31T23:59:59.999Z");
  EXPECT_NE(RenderRecord(record).find(R"("durationSeconds":315569519999.999,)"), std::string::npos);
}

TEST(JsonWriter, MillisAsSeconds) {
  auto render = [](std::int64_t millis) {
    JsonWriter w;
    w.MillisAsSeconds(millis);
    return w.Take();
  };
  EXPECT_EQ(render(12345), "12.345");
  EXPECT_EQ(render(12300), "12.3");
  EXPECT_EQ(render(12000), "12");
  EXPECT_EQ(render(5), "0.005");
  EXPECT_EQ(render(0), "0");
  EXPECT_EQ(render(3600050), "3600.05");
}

TEST(RenderErrorBody, ContractShape) {
  EXPECT_EQ(RenderErrorBody(Error{ErrorCode::kInvalidParameter, "startDateFrom: bad 'x'"}),
            R"({"error":{"code":"InvalidParameter","message":"startDateFrom: bad 'x'"}})");
}

}  // namespace
}  // namespace exidx
