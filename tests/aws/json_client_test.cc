// JsonClient against a loopback fake: the request it sends, how it reads
// error answers, and which errors it retries.
#include "aws/json_client.h"

#include <gtest/gtest.h>

#include <atomic>

#include "aws/curl_http_client.h"
#include "aws/loopback_http_server.h"

namespace exidx::aws {
namespace {

using testing::CannedResponse;
using testing::LoopbackHttpServer;
using testing::RecordedRequest;

class FixedClock final : public Clock {
 public:
  EpochMillis NowMillis() const override { return 1'759'000'000'000; }
};

struct Fixture {
  explicit Fixture(LoopbackHttpServer::Handler handler) : server(std::move(handler)) {
    auto context = std::make_shared<AwsContext>(
        env, std::make_unique<CurlHttpClient>(),
        std::make_unique<StaticCredentialsProvider>(AwsCredentials{.access_key_id = "AKIDEXAMPLE",
                                                                   .secret_access_key = "SECRETSECRETSECRET",
                                                                   .session_token = "TOKENTOKENTOKEN"}),
        clock);
    client =
        std::make_unique<JsonClient>(context, AwsService::kDynamoDb, "DynamoDB_20120810", "us-east-1", server.url(),
                                     JsonClientOptions{.timeout = std::chrono::seconds(5),
                                                       .max_attempts = 4,
                                                       .retry_base = std::chrono::milliseconds(1),
                                                       .retry_cap = std::chrono::milliseconds(5)});
  }
  MapEnvironment env;
  FixedClock clock;
  LoopbackHttpServer server;
  std::unique_ptr<JsonClient> client;
};

CannedResponse ErrorAnswer(int status, std::string type, std::string message_key = "message") {
  return CannedResponse{
      .status = status,
      .headers = {{"Content-Type", "application/x-amz-json-1.0"}},
      .body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#" + type + "\",\"" + message_key + "\":\"it said no\"}"};
}

TEST(JsonClientTest, SendsASignedJson10Post) {
  Fixture f([](const RecordedRequest&) { return CannedResponse{.status = 200, .body = "{\"TableNames\":[]}"}; });
  auto body = f.client->Call("ListTables", "{}");
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(*body, "{\"TableNames\":[]}");
  const auto requests = f.server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/");
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(HeaderValue(r.headers, "X-Amz-Target").value_or(""), "DynamoDB_20120810.ListTables");
  EXPECT_EQ(HeaderValue(r.headers, "Content-Type").value_or(""), "application/x-amz-json-1.0");
  EXPECT_EQ(HeaderValue(r.headers, "X-Amz-Security-Token").value_or(""), "TOKENTOKENTOKEN");
  const std::string authorization(HeaderValue(r.headers, "Authorization").value_or(""));
  EXPECT_TRUE(
      authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250927/us-east-1/dynamodb/aws4_request"))
      << authorization;
  EXPECT_EQ(f.client->Stats().requests, 1u);
}

TEST(JsonClientTest, RetriesThrottlingAndServerErrorsThenSucceeds) {
  std::atomic<int> n{0};
  Fixture f([&n](const RecordedRequest&) {
    switch (n++) {
      case 0: return ErrorAnswer(400, "ProvisionedThroughputExceededException");
      case 1: return ErrorAnswer(500, "InternalServerError");
      default: return CannedResponse{.status = 200, .body = "{}"};
    }
  });
  auto body = f.client->Call("GetItem", "{}");
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(f.client->Stats().requests, 3u);
  EXPECT_EQ(f.client->Stats().retries, 2u);
  // Each attempt is signed anew (same fixed clock here, so the same signature).
  EXPECT_EQ(f.server.requests().size(), 3u);
}

TEST(JsonClientTest, ThrottlingThatOutlastsTheRetriesIsUnavailable) {
  Fixture f([](const RecordedRequest&) { return ErrorAnswer(400, "ThrottlingException", "Message"); });
  ServiceError service_error;
  auto body = f.client->Call("Query", "{}", &service_error);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(service_error.type, "ThrottlingException");
  EXPECT_EQ(service_error.message, "it said no");
  EXPECT_EQ(f.server.requests().size(), 4u);
  EXPECT_NE(body.error().message.find("dynamodb Query: ThrottlingException"), std::string::npos)
      << body.error().message;
}

TEST(JsonClientTest, NeverRetriesValidationOrFailedConditions) {
  for (const char* type : {"ValidationException", "ConditionalCheckFailedException", "ResourceNotFoundException"}) {
    Fixture f([type](const RecordedRequest&) { return ErrorAnswer(400, type); });
    ServiceError service_error;
    auto body = f.client->Call("PutItem", "{}", &service_error);
    ASSERT_FALSE(body);
    EXPECT_EQ(body.error().code, ErrorCode::kInternal) << type;
    EXPECT_EQ(service_error.type, type);
    EXPECT_EQ(service_error.http_status, 400);
    EXPECT_EQ(f.server.requests().size(), 1u) << type;
  }
}

TEST(JsonClientTest, NetworkErrorsAreRetriedThenUnavailableAndNameNoSecret) {
  std::string url;
  {
    LoopbackHttpServer gone([](const RecordedRequest&) { return CannedResponse{}; });
    url = gone.url();
  }  // Closed: connections are refused now.
  MapEnvironment env;
  FixedClock clock;
  auto context =
      std::make_shared<AwsContext>(env, std::make_unique<CurlHttpClient>(),
                                   std::make_unique<StaticCredentialsProvider>(AwsCredentials{
                                       .access_key_id = "AKIDEXAMPLE", .secret_access_key = "SECRETSECRETSECRET"}),
                                   clock);
  JsonClient client(context, AwsService::kStepFunctions, "AWSStepFunctions", "us-east-1", url,
                    JsonClientOptions{.max_attempts = 3, .retry_base = std::chrono::milliseconds(1)});
  auto body = client.Call("ListTagsForResource", "{}");
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(client.Stats().requests, 3u);
  EXPECT_EQ(body.error().message.find("SECRETSECRETSECRET"), std::string::npos);
  EXPECT_NE(body.error().message.find("states ListTagsForResource"), std::string::npos) << body.error().message;
}

TEST(JsonClientTest, ThrottlingNames) {
  EXPECT_TRUE(IsThrottlingError("ThrottlingException"));
  EXPECT_TRUE(IsThrottlingError("RequestLimitExceeded"));
  EXPECT_TRUE(IsThrottlingError("TooManyRequestsException"));
  EXPECT_TRUE(IsThrottlingError("LimitExceededException"));  // DynamoDB Streams.
  EXPECT_FALSE(IsThrottlingError("ValidationException"));
  EXPECT_FALSE(IsThrottlingError("ConditionalCheckFailedException"));
}

}  // namespace
}  // namespace exidx::aws
