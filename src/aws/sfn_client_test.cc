// StepFunctionsClient's reading of answers, against canned HTTP answers: the
// shapes Step Functions sends, and answers no real service sends (out-of-range
// timestamps), which must be errors. The client against moto_server is
// tests/aws/sfn_client_test.cc.
#include "aws/sfn_client.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/scripted_aws.h"

namespace exidx::aws {
namespace {

class SfnAnswersTest : public ::testing::Test {
 protected:
  // Every request is answered with answer_ (HTTP 200).
  SfnAnswersTest()
      : client_(std::make_unique<StepFunctionsClient>(exidx::testing::ScriptedJsonClient(
            AwsService::kStepFunctions, "AWSStepFunctions",
            [this](const HttpRequest&) { return HttpResponse{.status = 200, .body = answer_}; }))) {}

  Result<ListPage<ExecutionSummary>> List(std::string answer) {
    answer_ = std::move(answer);
    return client_->ListExecutions("arn:aws:states:us-east-1:1:stateMachine:m", std::nullopt, std::nullopt);
  }

  Result<ExecutionDescription> Describe(std::string answer) {
    answer_ = std::move(answer);
    return client_->DescribeExecution("arn:aws:states:us-east-1:1:execution:m:e");
  }

  std::string answer_;
  std::unique_ptr<StepFunctionsClient> client_;
};

TEST_F(SfnAnswersTest, ReadsExecutionsWithFractionalAndWholeSeconds) {
  auto page = List(R"({"executions":[)"
                   R"({"executionArn":"arn:e1","stateMachineArn":"arn:m","name":"e1","status":"SUCCEEDED",)"
                   R"("startDate":1759140000.123,"stopDate":1759140012.468,"redriveCount":2},)"
                   R"({"executionArn":"arn:e2","stateMachineArn":"arn:m","name":"e2","status":"RUNNING",)"
                   R"("startDate":1759140001}],"nextToken":"t2"})");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].start_date, 1759140000123);
  EXPECT_EQ(page->items[0].stop_date, 1759140012468);
  EXPECT_EQ(page->items[0].redrive_count, 2);
  EXPECT_EQ(page->items[1].start_date, 1759140001000);
  EXPECT_FALSE(page->items[1].stop_date.has_value());
  EXPECT_FALSE(page->items[1].redrive_count.has_value());
  EXPECT_EQ(page->next_token, "t2");
}

TEST_F(SfnAnswersTest, ReadsTheEndsOfTheTimestampRange) {
  auto page = List(R"({"executions":[{"executionArn":"arn:e","status":"SUCCEEDED",)"
                   R"("startDate":-62167219200,"stopDate":253402300799.999}]})");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].start_date, kMinEpochMillis);
  EXPECT_EQ(page->items[0].stop_date, kMaxEpochMillis);
}

// Timestamps outside years 0000..9999 have no text form (FormatTimestamp), and
// multiplying the largest ones by 1000 overflows: an answer holding one is an
// error that names the field, never a value.
TEST_F(SfnAnswersTest, RejectsTimestampsOutsideTheRange) {
  for (const std::string bad : {"253402300800", "253402300799.9996", "-62167219201", "1e300", "-1e300",
                                "9223372036854775807", "-9223372036854775808", "18446744073709551615"}) {
    for (const std::string field : {"startDate", "stopDate"}) {
      const std::string execution =
          field == "startDate"
              ? R"({"executionArn":"arn:e","status":"RUNNING","startDate":)" + bad + "}"
              : R"({"executionArn":"arn:e","status":"SUCCEEDED","startDate":0,"stopDate":)" + bad + "}";
      auto page = List(R"({"executions":[)" + execution + "]}");
      ASSERT_FALSE(page) << field << " = " << bad;
      EXPECT_EQ(page.error().code, ErrorCode::kInternal);
      EXPECT_NE(page.error().message.find(field), std::string::npos) << page.error().message;

      auto described = Describe(execution);
      ASSERT_FALSE(described) << field << " = " << bad;
      EXPECT_EQ(described.error().code, ErrorCode::kInternal);
      EXPECT_NE(described.error().message.find(field), std::string::npos) << described.error().message;
    }
  }
}

TEST_F(SfnAnswersTest, RejectsAMissingOrMistypedStartDate) {
  for (const std::string execution :
       {R"({"executionArn":"arn:e","status":"RUNNING"})", R"({"executionArn":"arn:e","startDate":"2025-09-29"})"}) {
    auto page = List(R"({"executions":[)" + execution + "]}");
    ASSERT_FALSE(page) << execution;
    EXPECT_EQ(page.error().code, ErrorCode::kInternal);
    EXPECT_NE(page.error().message.find("startDate"), std::string::npos) << page.error().message;
  }
}

TEST_F(SfnAnswersTest, RejectsARedriveCountOutOfRange) {
  for (const std::string bad : {"-1", "18446744073709551615", "1.5"}) {
    auto page = List(R"({"executions":[{"executionArn":"arn:e","startDate":1,"redriveCount":)" + bad + "}]}");
    ASSERT_FALSE(page) << bad;
    EXPECT_EQ(page.error().code, ErrorCode::kInternal);
    EXPECT_NE(page.error().message.find("redriveCount"), std::string::npos) << page.error().message;
  }
}

}  // namespace
}  // namespace exidx::aws
