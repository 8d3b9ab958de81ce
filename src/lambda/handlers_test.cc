#include "lambda/handlers.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "lambda/runtime_client.h"
#include "support/fake_clock.h"
#include "support/reference_store.h"
#include "support/wrapping_store.h"

namespace exidx::lambda {
namespace {

namespace json = boost::json;

constexpr std::string_view kRunning =
    R"({"version":"0","id":"e1","detail-type":"Step Functions Execution Status Change",
  "source":"aws.states","account":"1","time":"2025-09-29T10:00:00Z","region":"us-west-2","resources":[],
  "detail":{"executionArn":"arn:aws:states:us-west-2:1:execution:sm:x","stateMachineArn":"arn:aws:states:us-west-2:1:stateMachine:sm",
  "name":"x","status":"RUNNING","startDate":1759140000123,"stopDate":null}})";

TEST(ListArgumentsFromPayloadTest, AppSyncEventWithNumbersAndNulls) {
  auto args = ListArgumentsFromPayload(R"({"typeName":"Query","fieldName":"listExecutionsFromIndex",
      "arguments":{"agentName":"sql-agent","status":"FAILED","maxResults":20,"nextToken":null,
                   "startDateFrom":"2025-09-01","startDateTo":"2025-09-30T23:59:59Z","order":"asc"},
      "identity":{"sub":"abc","username":"u"},"source":null,"request":{"headers":{}},"prev":null})");
  ASSERT_TRUE(args) << args.error().message;
  EXPECT_EQ(args->agent_name, "sql-agent");
  EXPECT_EQ(args->status, "FAILED");
  EXPECT_EQ(args->max_results, "20");
  EXPECT_EQ(args->next_token, std::nullopt);
  EXPECT_EQ(args->start_date_from, "2025-09-01");
  EXPECT_EQ(args->start_date_to, "2025-09-30T23:59:59Z");
  EXPECT_EQ(args->order, "asc");
}

TEST(ListArgumentsFromPayloadTest, FieldNameFromInfoAndIntegralDouble) {
  auto args = ListArgumentsFromPayload(
      R"({"arguments":{"maxResults":25.0},"info":{"fieldName":"listExecutionsFromIndex","parentTypeName":"Query"}})");
  ASSERT_TRUE(args) << args.error().message;
  EXPECT_EQ(args->max_results, "25");
  auto fraction = ListArgumentsFromPayload(R"({"maxResults":2.5})");
  ASSERT_TRUE(fraction);
  EXPECT_EQ(fraction->max_results, "2.5");  // Left for validation to reject.
}

TEST(ListArgumentsFromPayloadTest, BareArgumentsObject) {
  auto args = ListArgumentsFromPayload(R"({"agentName":"a","maxResults":"5"})");
  ASSERT_TRUE(args) << args.error().message;
  EXPECT_EQ(args->agent_name, "a");
  EXPECT_EQ(args->max_results, "5");
  auto empty = ListArgumentsFromPayload("{}");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->agent_name);
}

TEST(ListArgumentsFromPayloadTest, RejectsWhatItCannotRead) {
  struct Case {
    std::string_view payload, names;
  };
  for (const Case& c :
       {Case{"[1]", "not a JSON object"}, Case{"nope", "not a JSON object"},
        Case{R"({"fieldName":"listAgents","arguments":{}})", "fieldName"},
        Case{R"({"arguments":{"limit":5}})", "'limit'"}, Case{R"({"arguments":{"agentName":["a"]}})", "agentName"},
        Case{R"({"arguments":"x"})", "arguments"}}) {
    auto args = ListArgumentsFromPayload(c.payload);
    ASSERT_FALSE(args) << c.payload;
    EXPECT_EQ(args.error().code, ErrorCode::kInvalidParameter);
    EXPECT_NE(args.error().message.find(c.names), std::string::npos) << args.error().message;
  }
}

class HandlersTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  testing::ReferenceStore store_;
  testing::WrappingStore faults_{store_};  // What the indexer writes to.
  AgentResolver agents_{nullptr, AgentRule{.index_all = true}, clock_};
  Indexer indexer_{faults_, agents_, clock_};
};

TEST_F(HandlersTest, IndexCountsAndErrorCodes) {
  IndexHandler handler(indexer_);
  auto first = handler.Handle(kRunning, Deadline::Never());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(json::parse(*first), json::parse(R"({"received":1,"indexed":1,"unchanged":0,"skipped":0})"));
  auto again = handler.Handle(kRunning, Deadline::Never());
  ASSERT_TRUE(again);
  EXPECT_EQ(json::parse(*again).at("unchanged").as_int64(), 1);

  auto invalid = handler.Handle(R"({"source":"aws.states"})", Deadline::Never());
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kInvalidEvent);

  faults_.FailEvery(testing::WrappingStore::Method::kApply, ErrorCode::kUnavailable, "store down");
  auto down = handler.Handle(kRunning, Deadline::Never());
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
}

TEST_F(HandlersTest, ListAnswersThePageAndRejectsBadArguments) {
  ASSERT_TRUE(IndexHandler(indexer_).Handle(kRunning, Deadline::Never()));
  ListHandler handler(store_, PageTokenCodec(std::string(32, 's')));
  auto page =
      handler.Handle(R"({"fieldName":"listExecutionsFromIndex","arguments":{"agentName":"sm"}})", Deadline::Never());
  ASSERT_TRUE(page) << page.error().message;
  auto response = json::parse(*page).as_object();
  ASSERT_EQ(response.at("executions").as_array().size(), 1u);
  EXPECT_EQ(response.at("executions").at(0).at("status").as_string(), "RUNNING");
  EXPECT_TRUE(response.at("nextToken").is_null());

  auto bad_limit = handler.Handle(R"({"arguments":{"maxResults":0}})", Deadline::Never());
  ASSERT_FALSE(bad_limit);
  EXPECT_EQ(bad_limit.error().code, ErrorCode::kInvalidParameter);
  auto bad_token = handler.Handle(R"({"arguments":{"nextToken":"forged"}})", Deadline::Never());
  ASSERT_FALSE(bad_token);
  EXPECT_EQ(bad_token.error().code, ErrorCode::kInvalidToken);
}

TEST(RenderLambdaErrorTest, HasTheRuntimeApiShape) {
  auto body = json::parse(RenderLambdaError({ErrorCode::kInvalidToken, "nextToken: tampered"}));
  EXPECT_EQ(body, json::parse(R"({"errorMessage":"nextToken: tampered","errorType":"InvalidToken","stackTrace":[]})"));
}

}  // namespace
}  // namespace exidx::lambda
