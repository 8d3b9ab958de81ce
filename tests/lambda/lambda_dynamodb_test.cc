// `exidx lambda` on its AWS path: DynamoDbStore and Step Functions tags on
// moto_server, started on a free port by the test. The index handler reads
// real ListTagsForResource answers and writes the table; the list handler
// answers from the table's indexes; a store outage is a Lambda error.
#include <gtest/gtest.h>

#include <sstream>

#include "aws/moto_server.h"
#include "indexer/tag_source.h"
#include "lambda/lambda_test_support.h"
#include "store/dynamodb/dynamodb_store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace exidx::lambda::testing {
namespace {

namespace json = boost::json;
using aws::testing::MotoServer;
using exidx::testing::TempDir;

constexpr std::string_view kDefinition = R"({"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}})";

class LambdaDynamoDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!moto_.ok()) GTEST_SKIP() << "moto_server unavailable: " << moto_.error();
    auto dynamodb = aws::JsonClient::Create(moto_.Context(), aws::AwsService::kDynamoDb, "DynamoDB_20120810");
    ASSERT_TRUE(dynamodb) << dynamodb.error().message;
    ASSERT_TRUE(DynamoDbStore::CreateTable(**dynamodb, "ExecutionIndex-test", TableLayout::kFull));
    auto sfn = aws::JsonClient::Create(moto_.Context(), aws::AwsService::kStepFunctions, "AWSStepFunctions");
    ASSERT_TRUE(sfn) << sfn.error().message;
    CreateStateMachine(**sfn, "sql-agent-prod",
                       {{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}, {"AgentName", "sql-agent"}});
    CreateStateMachine(**sfn, "research-agent-prod", {{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}});
    CreateStateMachine(**sfn, "nightly-batch", {{"Type", "Batch"}});
  }

  static void CreateStateMachine(aws::JsonClient& sfn, const std::string& name, const exidx::Tags& tags) {
    json::array tag_list;
    for (const auto& [key, value] : tags) tag_list.push_back(json::object{{"key", key}, {"value", value}});
    json::object request{{"name", name},
                         {"definition", kDefinition},
                         {"roleArn", "arn:aws:iam::123456789012:role/exidx-test"},
                         {"tags", tag_list}};
    auto body = sfn.Call("CreateStateMachine", json::serialize(request));
    ASSERT_TRUE(body) << body.error().message;
  }

  // The sample events, moved to moto's region.
  static std::vector<std::string> Events() {
    std::vector<std::string> events;
    for (const auto& event : SampleEvents()) events.push_back(Replace(event, "us-west-2", "us-east-1"));
    return events;
  }

  std::unique_ptr<LambdaProcess> Start(FakeRuntimeApi& runtime, const std::string& handler, int invocations,
                                       const std::map<std::string, std::string>& more_env = {}) {
    std::map<std::string, std::optional<std::string>> env = {
        {"AWS_LAMBDA_RUNTIME_API", runtime.address()},
        {"_HANDLER", handler},
        {"EXECUTION_INDEX_TABLE_NAME", "ExecutionIndex-test"},
        {"EXIDX_STORE", std::nullopt},
        {"EXIDX_TAGS_FILE", std::nullopt},
        {"EXIDX_INDEX_ALL", std::nullopt},
        {"AWS_ENDPOINT_URL", moto_.url()},
        {"AWS_REGION", "us-east-1"},
        {"AWS_ACCESS_KEY_ID", "testing"},
        {"AWS_SECRET_ACCESS_KEY", "testing-secret"},
        {"AWS_EC2_METADATA_DISABLED", "true"},
        {"AWS_CONFIG_FILE", "/nonexistent/exidx-test-config"},
        {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/exidx-test-credentials"},
        {"EXIDX_RETENTION_DAYS", std::nullopt},
        {"EXIDX_RETAIN", std::nullopt},
    };
    for (const auto& [name, value] : more_env) env[name] = value;
    return std::make_unique<LambdaProcess>(
        LambdaProcessOptions{.argv = {kExidx, "lambda", "--max-invocations", std::to_string(invocations)},
                             .env = std::move(env),
                             .log_path = dir_.File(handler + ".log")});
  }

  MotoServer moto_;  // Its own, so that a test may stop it.
  TempDir dir_;
};

TEST_F(LambdaDynamoDbTest, IndexesByStepFunctionsTagsAndListsFromTheTable) {
  auto events = Events();
  events.push_back(Replace(events[0], "sql-agent-prod", "nightly-batch"));
  events.push_back(events[0]);  // A late RUNNING after SUCCEEDED.
  {
    FakeRuntimeApi runtime;
    for (const auto& event : events) runtime.Enqueue(event);
    auto lambda = Start(runtime, "index", static_cast<int>(events.size()));
    ASSERT_EQ(lambda->Wait(std::chrono::seconds(60)), 0) << lambda->Log();
    auto results = runtime.WaitForResults(events.size());
    ASSERT_EQ(results.size(), events.size());
    const std::vector<int> indexed = {1, 1, 1, 1, 0, 0, 0};
    const std::vector<int> skipped = {0, 0, 0, 0, 1, 1, 0};
    for (std::size_t i = 0; i < results.size(); ++i) {
      ASSERT_FALSE(results[i].is_error) << i << ": " << results[i].body;
      const auto counts = ParseObject(results[i].body);
      EXPECT_EQ(counts.at("indexed").as_int64(), indexed[i]) << i << ": " << results[i].body;
      EXPECT_EQ(counts.at("skipped").as_int64(), skipped[i]) << i << ": " << results[i].body;
    }
    EXPECT_EQ(ParseObject(results.back().body).at("unchanged").as_int64(), 1);
  }
  FakeRuntimeApi runtime;
  runtime.Enqueue(R"({"typeName":"Query","fieldName":"listExecutionsFromIndex","arguments":{"maxResults":10}})");
  runtime.Enqueue(
      R"({"info":{"fieldName":"listExecutionsFromIndex"},"arguments":{"agentName":"sql-agent","status":"SUCCEEDED"}})");
  auto lambda = Start(runtime, "list", 2);
  ASSERT_EQ(lambda->Wait(std::chrono::seconds(60)), 0) << lambda->Log();
  auto results = runtime.WaitForResults(2);
  ASSERT_EQ(results.size(), 2u);
  ASSERT_FALSE(results[0].is_error) << results[0].body;
  const auto all = ParseObject(results[0].body).at("executions").as_array();
  ASSERT_EQ(all.size(), 2u) << results[0].body;
  EXPECT_EQ(all[0].at("agentName").as_string(), "research-agent-prod");
  EXPECT_EQ(all[0].at("redriveCount").as_int64(), 1);
  EXPECT_EQ(all[1].at("agentName").as_string(), "sql-agent");
  ASSERT_FALSE(results[1].is_error) << results[1].body;
  const auto sql = ParseObject(results[1].body).at("executions").as_array();
  ASSERT_EQ(sql.size(), 1u);
  EXPECT_EQ(sql[0].at("stopDate").as_string(), "2025-09-29T10:00:14.468Z");
}

// The template's RetentionDays and Retain reach the index handler as
// EXIDX_RETENTION_DAYS and EXIDX_RETAIN: every item it writes has its ttl.
TEST_F(LambdaDynamoDbTest, TheIndexHandlerWritesTheTtlOfTheRetentionInItsEnvironment) {
  const auto events = Events();
  {
    FakeRuntimeApi runtime;
    for (const auto& event : events) runtime.Enqueue(event);
    auto lambda = Start(runtime, "index", static_cast<int>(events.size()),
                        {{"EXIDX_RETENTION_DAYS", "30"}, {"EXIDX_RETAIN", "SUCCEEDED=2d"}});
    ASSERT_EQ(lambda->Wait(std::chrono::seconds(60)), 0) << lambda->Log();
    for (const auto& result : runtime.WaitForResults(events.size())) ASSERT_FALSE(result.is_error) << result.body;
  }
  auto client = aws::JsonClient::Create(moto_.Context(), aws::AwsService::kDynamoDb, "DynamoDB_20120810");
  ASSERT_TRUE(client) << client.error().message;
  exidx::testing::FakeClock then;  // 2025-09-29, when the samples ran: nothing expired yet.
  auto store = DynamoDbStore::Open(std::move(*client),
                                   DynamoDbStoreOptions{.table_name = "ExecutionIndex-test", .clock = &then});
  ASSERT_TRUE(store) << store.error().message;
  const std::string sql =
      "arn:aws:states:us-east-1:123456789012:execution:sql-agent-prod:6f1c2a1e-3b7d-4c55-9a0e-1d2f3a4b5c6d";
  auto succeeded = (*store)->Get(sql);
  ASSERT_TRUE(succeeded && *succeeded) << sql;
  ASSERT_TRUE((*succeeded)->stop_date);
  EXPECT_EQ((*succeeded)->ttl, -SecondsOf(-*(*succeeded)->stop_date) + 2 * 86'400);
  auto page = (*store)->Scan(ScanRequest{.filter = ExecutionFilter{.status = ExecutionStatus::kRunning}, .limit = 10});
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->size(), 1u);
  // RUNNING (redriven): 30 days from when it was indexed.
  EXPECT_EQ((*page)[0].ttl, -SecondsOf(-(*page)[0].indexed_at) + 30 * 86'400);
}

// The scheduled reconcile: the first run finds the executions no event
// brought; once one of them stops with its event lost, the next run repairs
// it. Each run logs its counts as CloudWatch embedded metrics.
TEST_F(LambdaDynamoDbTest, TheReconcileHandlerDiscoversAndRepairsOnItsSchedule) {
  auto sfn = aws::JsonClient::Create(moto_.Context(), aws::AwsService::kStepFunctions, "AWSStepFunctions");
  ASSERT_TRUE(sfn) << sfn.error().message;
  std::vector<std::string> arns;
  for (int i = 0; i < 3; ++i) {
    const json::object start{{"stateMachineArn", "arn:aws:states:us-east-1:123456789012:stateMachine:sql-agent-prod"},
                             {"name", "lost-" + std::to_string(i)}};
    auto started = (*sfn)->Call("StartExecution", json::serialize(start));
    ASSERT_TRUE(started) << started.error().message;
    arns.emplace_back(ParseObject(*started).at("executionArn").as_string());
  }
  constexpr std::string_view kScheduled =
      R"({"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events","detail":{}})";
  FakeRuntimeApi runtime;
  runtime.Enqueue(std::string(kScheduled));
  auto lambda = Start(runtime, "reconcile", 2, {{"EXIDX_RECONCILE_OLDER_THAN", "0m"}});
  auto first = runtime.WaitForResults(1, std::chrono::seconds(60));
  ASSERT_EQ(first.size(), 1u) << lambda->Log();
  ASSERT_FALSE(first[0].is_error) << first[0].body;
  EXPECT_EQ(ParseObject(first[0].body).at("discovered").as_int64(), 3) << first[0].body;

  ASSERT_TRUE((*sfn)->Call("StopExecution", json::serialize(json::object{{"executionArn", arns[1]}})));
  runtime.Enqueue(std::string(kScheduled));
  ASSERT_EQ(lambda->Wait(std::chrono::seconds(60)), 0) << lambda->Log();
  auto results = runtime.WaitForResults(2);
  ASSERT_EQ(results.size(), 2u);
  ASSERT_FALSE(results[1].is_error) << results[1].body;
  const auto second = ParseObject(results[1].body);
  EXPECT_EQ(second.at("stale").as_int64(), 3) << results[1].body;
  EXPECT_EQ(second.at("repaired").as_int64(), 1) << results[1].body;
  EXPECT_NE(lambda->Log().find(R"("Namespace":"ExecutionIndex")"), std::string::npos) << lambda->Log();
  EXPECT_NE(lambda->Log().find(R"("ReconcileRepaired":1)"), std::string::npos) << lambda->Log();

  // Every line is one JSON object, as CloudWatch Logs parses them: the
  // metrics in the embedded metric format at the top level (else CloudWatch
  // takes no metric from them), the others with a level and the handler.
  std::size_t metrics = 0;
  std::istringstream lines(lambda->Log());
  for (std::string line; std::getline(lines, line);) {
    boost::system::error_code ec;
    const json::value parsed = json::parse(line, ec);
    ASSERT_TRUE(!ec && parsed.is_object()) << "not a JSON object: " << line;
    if (parsed.as_object().contains("_aws")) {
      ++metrics;
      EXPECT_TRUE(parsed.as_object().contains("ReconcileCalls")) << line;
    } else {
      EXPECT_TRUE(parsed.as_object().contains("level")) << line;
      EXPECT_EQ(parsed.as_object().at("handler").as_string(), "reconcile") << line;
    }
  }
  EXPECT_EQ(metrics, 2u) << lambda->Log();
}

TEST_F(LambdaDynamoDbTest, StoreOutageIsALambdaErrorNotSuccess) {
  const auto events = Events();
  FakeRuntimeApi runtime;
  runtime.Enqueue(events[0]);
  auto lambda = Start(runtime, "index", 2);
  auto first = runtime.WaitForResults(1, std::chrono::seconds(60));
  ASSERT_EQ(first.size(), 1u) << lambda->Log();
  ASSERT_FALSE(first[0].is_error) << first[0].body;

  moto_.Stop();  // DynamoDB (and Step Functions) are gone.
  runtime.Enqueue(events[1]);
  ASSERT_EQ(lambda->Wait(std::chrono::seconds(60)), 0) << lambda->Log();
  auto results = runtime.WaitForResults(2);
  ASSERT_EQ(results.size(), 2u);
  ASSERT_TRUE(results[1].is_error) << results[1].body;
  EXPECT_EQ(ParseObject(results[1].body).at("errorType").as_string(), "Unavailable") << results[1].body;
  EXPECT_EQ(results[1].error_type_header, "Unavailable");
}

TEST_F(LambdaDynamoDbTest, MissingTableIsAnInitError) {
  FakeRuntimeApi runtime;
  LambdaProcess missing({.argv = {kExidx, "lambda", "--handler", "list", "--store", "dynamodb://NoSuchTable"},
                         .env = {{"AWS_LAMBDA_RUNTIME_API", runtime.address()},
                                 {"AWS_ENDPOINT_URL", moto_.url()},
                                 {"AWS_REGION", "us-east-1"},
                                 {"AWS_ACCESS_KEY_ID", "testing"},
                                 {"AWS_SECRET_ACCESS_KEY", "testing-secret"},
                                 {"AWS_EC2_METADATA_DISABLED", "true"}},
                         .log_path = dir_.File("missing.log")});
  EXPECT_EQ(missing.Wait(std::chrono::seconds(60)), 1) << missing.Log();
  auto error = runtime.init_error();
  ASSERT_TRUE(error) << missing.Log();
  EXPECT_NE(error->body.find("NoSuchTable"), std::string::npos) << error->body;
}

}  // namespace
}  // namespace exidx::lambda::testing
