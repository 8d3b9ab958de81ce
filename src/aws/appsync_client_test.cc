// AppSyncClient against a scripted HttpClient and a fake monotonic clock (no
// network, no real sleeping): what each kind of answer becomes, what is
// retried and what is not, and the request that goes out.
#include "aws/appsync_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/fake_monotonic_clock.h"
#include "support/scripted_aws.h"

namespace exidx::aws {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr std::string_view kUrl = "https://abcdefghij.appsync-api.eu-west-1.amazonaws.com/graphql";
constexpr std::string_view kDocument = "mutation M($input: In!) { m(input: $input) { id } }";
constexpr std::string_view kVariables = R"({"input":{"id":"a"}})";

HttpResponse Answer(int status, std::string body) {
  return HttpResponse{.status = status, .headers = {{"Content-Type", "application/json"}}, .body = std::move(body)};
}

class AppSyncClientTest : public ::testing::Test {
 protected:
  AppSyncClientTest() {
    auto http = std::make_unique<testing::ScriptedHttpClient>();
    http_ = http.get();
    context_ = std::make_shared<AwsContext>(
        env_, std::move(http),
        std::make_unique<StaticCredentialsProvider>(AwsCredentials{
            .access_key_id = "AKIDEXAMPLE", .secret_access_key = "SECRETSECRETSECRET", .session_token = "TOKENTOKEN"}),
        wall_);
    client_ = std::make_unique<AppSyncClient>(context_, std::string(kUrl), "eu-west-1", RetryPolicy{});
  }

  Result<std::string> Execute() {
    return client_->Execute(kDocument, kVariables, Deadline::After(milliseconds(60'000), clock_));
  }

  MapEnvironment env_;
  testing::FixedClock wall_;
  testing::FakeMonotonicClock clock_;
  testing::ScriptedHttpClient* http_ = nullptr;
  std::shared_ptr<AwsContext> context_;
  std::unique_ptr<AppSyncClient> client_;
};

// Inside Lambda the invocation's X-Ray trace (_X_AMZN_TRACE_ID) goes with
// every call to AWS (SendWithRetries, which JsonClient's calls share too),
// unsigned as the SDKs send it; outside Lambda there is none.
TEST_F(AppSyncClientTest, SendsTheInvocationsTraceHeaderUnsigned) {
  http_->Enqueue(Answer(200, R"({"data":{}})"));
  ASSERT_TRUE(Execute());
  EXPECT_FALSE(HeaderValue(http_->requests()[0].headers, "X-Amzn-Trace-Id"));

  const std::string trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  env_.Set("_X_AMZN_TRACE_ID", trace);
  http_->Enqueue(Answer(200, R"({"data":{}})"));
  ASSERT_TRUE(Execute());
  const auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(HeaderValue(requests[1].headers, "X-Amzn-Trace-Id").value_or(""), trace);
  const std::string authorization(HeaderValue(requests[1].headers, "Authorization").value_or(""));
  EXPECT_THAT(authorization, HasSubstr("SignedHeaders="));
  EXPECT_THAT(authorization, ::testing::Not(HasSubstr("x-amzn-trace-id")));
}

TEST_F(AppSyncClientTest, PostsTheDocumentAndVariablesSignedForAppSyncAndReturnsTheData) {
  http_->Enqueue(Answer(200, R"({"data":{"m":{"id":"a"}}})"));
  auto data = Execute();
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(*data, R"({"m":{"id":"a"}})");
  const auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, kUrl);
  EXPECT_EQ(HeaderValue(requests[0].headers, "Content-Type").value_or(""), "application/json");
  EXPECT_THAT(std::string(HeaderValue(requests[0].headers, "Authorization").value_or("")),
              HasSubstr("/eu-west-1/appsync/aws4_request"));
  EXPECT_EQ(HeaderValue(requests[0].headers, "X-Amz-Security-Token").value_or(""), "TOKENTOKEN");
  const boost::json::value body = boost::json::parse(requests[0].body);
  EXPECT_EQ(body.at("query").as_string(), kDocument);
  EXPECT_EQ(boost::json::serialize(body.at("variables")), kVariables);
}

TEST_F(AppSyncClientTest, AnAnswerWithoutDataIsNull) {
  http_->Enqueue(Answer(200, R"({})"));
  auto data = Execute();
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(*data, "null");
}

TEST_F(AppSyncClientTest, AGraphQlErrorIn200IsInternalNamingItAndNotRetried) {
  http_->Enqueue(Answer(
      200, R"({"data":{"m":null},"errors":[{"path":["m"],"errorType":"MappingTemplate","message":"bad input"}]})"));
  auto data = Execute();
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ErrorCode::kInternal);
  EXPECT_THAT(data.error().message, HasSubstr("MappingTemplate: bad input"));
  EXPECT_THAT(data.error().message, HasSubstr("abcdefghij.appsync-api.eu-west-1.amazonaws.com"));
  EXPECT_EQ(http_->requests().size(), 1u);
}

TEST_F(AppSyncClientTest, AnEmptyErrorsArrayIsSuccess) {
  http_->Enqueue(Answer(200, R"({"data":{"m":{"id":"a"}},"errors":[]})"));
  EXPECT_TRUE(Execute());
}

TEST_F(AppSyncClientTest, AnUnparsableAnswerIsInternal) {
  http_->Enqueue(Answer(200, "<html>gateway</html>"));
  auto data = Execute();
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ErrorCode::kInternal);
  EXPECT_THAT(data.error().message, HasSubstr("not a JSON object"));
  EXPECT_EQ(http_->requests().size(), 1u);
}

TEST_F(AppSyncClientTest, AnAuthorisationFailureIsInternalAndNotRetried) {
  http_->Enqueue(Answer(
      401,
      R"({"errors":[{"errorType":"UnauthorizedException","message":"Valid authorization header not provided."}]})"));
  auto data = Execute();
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ErrorCode::kInternal);
  EXPECT_THAT(data.error().message, HasSubstr("HTTP 401: UnauthorizedException: Valid authorization"));
  EXPECT_EQ(data.error().message.find("SECRETSECRETSECRET"), std::string::npos);
  EXPECT_EQ(http_->requests().size(), 1u);
}

TEST_F(AppSyncClientTest, ServerErrorsThrottlingAndCutConnectionsAreRetried) {
  http_->Enqueue(Answer(500, R"({"errors":[{"errorType":"InternalFailure"}]})"));
  http_->Enqueue(Answer(429, R"({"errors":[{"errorType":"TooManyRequestsException"}]})"));
  http_->Enqueue(Fail(ErrorCode::kUnavailable, "POST: connection reset"));
  http_->Enqueue(Answer(200, R"({"data":{"m":{"id":"a"}}})"));
  auto data = Execute();
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(http_->requests().size(), 4u);
  EXPECT_GT(clock_.slept(), milliseconds(0));  // A backoff before each retry.
}

TEST_F(AppSyncClientTest, AThrottlingGraphQlErrorIn200IsRetried) {
  http_->Enqueue(Answer(200, R"({"errors":[{"errorType":"DynamoDB:ProvisionedThroughputExceededException"}]})"));
  http_->Enqueue(Answer(200, R"({"data":{"m":{"id":"a"}}})"));
  EXPECT_TRUE(Execute());
  EXPECT_EQ(http_->requests().size(), 2u);
}

TEST_F(AppSyncClientTest, ServerErrorsThatOutlastTheRetriesAreUnavailable) {
  for (int i = 0; i < 4; ++i) http_->Enqueue(Answer(503, "Service Unavailable"));
  auto data = Execute();
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(data.error().message, HasSubstr("HTTP 503: Service Unavailable (after 4 attempts)"));
  EXPECT_EQ(http_->requests().size(), 4u);
}

TEST_F(AppSyncClientTest, A500ThenAGraphQlErrorIsInternal) {
  http_->Enqueue(Answer(500, "{}"));
  http_->Enqueue(Answer(200, R"({"errors":[{"errorType":"Unauthorized","message":"Not Authorized to access m"}]})"));
  auto data = Execute();
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ErrorCode::kInternal);
  EXPECT_THAT(data.error().message, HasSubstr("Unauthorized: Not Authorized to access m"));
  EXPECT_EQ(http_->requests().size(), 2u);
}

TEST_F(AppSyncClientTest, NoAttemptStartsPastTheDeadline) {
  http_->Enqueue(Answer(200, R"({"data":{}})"));
  auto data = client_->Execute(kDocument, kVariables, Deadline::After(milliseconds(0), clock_));
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(data.error().message, HasSubstr("deadline"));
  EXPECT_TRUE(http_->requests().empty());
}

TEST_F(AppSyncClientTest, CreateTakesTheRegionOfTheEnvironmentAndRefusesANonHttpUrl) {
  env_.Set("AWS_REGION", "eu-west-1");
  auto client = AppSyncClient::Create(context_, std::string(kUrl));
  ASSERT_TRUE(client) << client.error().message;
  EXPECT_EQ((*client)->region(), "eu-west-1");
  auto bad = AppSyncClient::Create(context_, "abcdefghij.appsync-api.eu-west-1.amazonaws.com/graphql");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidParameter);
}

}  // namespace
}  // namespace exidx::aws
