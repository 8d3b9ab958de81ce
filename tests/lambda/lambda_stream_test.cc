// `exidx lambda` with _HANDLER=stream, end to end: the real binary against the
// fake Runtime API, fed DynamoDB Streams events built from real items
// (dynamodb::EncodeItem), publishing to a fake AppSync endpoint
// (fake_appsync.py) that checks each request's SigV4 signature with
// botocore, independently of exidx's signer, and records the GraphQL
// document and variables it was sent.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "lambda/lambda_test_support.h"
#include "store/dynamodb/item_codec.h"
#include "support/record_builder.h"
#include "support/stream_event_builder.h"
#include "support/temp_dir.h"

namespace exidx::lambda::testing {
namespace {

namespace json = boost::json;
using exidx::testing::Exec;
using exidx::testing::RunProcess;
using exidx::testing::StreamEvent;
using exidx::testing::StreamRecord;
using exidx::testing::TempDir;
using exidx::testing::WriteFile;

const std::string kFakeAppSync = EXIDX_SOURCE_DIR "/tests/lambda/fake_appsync.py";
constexpr std::string_view kAccessKey = "AKIDSTREAMTEST";
constexpr std::string_view kSecretKey = "stream-test-secret";
constexpr std::string_view kSessionToken = "stream-test-session-token";

// fake_appsync.py as a child process on a free loopback port.
class FakeAppSync {
 public:
  // `script`: the JSON object of planned failures per executionArn.
  FakeAppSync(const TempDir& dir, const std::string& script) : dir_(dir) {
    WriteFile(dir_.File("appsync-script.json"), script);
    process_ = std::make_unique<LambdaProcess>(
        LambdaProcessOptions{.argv = {"/usr/bin/env", "python3", kFakeAppSync, "--port-file", dir_.File("appsync.port"),
                                      "--log", dir_.File("appsync.jsonl"), "--script", dir_.File("appsync-script.json"),
                                      "--access-key", std::string(kAccessKey), "--secret-key", std::string(kSecretKey),
                                      "--session-token", std::string(kSessionToken), "--region", "us-east-1"},
                             .log_path = dir_.File("appsync.log")});
    for (int i = 0; i < 400 && !std::filesystem::exists(dir_.File("appsync.port")); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (std::filesystem::exists(dir_.File("appsync.port"))) {
      port_ = exidx::testing::ReadFile(dir_.File("appsync.port"));
    }
  }

  bool ok() const { return !port_.empty(); }
  std::string Log() const { return process_->Log(); }
  std::string url() const { return "http://127.0.0.1:" + port_ + "/graphql"; }

  // What the fake made of each request, in order.
  std::vector<json::object> Requests() const {
    std::vector<json::object> lines;
    const std::string text = exidx::testing::ReadFile(dir_.File("appsync.jsonl"));
    for (std::size_t start = 0, end; start < text.size(); start = end + 1) {
      end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) lines.push_back(ParseObject(text.substr(start, end - start)));
    }
    return lines;
  }

 private:
  const TempDir& dir_;
  std::unique_ptr<LambdaProcess> process_;
  std::string port_;
};

const ExecutionRecord kRunning = Exec("arn:aws:states:us-east-1:123456789012:execution:sql-agent-prod:run-1",
                                      "sql-agent", ExecutionStatus::kRunning, 1'759'140'000'123);
const ExecutionRecord kSucceeded = Exec("arn:aws:states:us-east-1:123456789012:execution:sql-agent-prod:run-1",
                                        "sql-agent", ExecutionStatus::kSucceeded, 1'759'140'000'123, 1'759'140'012'468);
const ExecutionRecord kFailed =
    Exec("arn:aws:states:us-east-1:123456789012:execution:research-agent-prod:run-2", "research-agent-prod",
         ExecutionStatus::kFailed, 1'759'140'001'000, 1'759'140'031'500, 1);
const ExecutionRecord kOther = Exec("arn:aws:states:us-east-1:123456789012:execution:sql-agent-prod:run-3", "sql-agent",
                                    ExecutionStatus::kRunning, 1'759'140'002'000);

class LambdaStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RunProcess({"/usr/bin/env", "python3", "-c", "import botocore"}).exit_status != 0) {
      GTEST_SKIP() << "python3 with botocore is not installed";
    }
  }

  std::unique_ptr<FakeAppSync> StartAppSync(const std::string& script = "{}") {
    auto appsync = std::make_unique<FakeAppSync>(dir_, script);
    EXPECT_TRUE(appsync->ok()) << appsync->Log();
    return appsync;
  }

  std::unique_ptr<LambdaProcess> Start(int invocations, std::map<std::string, std::optional<std::string>> env) {
    std::map<std::string, std::optional<std::string>> base = {
        {"AWS_LAMBDA_RUNTIME_API", runtime_.address()},
        {"_HANDLER", "stream"},
        {"EXECUTION_INDEX_TABLE_NAME", std::nullopt},
        {"EXIDX_STORE", std::nullopt},
        {"AWS_ENDPOINT_URL", std::nullopt},
        {"AWS_REGION", "us-east-1"},
        {"AWS_DEFAULT_REGION", std::nullopt},
        {"AWS_ACCESS_KEY_ID", std::string(kAccessKey)},
        {"AWS_SECRET_ACCESS_KEY", std::string(kSecretKey)},
        {"AWS_SESSION_TOKEN", std::string(kSessionToken)},
        {"AWS_EC2_METADATA_DISABLED", "true"},
        {"AWS_CONFIG_FILE", "/nonexistent/exidx-test-config"},
        {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/exidx-test-credentials"},
        {"http_proxy", std::nullopt},
        {"HTTP_PROXY", std::nullopt},
        {"ALL_PROXY", std::nullopt},
    };
    for (auto& [name, value] : env) base[name] = std::move(value);
    return std::make_unique<LambdaProcess>(
        LambdaProcessOptions{.argv = {kExidx, "lambda", "--max-invocations", std::to_string(invocations)},
                             .env = std::move(base),
                             .log_path = dir_.File("lambda.log")});
  }

  static std::string Failures(const PostedResult& result) {
    return json::serialize(ParseObject(result.body)["batchItemFailures"]);
  }

  TempDir dir_;
  FakeRuntimeApi runtime_;
};

TEST_F(LambdaStreamTest, PublishesEachChangedRecordOnceInStreamOrderSignedForAppSync) {
  auto appsync = StartAppSync();
  ASSERT_TRUE(appsync->ok());
  auto migrated = dynamodb::EncodeItem(kSucceeded);
  migrated["allShard"] = dynamodb::S("all#7");  // A rewrite of the same version.
  const json::object secret{{"executionArn", dynamodb::S("#exidx#page-token-secret")},
                            {"secret", dynamodb::S("c2VjcmV0")}};
  const json::object checkpoint{{"executionArn", dynamodb::S("#exidx#checkpoint#backfill")},
                                {"checkpoint", dynamodb::S("{}")}};
  runtime_.Enqueue(StreamEvent({
      StreamRecord("INSERT", "1000", dynamodb::EncodeItem(kRunning)),
      StreamRecord("INSERT", "1001", secret),
      StreamRecord("MODIFY", "1002", dynamodb::EncodeItem(kSucceeded), dynamodb::EncodeItem(kRunning)),
      StreamRecord("MODIFY", "1003", checkpoint, checkpoint),
      StreamRecord("MODIFY", "1004", migrated, dynamodb::EncodeItem(kSucceeded)),
      StreamRecord("INSERT", "1005", dynamodb::EncodeItem(kFailed)),
      StreamRecord("REMOVE", "1006", std::nullopt, dynamodb::EncodeItem(kOther)),
  }));
  auto lambda = Start(1, {{"EXIDX_APPSYNC_URL", appsync->url()}});
  ASSERT_EQ(lambda->Wait(std::chrono::seconds(60)), 0) << lambda->Log();
  auto results = runtime_.WaitForResults(1);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0].is_error) << results[0].body;
  EXPECT_EQ(Failures(results[0]), "[]") << results[0].body;

  const auto requests = appsync->Requests();
  ASSERT_EQ(requests.size(), 3u) << appsync->Log() << lambda->Log();
  const std::vector<const ExecutionRecord*> expected = {&kRunning, &kSucceeded, &kFailed};
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& request = requests[i];
    ASSERT_EQ(request.at("verdict").as_string(), "published") << json::serialize(request);
    const std::string query(request.at("query").as_string());
    EXPECT_NE(query.find("mutation PublishExecutionChange($input: ExecutionChangeInput!)"), std::string::npos) << query;
    EXPECT_NE(query.find("publishExecutionChange(input: $input)"), std::string::npos) << query;
    const auto& input = request.at("variables").at("input").as_object();
    const ExecutionRecord& record = *expected[i];
    EXPECT_EQ(input.at("executionArn").as_string(), record.execution_arn);
    EXPECT_EQ(input.at("agentName").as_string(), record.agent_name);
    EXPECT_EQ(input.at("stateMachineArn").as_string(), record.state_machine_arn);
    EXPECT_EQ(input.at("executionName").as_string(), record.execution_name);
    EXPECT_EQ(input.at("status").as_string(), StatusName(record.status));
    EXPECT_EQ(input.at("indexedAt").as_string(), FormatTimestamp(record.indexed_at));
  }
  const auto& running = requests[0].at("variables").at("input").as_object();
  EXPECT_EQ(running.at("startDate").as_string(), "2025-09-29T10:00:00.123Z");
  EXPECT_FALSE(running.contains("stopDate"));
  EXPECT_FALSE(running.contains("durationSeconds"));
  const auto& succeeded = requests[1].at("variables").at("input").as_object();
  EXPECT_EQ(succeeded.at("stopDate").as_string(), "2025-09-29T10:00:12.468Z");
  EXPECT_DOUBLE_EQ(succeeded.at("durationSeconds").to_number<double>(), 12.345);
  const auto& failed = requests[2].at("variables").at("input").as_object();
  EXPECT_EQ(failed.at("error").as_string(), "States.TaskFailed");
  EXPECT_EQ(failed.at("cause").as_string(), "boom");
  EXPECT_EQ(failed.at("redriveCount").as_int64(), 1);
  EXPECT_FALSE(failed.contains("ttl"));
}

TEST_F(LambdaStreamTest, AFailedPublishIsReportedAsTheBatchsFirstFailureAndTheRetryPublishesTheRest) {
  // The FAILED execution's publish gets a 500, then (the client's retry) a GraphQL error.
  auto appsync = StartAppSync("{\"" + kFailed.execution_arn + "\": [500, \"errors\"]}");
  ASSERT_TRUE(appsync->ok());
  runtime_.Enqueue(StreamEvent({
      StreamRecord("INSERT", "2000", dynamodb::EncodeItem(kRunning)),
      StreamRecord("INSERT", "2001", dynamodb::EncodeItem(kFailed)),
      StreamRecord("INSERT", "2002", dynamodb::EncodeItem(kOther)),
  }));
  // Lambda's retry of the batch from the failed record on.
  runtime_.Enqueue(StreamEvent({
      StreamRecord("INSERT", "2001", dynamodb::EncodeItem(kFailed)),
      StreamRecord("INSERT", "2002", dynamodb::EncodeItem(kOther)),
  }));
  auto lambda = Start(2, {{"EXIDX_APPSYNC_URL", appsync->url()}});
  ASSERT_EQ(lambda->Wait(std::chrono::seconds(60)), 0) << lambda->Log();
  auto results = runtime_.WaitForResults(2);
  ASSERT_EQ(results.size(), 2u);
  ASSERT_FALSE(results[0].is_error) << results[0].body;
  EXPECT_EQ(Failures(results[0]), R"([{"itemIdentifier":"2001"}])") << results[0].body;
  ASSERT_FALSE(results[1].is_error) << results[1].body;
  EXPECT_EQ(Failures(results[1]), "[]") << results[1].body;

  const auto requests = appsync->Requests();
  std::vector<std::string> seen;
  for (const auto& request : requests) {
    seen.push_back(std::string(request.at("verdict").as_string()) + " " +
                   std::string(request.at("variables").at("input").at("executionName").as_string()));
  }
  const std::vector<std::string> expected = {"published run-1", "answered-500 run-2", "answered-errors run-2",
                                             "published run-2", "published run-3"};
  EXPECT_EQ(seen, expected) << appsync->Log();
  const std::string log = lambda->Log();
  EXPECT_NE(log.find("record 2001"), std::string::npos) << log;
  EXPECT_NE(log.find("Not Authorized to access publishExecutionChange"), std::string::npos) << log;
}

TEST_F(LambdaStreamTest, TheFakeRejectsAWrongSignatureAndThatIsAFailureNeverASuccess) {
  auto appsync = StartAppSync();
  ASSERT_TRUE(appsync->ok());
  runtime_.Enqueue(StreamEvent({
      StreamRecord("REMOVE", "3000", std::nullopt, dynamodb::EncodeItem(kOther)),
      StreamRecord("INSERT", "3001", dynamodb::EncodeItem(kRunning)),
      StreamRecord("INSERT", "3002", dynamodb::EncodeItem(kFailed)),
  }));
  auto lambda = Start(1, {{"EXIDX_APPSYNC_URL", appsync->url()}, {"AWS_SECRET_ACCESS_KEY", "not-the-secret"}});
  ASSERT_EQ(lambda->Wait(std::chrono::seconds(60)), 0) << lambda->Log();
  auto results = runtime_.WaitForResults(1);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0].is_error) << results[0].body;
  EXPECT_EQ(Failures(results[0]), R"([{"itemIdentifier":"3001"}])") << results[0].body;
  const auto requests = appsync->Requests();
  ASSERT_EQ(requests.size(), 1u) << appsync->Log();  // 403 is not retried; nothing after the failure is tried.
  EXPECT_EQ(requests[0].at("verdict").as_string(), "bad-signature");
  EXPECT_EQ(requests[0].at("reason").as_string(), "signature mismatch");
  EXPECT_NE(lambda->Log().find("HTTP 403: InvalidSignatureException"), std::string::npos) << lambda->Log();
}

TEST_F(LambdaStreamTest, WithoutAnAppSyncUrlInitFailsSayingSo) {
  auto lambda = Start(1, {{"EXIDX_APPSYNC_URL", std::nullopt}});
  EXPECT_EQ(lambda->Wait(std::chrono::seconds(30)), 1) << lambda->Log();
  auto error = runtime_.init_error();
  ASSERT_TRUE(error) << lambda->Log();
  EXPECT_EQ(ParseObject(error->body).at("errorType").as_string(), "InvalidParameter") << error->body;
  EXPECT_NE(error->body.find("EXIDX_APPSYNC_URL"), std::string::npos) << error->body;
}

TEST_F(LambdaStreamTest, WhatIsNotAStreamEventIsALambdaError) {
  auto appsync = StartAppSync();
  ASSERT_TRUE(appsync->ok());
  runtime_.Enqueue(SampleEvents()[0]);  // An EventBridge event sent to the wrong function.
  auto lambda = Start(1, {{"EXIDX_APPSYNC_URL", appsync->url()}});
  ASSERT_EQ(lambda->Wait(std::chrono::seconds(60)), 0) << lambda->Log();
  auto results = runtime_.WaitForResults(1);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].is_error) << results[0].body;
  EXPECT_EQ(results[0].error_type_header, "InvalidEvent");
  EXPECT_TRUE(appsync->Requests().empty());
}

}  // namespace
}  // namespace exidx::lambda::testing
