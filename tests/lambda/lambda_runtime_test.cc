// `exidx lambda` end to end: the real binary against a loopback fake of the
// Lambda Runtime API, with the embedded store. Several invocations per
// process, the error paths, init errors and deadlines.
#include <gtest/gtest.h>

#include <chrono>

#include "lambda/lambda_test_support.h"
#include "support/temp_dir.h"

namespace exidx::lambda::testing {
namespace {

namespace json = boost::json;
using exidx::testing::RunProcess;
using exidx::testing::TempDir;
using exidx::testing::WriteFile;

std::int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class LambdaRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteFile(dir_.File("tags.json"), std::string(kSampleTags)); }

  // Starts `exidx lambda <args>` against the fake; no table name in its
  // environment unless the test sets one.
  std::unique_ptr<LambdaProcess> Start(std::vector<std::string> args,
                                       std::map<std::string, std::optional<std::string>> env = {}) {
    args.insert(args.begin(), {kExidx, "lambda"});
    env.emplace("AWS_LAMBDA_RUNTIME_API", runtime_.address());
    env.emplace("EXECUTION_INDEX_TABLE_NAME", std::nullopt);
    env.emplace("EXIDX_STORE", std::nullopt);
    env.emplace("_HANDLER", std::nullopt);
    return std::make_unique<LambdaProcess>(
        LambdaProcessOptions{.argv = std::move(args), .env = std::move(env), .log_path = dir_.File("lambda.log")});
  }

  std::vector<std::string> IndexArgs(int invocations) {
    return {"--handler",         "index",
            "--store",           dir_.File("store"),
            "--tags-file",       dir_.File("tags.json"),
            "--max-invocations", std::to_string(invocations)};
  }

  static json::object Body(const PostedResult& result) { return ParseObject(result.body); }

  TempDir dir_;
  FakeRuntimeApi runtime_;
};

TEST_F(LambdaRuntimeTest, IndexesAgentsSkipsOthersAndMergesDuplicatesAndReordering) {
  const auto samples = SampleEvents();
  ASSERT_EQ(samples.size(), 5u);
  const std::string batch_job = Replace(samples[0], "sql-agent-prod", "nightly-batch");
  // SUCCEEDED before RUNNING, a duplicate, a FAILED then its redrive, a
  // foreign detail-type, and a state machine that is not an agent.
  const std::vector<std::string> order = {samples[1], samples[0], samples[1], samples[2],
                                          samples[3], samples[2], samples[4], batch_job};
  for (const auto& event : order) runtime_.Enqueue(event);
  auto lambda = Start(IndexArgs(static_cast<int>(order.size())));
  ASSERT_EQ(lambda->Wait(), 0) << lambda->Log();

  auto results = runtime_.WaitForResults(order.size(), std::chrono::seconds(1));
  ASSERT_EQ(results.size(), order.size());
  const std::vector<std::string> expected = {
      R"({"received":1,"indexed":1,"unchanged":0,"skipped":0})",  // SUCCEEDED
      R"({"received":1,"indexed":0,"unchanged":1,"skipped":0})",  // late RUNNING
      R"({"received":1,"indexed":0,"unchanged":1,"skipped":0})",  // duplicate
      R"({"received":1,"indexed":1,"unchanged":0,"skipped":0})",  // FAILED
      R"({"received":1,"indexed":1,"unchanged":0,"skipped":0})",  // redrive reopens
      R"({"received":1,"indexed":0,"unchanged":1,"skipped":0})",  // late FAILED
      R"({"received":1,"indexed":0,"unchanged":0,"skipped":1})",  // foreign detail-type
      R"({"received":1,"indexed":0,"unchanged":0,"skipped":1})",  // not an agent
  };
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_FALSE(results[i].is_error) << i << ": " << results[i].body;
    EXPECT_EQ(json::parse(results[i].body), json::parse(expected[i])) << i;
  }
  EXPECT_EQ(runtime_.next_calls(), static_cast<int>(order.size()));  // One process served them all.

  auto query = RunProcess({kExidx, "query", "--store", dir_.File("store"), "--format", "json"});
  ASSERT_EQ(query.exit_status, 0) << query.err;
  const auto page = ParseObject(query.out);
  const auto& executions = page.at("executions").as_array();
  ASSERT_EQ(executions.size(), 2u);
  EXPECT_EQ(executions[0].at("agentName").as_string(), "research-agent-prod");
  EXPECT_EQ(executions[0].at("status").as_string(), "RUNNING");
  EXPECT_EQ(executions[0].at("redriveCount").as_int64(), 1);
  EXPECT_EQ(executions[1].at("agentName").as_string(), "sql-agent");
  EXPECT_EQ(executions[1].at("status").as_string(), "SUCCEEDED");
}

TEST_F(LambdaRuntimeTest, IndexAllIndexesNonAgentMachinesUnderTheirName) {
  runtime_.Enqueue(Replace(SampleEvents()[0], "sql-agent-prod", "nightly-batch"));
  auto lambda = Start({"--handler", "index", "--store", dir_.File("store"), "--index-all", "--max-invocations", "1"});
  ASSERT_EQ(lambda->Wait(), 0) << lambda->Log();
  auto results = runtime_.WaitForResults(1);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(Body(results[0]).at("indexed").as_int64(), 1) << results[0].body;
  auto query =
      RunProcess({kExidx, "query", "--store", dir_.File("store"), "--agent", "nightly-batch", "--format", "json"});
  ASSERT_EQ(query.exit_status, 0) << query.err;
  EXPECT_EQ(ParseObject(query.out).at("executions").as_array().size(), 1u);
}

TEST_F(LambdaRuntimeTest, InvalidEventIsALambdaErrorAndTheNextInvocationStillWorks) {
  const auto samples = SampleEvents();
  runtime_.Enqueue(Replace(samples[0], R"("status":"RUNNING")", R"("status":"DONE")"));
  runtime_.Enqueue("not json");
  runtime_.Enqueue(samples[0]);
  auto lambda = Start(IndexArgs(3));
  ASSERT_EQ(lambda->Wait(), 0) << lambda->Log();
  auto results = runtime_.WaitForResults(3);
  ASSERT_EQ(results.size(), 3u);
  for (int i : {0, 1}) {
    ASSERT_TRUE(results[i].is_error) << results[i].body;
    const auto error = Body(results[i]);
    EXPECT_EQ(error.at("errorType").as_string(), "InvalidEvent");
    EXPECT_EQ(results[i].error_type_header, "InvalidEvent");
    EXPECT_TRUE(error.at("stackTrace").as_array().empty());
  }
  EXPECT_NE(std::string(Body(results[0]).at("errorMessage").as_string()).find("detail.status"), std::string::npos)
      << results[0].body;
  ASSERT_FALSE(results[2].is_error) << results[2].body;
  EXPECT_EQ(Body(results[2]).at("indexed").as_int64(), 1);
}

TEST_F(LambdaRuntimeTest, FailedTagLookupIsUnavailableNotSuccess) {
  // Tags from Step Functions at an endpoint that refuses connections: the
  // event must fail (EventBridge/Lambda retries it), never be indexed by guess.
  runtime_.Enqueue(SampleEvents()[0]);
  auto lambda = Start({"--handler", "index", "--store", dir_.File("store"), "--max-invocations", "1"},
                      {{"AWS_REGION", "us-east-1"},
                       {"AWS_ACCESS_KEY_ID", "testing"},
                       {"AWS_SECRET_ACCESS_KEY", "testing-secret"},
                       {"AWS_EC2_METADATA_DISABLED", "true"},
                       {"AWS_ENDPOINT_URL_SFN", "http://127.0.0.1:1"}});
  ASSERT_EQ(lambda->Wait(std::chrono::seconds(60)), 0) << lambda->Log();
  auto results = runtime_.WaitForResults(1);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].is_error) << results[0].body;
  EXPECT_EQ(Body(results[0]).at("errorType").as_string(), "Unavailable");
  auto query = RunProcess({kExidx, "query", "--store", dir_.File("store"), "--format", "json"});
  ASSERT_EQ(query.exit_status, 0) << query.err;
  EXPECT_TRUE(ParseObject(query.out).at("executions").as_array().empty());
}

TEST_F(LambdaRuntimeTest, NearDeadlineFailsUnavailableWithoutIndexing) {
  const auto samples = SampleEvents();
  runtime_.Enqueue(QueuedInvocation{.payload = samples[0], .deadline = NowMillis() + 100});
  runtime_.Enqueue(QueuedInvocation{.payload = samples[1], .deadline = NowMillis() - 5});  // Already past.
  runtime_.Enqueue(samples[2]);
  auto args = IndexArgs(3);
  args.insert(args.end(), {"--deadline-margin-ms", "1000"});
  auto lambda = Start(args);
  ASSERT_EQ(lambda->Wait(), 0) << lambda->Log();
  auto results = runtime_.WaitForResults(3);
  ASSERT_EQ(results.size(), 3u);
  for (int i : {0, 1}) {
    ASSERT_TRUE(results[i].is_error) << results[i].body;
    EXPECT_EQ(Body(results[i]).at("errorType").as_string(), "Unavailable");
  }
  ASSERT_FALSE(results[2].is_error) << results[2].body;
  auto query = RunProcess({kExidx, "query", "--store", dir_.File("store"), "--format", "json"});
  ASSERT_EQ(query.exit_status, 0) << query.err;
  const auto executions = ParseObject(query.out).at("executions").as_array();
  ASSERT_EQ(executions.size(), 1u);  // Only the third event's execution.
  EXPECT_EQ(executions[0].at("agentName").as_string(), "research-agent-prod");
}

TEST_F(LambdaRuntimeTest, InitErrorsAreReportedAndExitNonZero) {
  struct Case {
    std::vector<std::string> args;
    std::map<std::string, std::optional<std::string>> env;
    std::string error_type, message_part;
  };
  const std::vector<Case> cases = {
      {{"--handler", "query"}, {}, "InvalidParameter", "handler"},
      {{}, {{"_HANDLER", "list"}}, "InvalidParameter", "EXECUTION_INDEX_TABLE_NAME"},
      {{"--handler", "index", "--store", "/proc/exidx-cannot-create"}, {}, "", ""},
      {{"--handler", "index", "--store", "x", "--agent-tags", "Type"}, {}, "InvalidParameter", "Type"},
  };
  for (const Case& c : cases) {
    FakeRuntimeApi runtime;
    auto args = c.args;
    args.insert(args.begin(), {kExidx, "lambda"});
    auto env = c.env;
    env.emplace("AWS_LAMBDA_RUNTIME_API", runtime.address());
    env.emplace("EXECUTION_INDEX_TABLE_NAME", std::nullopt);
    env.emplace("EXIDX_STORE", std::nullopt);
    env.emplace("_HANDLER", std::nullopt);
    LambdaProcess lambda({.argv = args, .env = env, .log_path = dir_.File("init.log"), .cwd = dir_.path()});
    EXPECT_EQ(lambda.Wait(), 1) << lambda.Log();
    auto error = runtime.init_error();
    ASSERT_TRUE(error) << lambda.Log();
    const auto body = ParseObject(error->body);
    if (!c.error_type.empty()) {
      EXPECT_EQ(body.at("errorType").as_string(), c.error_type) << error->body;
      EXPECT_EQ(error->error_type_header, c.error_type);
    }
    EXPECT_NE(std::string(body.at("errorMessage").as_string()).find(c.message_part), std::string::npos) << error->body;
    EXPECT_EQ(runtime.next_calls(), 0);  // No invocation is fetched after a failed init.
  }
}

TEST_F(LambdaRuntimeTest, WithoutRuntimeApiItIsAUsageError) {
  auto result = RunProcess({"/usr/bin/env", "-u", "AWS_LAMBDA_RUNTIME_API", kExidx, "lambda", "--handler", "list"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.err.find("AWS_LAMBDA_RUNTIME_API"), std::string::npos) << result.err;
}

class LambdaListTest : public LambdaRuntimeTest {
 protected:
  void SetUp() override {
    LambdaRuntimeTest::SetUp();
    auto ingest = RunProcess(
        {kExidx, "ingest", kSamplesPath, "--store", dir_.File("store"), "--tags-file", dir_.File("tags.json")});
    ASSERT_EQ(ingest.exit_status, 0) << ingest.err;
  }
};

// The event an Amplify Gen2 custom query (a.query().handler(a.handler.function(...)))
// hands to its function: AppSync's direct Lambda resolver event.
std::string AmplifyEvent(const std::string& arguments) {
  return R"({"typeName":"Query","fieldName":"listExecutionsFromIndex","arguments":)" + arguments +
         R"(,"identity":{"sub":"7d8ca528-4931-4254-9273-ea5ee853f271","issuer":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc","username":"7d8ca528","claims":{"token_use":"id"},"sourceIp":["1.2.3.4"],"defaultAuthStrategy":"ALLOW","groups":null},)"
         R"("source":null,"request":{"headers":{"x-amzn-requestid":"r1"},"domainName":null},"prev":null,)"
         R"("info":{"selectionSetList":[],"selectionSetGraphQL":"","parentTypeName":"Query","fieldName":"listExecutionsFromIndex","variables":{}},"stash":{}})";
}

TEST_F(LambdaListTest, AnswersAmplifyPayloadsAndPagesAcrossInvocations) {
  auto lambda = Start({"--store", dir_.File("store"), "--max-invocations", "5"}, {{"_HANDLER", "list"}});
  // Page 1 of 1 item, maxResults as a GraphQL Int (a JSON number).
  runtime_.Enqueue(AmplifyEvent(R"({"agentName":null,"status":null,"maxResults":1,"nextToken":null})"));
  auto results = runtime_.WaitForResults(1);
  ASSERT_EQ(results.size(), 1u) << lambda->Log();
  ASSERT_FALSE(results[0].is_error) << results[0].body;
  auto page1 = Body(results[0]);
  ASSERT_EQ(page1.at("executions").as_array().size(), 1u);
  EXPECT_EQ(page1.at("executions").at(0).at("agentName").as_string(), "research-agent-prod");
  EXPECT_TRUE(page1.at("hasMore").as_bool());
  EXPECT_EQ(page1.at("totalCount").as_int64(), 1);
  EXPECT_TRUE(page1.at("metadata").at("fromIndex").as_bool());
  const std::string token(page1.at("nextToken").as_string());

  // Page 2 with the token, in the same process (the secret was read at init).
  runtime_.Enqueue(AmplifyEvent(R"({"maxResults":1,"nextToken":")" + token + R"("})"));
  results = runtime_.WaitForResults(2);
  ASSERT_EQ(results.size(), 2u);
  ASSERT_FALSE(results[1].is_error) << results[1].body;
  auto page2 = Body(results[1]);
  ASSERT_EQ(page2.at("executions").as_array().size(), 1u);
  EXPECT_EQ(page2.at("executions").at(0).at("agentName").as_string(), "sql-agent");
  EXPECT_TRUE(page2.at("nextToken").is_null());
  EXPECT_FALSE(page2.at("hasMore").as_bool());

  // A bare arguments object with text values and a date range.
  runtime_.Enqueue(
      R"({"agentName":"sql-agent","startDateFrom":"2025-09-29","startDateTo":"2025-09-29","maxResults":"10"})");
  // The token reused with other filters, and an invalid argument.
  runtime_.Enqueue(AmplifyEvent(R"({"agentName":"sql-agent","nextToken":")" + token + R"("})"));
  runtime_.Enqueue(AmplifyEvent(R"({"startDateFrom":"yesterday"})"));
  ASSERT_EQ(lambda->Wait(), 0) << lambda->Log();
  results = runtime_.WaitForResults(5);
  ASSERT_EQ(results.size(), 5u);
  ASSERT_FALSE(results[2].is_error) << results[2].body;
  EXPECT_EQ(Body(results[2]).at("executions").as_array().size(), 1u);
  ASSERT_TRUE(results[3].is_error);
  EXPECT_EQ(Body(results[3]).at("errorType").as_string(), "InvalidToken");
  EXPECT_EQ(results[3].error_type_header, "InvalidToken");
  ASSERT_TRUE(results[4].is_error);
  EXPECT_EQ(Body(results[4]).at("errorType").as_string(), "InvalidParameter");
  EXPECT_NE(std::string(Body(results[4]).at("errorMessage").as_string()).find("startDateFrom"), std::string::npos);
}

TEST_F(LambdaListTest, RejectsOtherFieldsAndMalformedArguments) {
  runtime_.Enqueue(R"({"typeName":"Query","fieldName":"listAgents","arguments":{}})");
  runtime_.Enqueue(AmplifyEvent(R"({"maxResults":1001})"));
  runtime_.Enqueue(AmplifyEvent(R"({"status":"DONE"})"));
  runtime_.Enqueue(AmplifyEvent(R"({"order":"sideways"})"));
  auto lambda = Start({"--handler", "list", "--store", dir_.File("store"), "--max-invocations", "4"});
  ASSERT_EQ(lambda->Wait(), 0) << lambda->Log();
  auto results = runtime_.WaitForResults(4);
  ASSERT_EQ(results.size(), 4u);
  for (const auto& result : results) {
    ASSERT_TRUE(result.is_error) << result.body;
    EXPECT_EQ(Body(result).at("errorType").as_string(), "InvalidParameter") << result.body;
  }
}

TEST_F(LambdaListTest, SendsTheRuntimeApiHeadersItShould) {
  runtime_.Enqueue(AmplifyEvent("{}"));
  runtime_.Enqueue(AmplifyEvent(R"({"maxResults":0})"));
  auto lambda = Start({"--handler", "list", "--store", dir_.File("store"), "--max-invocations", "2"});
  ASSERT_EQ(lambda->Wait(), 0) << lambda->Log();
  const auto requests = runtime_.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_TRUE(requests[1].target.ends_with("/response")) << requests[1].target;
  EXPECT_FALSE(aws::HeaderValue(requests[1].headers, "Lambda-Runtime-Function-Error-Type"));
  EXPECT_TRUE(requests[3].target.ends_with("/error")) << requests[3].target;
  EXPECT_EQ(aws::HeaderValue(requests[3].headers, "Lambda-Runtime-Function-Error-Type"), "InvalidParameter");
}

}  // namespace
}  // namespace exidx::lambda::testing
