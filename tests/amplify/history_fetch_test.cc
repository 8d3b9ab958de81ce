// The History page's list logic (deploy/amplify/fetchExecutions.js) against the
// real list handler: node runs history_fetch.test.mjs, whose client.graphql
// posts each query to a loopback GraphQL endpoint here. The endpoint hands it,
// as AppSync hands a resolver's event, to `exidx lambda --handler list` through
// the fake Lambda Runtime API, and maps the function's answer as AppSync does:
// `data.listExecutionsFromIndex` an AWSJSON string, or `errors` with the
// function's errorType and message. The table is on a moto_server started here.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <map>

#include "aws/loopback_http_server.h"
#include "aws/moto_server.h"
#include "lambda/lambda_test_support.h"
#include "store/dynamodb/dynamodb_store.h"
#include "support/temp_dir.h"

namespace exidx::lambda::testing {
namespace {

namespace json = boost::json;
using aws::testing::CannedResponse;
using aws::testing::LoopbackHttpServer;
using aws::testing::MotoServer;
using aws::testing::RecordedRequest;
using exidx::testing::RunProcess;
using exidx::testing::TempDir;

constexpr std::string_view kTable = "HistoryFetchTable";
const std::string kScript = EXIDX_SOURCE_DIR "/tests/amplify/history_fetch.test.mjs";

CannedResponse GraphqlAnswer(const json::value& body) {
  return {.status = 200, .headers = {{"Content-Type", "application/json"}}, .body = json::serialize(body)};
}

json::object GraphqlError(const std::string& error_type, const std::string& message) {
  return json::object{{"path", json::array{"listExecutionsFromIndex"}},
                      {"data", nullptr},
                      {"errorType", error_type},
                      {"errorInfo", nullptr},
                      {"locations", json::array{json::object{{"line", 2}, {"column", 3}}}},
                      {"message", message}};
}

// The AppSync side: one query at a time (LoopbackHttpServer calls its handler
// so), each one invocation of the list function.
class GraphqlEndpoint {
 public:
  explicit GraphqlEndpoint(FakeRuntimeApi& runtime)
      : runtime_(runtime), server_([this](const RecordedRequest& request) { return Handle(request); }) {}

  std::string url() const { return server_.url() + "/graphql"; }

 private:
  CannedResponse Handle(const RecordedRequest& request) {
    boost::system::error_code ec;
    const json::value body = json::parse(request.body, ec);
    const json::object* object = !ec ? body.if_object() : nullptr;
    const json::value* query = object ? object->if_contains("query") : nullptr;
    if (request.method != "POST" || query == nullptr || !query->is_string() ||
        std::string_view(query->get_string()).find("listExecutionsFromIndex(") == std::string_view::npos) {
      return {.status = 400, .body = R"({"errors":[{"errorType":"MalformedHttpRequestException"}]})"};
    }
    const json::value* variables = object->if_contains("variables");
    const json::object event{{"typeName", "Query"},
                             {"fieldName", "listExecutionsFromIndex"},
                             {"arguments", variables != nullptr ? *variables : json::object{}},
                             {"identity", nullptr},
                             {"source", nullptr}};
    const std::string id = runtime_.Enqueue(json::serialize(event));
    ++invocations_;
    for (const PostedResult& result : runtime_.WaitForResults(invocations_, std::chrono::seconds(90))) {
      if (result.request_id != id) continue;
      if (!result.is_error) return GraphqlAnswer(json::object{{"data", {{"listExecutionsFromIndex", result.body}}}});
      const json::object error = ParseObject(result.body);
      const auto text = [&](std::string_view key) {
        const json::value* value = error.if_contains(key);
        return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
      };
      return GraphqlAnswer(
          json::object{{"data", {{"listExecutionsFromIndex", nullptr}}},
                       {"errors", json::array{GraphqlError(text("errorType"), text("errorMessage"))}}});
    }
    // AppSync's answer when the function does not answer in time.
    return GraphqlAnswer(json::object{{"data", {{"listExecutionsFromIndex", nullptr}}},
                                      {"errors", json::array{GraphqlError("Lambda:Unhandled", "timed out")}}});
  }

  FakeRuntimeApi& runtime_;
  std::size_t invocations_ = 0;  // Touched by the handler only, one call at a time.
  LoopbackHttpServer server_;
};

class AmplifyHistoryFetch : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!moto_.ok()) GTEST_SKIP() << "moto_server unavailable: " << moto_.error();
    // Every process this test starts (exidx, node, and the exidx node starts) talks to moto.
    for (const auto& [name, value] :
         std::map<std::string, std::string>{{"AWS_ENDPOINT_URL", moto_.url()},
                                            {"AWS_REGION", "us-east-1"},
                                            {"AWS_ACCESS_KEY_ID", "testing"},
                                            {"AWS_SECRET_ACCESS_KEY", "testing-secret"},
                                            {"AWS_EC2_METADATA_DISABLED", "true"},
                                            {"AWS_CONFIG_FILE", "/nonexistent/exidx-test-config"},
                                            {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/exidx-test-credentials"},
                                            {"EXIDX_BINARY", kExidx},
                                            {"EXIDX_HISTORY_TABLE", std::string(kTable)}}) {
      ::setenv(name.c_str(), value.c_str(), 1);
    }
    for (const char* name : {"EXIDX_STORE", "EXIDX_TAGS_FILE", "EXIDX_INDEX_ALL", "EXIDX_RETENTION_DAYS",
                             "EXIDX_RETAIN", "EXIDX_TOKEN_SECRET"}) {
      ::unsetenv(name);
    }
    auto dynamodb = aws::JsonClient::Create(moto_.Context(), aws::AwsService::kDynamoDb, "DynamoDB_20120810");
    ASSERT_TRUE(dynamodb) << dynamodb.error().message;
    ASSERT_TRUE(DynamoDbStore::CreateTable(**dynamodb, std::string(kTable), TableLayout::kFull));
    const std::string events = dir_.File("events.ndjson");
    const std::string tags = dir_.File("tags.json");
    auto simulated = RunProcess({kExidx, "simulate", "--executions", "45", "--seed", "7", "--agents", "3", "--output",
                                 events, "--tags-out", tags});
    ASSERT_EQ(simulated.exit_status, 0) << simulated.err;
    auto ingested =
        RunProcess({kExidx, "ingest", events, "--tags-file", tags, "--store", "dynamodb://" + std::string(kTable)});
    ASSERT_EQ(ingested.exit_status, 0) << ingested.err;
  }

  exidx::testing::ProcessResult Node(const std::string& url, const std::string& phase) {
    ::setenv("EXIDX_GRAPHQL_URL", url.c_str(), 1);
    ::setenv("EXIDX_HISTORY_PHASE", phase.c_str(), 1);
    return RunProcess({"/usr/bin/env", "node", "--test", "--test-reporter=spec", kScript});
  }

  MotoServer moto_;  // Its own: the outage stops it.
  TempDir dir_;
};

TEST_F(AmplifyHistoryFetch, PagesErrorsAndOutagesThroughTheRealListHandler) {
  FakeRuntimeApi runtime;
  GraphqlEndpoint endpoint(runtime);
  LambdaProcess lambda({.argv = {kExidx, "lambda", "--handler", "list", "--store", "dynamodb://" + std::string(kTable)},
                        .env = {{"AWS_LAMBDA_RUNTIME_API", runtime.address()}},
                        .log_path = dir_.File("list.log")});

  // node --test passes when a file defines no test: count them.
  const auto up = Node(endpoint.url(), "up");
  EXPECT_EQ(up.exit_status, 0) << up.out << up.err << "\nlist handler:\n" << lambda.Log();
  EXPECT_NE(up.out.find("pass 11\n"), std::string::npos) << up.out;

  moto_.Stop();  // The table is gone: the handler answers Unavailable.
  const auto outage = Node(endpoint.url(), "outage");
  EXPECT_EQ(outage.exit_status, 0) << outage.out << outage.err << "\nlist handler:\n" << lambda.Log();
  EXPECT_NE(outage.out.find("pass 1\n"), std::string::npos) << outage.out;
  EXPECT_NE(lambda.Log().find("failed: Unavailable"), std::string::npos) << lambda.Log();
}

}  // namespace
}  // namespace exidx::lambda::testing
