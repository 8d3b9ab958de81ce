// The DynamoDB store under faults: a FaultProxy in front of moto_server
// throttles, fails, cuts connections (before forwarding, and after forwarding
// but before answering) and delays, from a fixed seed. Simulated streams go
// through `exidx ingest` (resumed with --skip until it succeeds) and through
// `exidx serve` (batches retried on 503), and the table must end with exactly
// the records a brute-force reference derives from the same events; every 200
// must have its events stored, and every request must be answered within its
// deadline plus an allowance for scheduling on a loaded machine.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <regex>

#include "aws/moto_server.h"
#include "core/event.h"
#include "dynamodb/fault_proxy.h"
#include "indexer/indexer.h"
#include "lambda/lambda_test_support.h"
#include "server/http_client.h"
#include "server/server_process.h"
#include "store/dynamodb/dynamodb_store.h"
#include "support/process.h"
#include "support/reference_store.h"
#include "support/temp_dir.h"

namespace exidx {
namespace {

namespace json = boost::json;
using aws::testing::MotoServer;
using std::chrono::milliseconds;
using testing::FaultProxy;
using testing::FaultRates;
using testing::TempDir;

const std::string kExidx = EXIDX_BINARY_DIR "/src/cli/exidx";
constexpr std::string_view kTable = "FaultTable";
constexpr std::string_view kTokenSecret = "fault-test-token-secret-0123456789";
// What a request may take beyond its deadline: answering, process scheduling
// and moto on two shared cores. Generous on purpose: this checks that the
// deadline bounds the request, not how fast it is.
constexpr milliseconds kAllowance{2000};

milliseconds Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
}

// The events of a file, one string each (NDJSON).
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string Join(const std::vector<std::string>& lines, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) out += lines[i] + "\n";
  return out;
}

class FaultProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!moto_.ok()) GTEST_SKIP() << "moto_server unavailable: " << moto_.error();
    direct_ = NewClient(moto_.Context());
    ASSERT_TRUE(DynamoDbStore::CreateTable(*direct_, std::string(kTable), TableLayout::kFull));
    auto store =
        DynamoDbStore::Open(NewClient(moto_.Context()), DynamoDbStoreOptions{.table_name = std::string(kTable)});
    ASSERT_TRUE(store) << store.error().message;
    table_ = std::move(*store);
    proxy_ = std::make_unique<FaultProxy>(moto_.url(), 20261201);
    // The children (exidx ingest, serve, lambda) find DynamoDB at the proxy.
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"AWS_ENDPOINT_URL_DYNAMODB", proxy_->url()},
             {"AWS_ENDPOINT_URL", moto_.url()},
             {"AWS_REGION", "us-east-1"},
             {"AWS_ACCESS_KEY_ID", "testing"},
             {"AWS_SECRET_ACCESS_KEY", "testing-secret"},
             {"AWS_EC2_METADATA_DISABLED", "true"},
             {"AWS_CONFIG_FILE", "/nonexistent/exidx-test-config"},
             {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/exidx-test-credentials"},
             {"EXIDX_TOKEN_SECRET", std::string(kTokenSecret)}}) {
      setenv(name.c_str(), value.c_str(), 1);
    }
    for (const char* name : {"AWS_PROFILE", "AWS_SESSION_TOKEN", "EXIDX_STORE", "EXIDX_TAGS_FILE", "EXIDX_INDEX_ALL",
                             "EXIDX_REQUEST_DEADLINE_MS", "EXECUTION_INDEX_TABLE_NAME"}) {
      unsetenv(name);
    }
  }

  static std::unique_ptr<aws::JsonClient> NewClient(std::shared_ptr<aws::AwsContext> context) {
    auto client = aws::JsonClient::Create(std::move(context), aws::AwsService::kDynamoDb, "DynamoDB_20120810");
    return client ? std::move(*client) : nullptr;
  }

  // A simulated stream (duplicates, reordering, redrives) and its tags.
  void Simulate(int executions) {
    auto simulated = testing::RunProcess({kExidx, "simulate", "--executions", std::to_string(executions), "--seed", "7",
                                          "--agents", "6", "--non-agents", "2", "--end", "2026-11-30", "--output",
                                          dir_.File("events.ndjson"), "--tags-out", dir_.File("tags.json")});
    ASSERT_EQ(simulated.exit_status, 0) << simulated.err;
    events_ = Lines(testing::ReadFile(dir_.File("events.ndjson")));
    ASSERT_GT(events_.size(), static_cast<std::size_t>(executions));
    auto tags = FileTagSource::Load(dir_.File("tags.json"));
    ASSERT_TRUE(tags) << tags.error().message;
    tags_ = std::move(*tags);
    resolver_ = std::make_unique<AgentResolver>(tags_.get(), AgentRule{}, clock_);
  }

  // The records the events make in a brute-force store.
  std::vector<ExecutionRecord> Reference() {
    testing::ReferenceStore reference;
    Indexer indexer(reference, *resolver_, clock_);
    auto events = ParseEventBatch(Join(events_, 0, events_.size()));
    EXPECT_TRUE(events) << events.error().message;
    if (events) {
      EXPECT_TRUE(indexer.Ingest(*events));
    }
    return reference.All(ExecutionFilter{}, SortOrder::kAsc);
  }

  // Items in the table (a Scan with Select COUNT, read past the proxy).
  std::int64_t TableItems() {
    std::int64_t count = 0;
    std::optional<json::value> start;
    do {
      // Records only: the statistics' reserved items are not records.
      json::object request{{"TableName", kTable},
                           {"Select", "COUNT"},
                           {"FilterExpression", "NOT begins_with(executionArn, :reserved)"},
                           {"ExpressionAttributeValues", json::object{{":reserved", json::object{{"S", "#exidx#"}}}}}};
      if (start) request["ExclusiveStartKey"] = *start;
      auto body = direct_->Call("Scan", json::serialize(request));
      EXPECT_TRUE(body) << body.error().message;
      if (!body) return -1;
      const json::object answer = json::parse(*body).as_object();
      count += answer.at("Count").to_number<std::int64_t>();
      start.reset();
      if (const auto* key = answer.if_contains("LastEvaluatedKey")) start = *key;
    } while (start);
    return count;
  }

  // The table holds exactly the reference's records, item by item (indexedAt
  // aside: it says when a record was written).
  void ExpectTableEqualsReference() {
    const std::vector<ExecutionRecord> want = Reference();
    ASSERT_FALSE(want.empty());
    for (ExecutionRecord record : want) {
      auto got = table_->Get(record.execution_arn);
      ASSERT_TRUE(got) << got.error().message;
      ASSERT_TRUE(got->has_value()) << "missing " << record.execution_arn;
      ExecutionRecord stored = **got;
      stored.indexed_at = record.indexed_at = 0;
      EXPECT_EQ(stored, record);
    }
    EXPECT_EQ(TableItems(), static_cast<std::int64_t>(want.size()));
  }

  // Every event of `body` is stored: its execution's record is at least as new.
  void ExpectStored(const std::string& body) {
    auto events = ParseEventBatch(body);
    ASSERT_TRUE(events);
    auto batch = PrepareBatch(*events, *resolver_, 0);
    ASSERT_TRUE(batch);
    for (const ExecutionRecord& candidate : batch->candidates) {
      auto got = table_->Get(candidate.execution_arn);
      ASSERT_TRUE(got && got->has_value()) << "acknowledged but missing: " << candidate.execution_arn;
      EXPECT_FALSE(VersionOf(candidate) > VersionOf(**got)) << "acknowledged but older: " << candidate.execution_arn;
    }
  }

  static void Report(const std::string& what, const testing::FaultProxyStats& s) {
    std::cout << what << ": requests " << s.requests << ", faultable " << s.faultable << " (distinct "
              << s.distinct_bodies << ", resent " << s.faultable - s.distinct_bodies << "), forwarded " << s.forwarded
              << "; injected: throttled " << s.throttled << ", 5xx " << s.server_errors << ", cut before "
              << s.cut_before << ", cut after " << s.cut_after << ", delayed " << s.delayed << std::endl;
  }

  MotoServer moto_;
  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<aws::JsonClient> direct_;
  std::unique_ptr<DynamoDbStore> table_;  // Past the proxy: what the table really holds.
  std::unique_ptr<FaultProxy> proxy_;
  std::vector<std::string> events_;
  std::unique_ptr<FileTagSource> tags_;
  std::unique_ptr<AgentResolver> resolver_;
};

// The requests of a write: on a table with statistics, the read of the
// stored item and the transaction; else (and for checkpoints) a PutItem.
const std::set<std::string> kWrites = {"GetItem", "PutItem", "TransactWriteItems"};

FaultRates MixedFaults(milliseconds delay_by) {
  return FaultRates{.throttle = 0.08,
                    .server_error = 0.05,
                    .cut_before = 0.04,
                    .cut_after = 0.04,
                    .delay = 0.04,
                    .delay_by = delay_by,
                    .operations = kWrites};
}

// Apply writes executions concurrently, never more than its bound at once.
// The proxy holds the writes (transactions: the table keeps statistics) until
// 16 are in flight, so a client that sends one at a time shows a peak of 1.
TEST_F(FaultProxyTest, ApplyKeepsABoundedNumberOfPutItemsInFlight) {
  aws::MapEnvironment env{{"AWS_ENDPOINT_URL_DYNAMODB", proxy_->url()},
                          {"AWS_REGION", "us-east-1"},
                          {"AWS_ACCESS_KEY_ID", "testing"},
                          {"AWS_SECRET_ACCESS_KEY", "testing-secret"}};
  auto store =
      DynamoDbStore::Open(aws::AwsContext::Default(env), DynamoDbStoreOptions{.table_name = std::string(kTable)});
  ASSERT_TRUE(store) << store.error().message;
  std::vector<ExecutionRecord> records;
  for (int i = 0; i < 48; ++i) {
    records.push_back(
        ExecutionRecord{.execution_arn = "arn:aws:states:us-east-1:1:execution:sm:run-" + std::to_string(i),
                        .agent_name = "sm",
                        .state_machine_arn = "arn:aws:states:us-east-1:1:stateMachine:sm",
                        .execution_name = "run-" + std::to_string(i),
                        .status = ExecutionStatus::kRunning,
                        .start_date = 1'759'000'000'000 + i,
                        .indexed_at = 1'759'000'000'000});
  }
  records.push_back(records[3]);  // A duplicate: one PutItem for its execution.
  proxy_->SetFaults(FaultRates{.operations = {"TransactWriteItems"}, .gate = 16});
  proxy_->ResetStats();  // Opening the store passed the proxy too.
  auto outcomes = (*store)->Apply(records);
  ASSERT_TRUE(outcomes) << outcomes.error().message;
  EXPECT_EQ(std::count(outcomes->begin(), outcomes->end(), ApplyOutcome::kIndexed), 48);
  EXPECT_EQ(outcomes->back(), ApplyOutcome::kUnchanged);
  EXPECT_EQ(proxy_->Stats().distinct_bodies, 48u);  // One transaction per execution.
  EXPECT_EQ(proxy_->Stats().peak_in_flight, 16);
  EXPECT_EQ(TableItems(), 48);
}

// `exidx ingest` that fails part way prints what it applied, names the first
// event it did not apply, and resumes after it with --skip.
TEST_F(FaultProxyTest, CliIngestReportsWhatItAppliedAndResumesWithSkip) {
  ASSERT_NO_FATAL_FAILURE(Simulate(150));
  // Heavy enough that some PutItem outlasts its four attempts in every run.
  proxy_->SetFaults(FaultRates{.throttle = 0.25,
                               .server_error = 0.1,
                               .cut_before = 0.05,
                               .cut_after = 0.1,
                               .delay = 0.05,
                               .delay_by = milliseconds(50),
                               .operations = kWrites});
  const std::regex resume("--skip ([0-9]+)");
  std::size_t skip = 0, runs = 0, failures = 0, received = 0;
  for (; runs < 200; ++runs) {
    std::vector<std::string> args = {kExidx,
                                     "ingest",
                                     dir_.File("events.ndjson"),
                                     "--store",
                                     "dynamodb://" + std::string(kTable),
                                     "--tags-file",
                                     dir_.File("tags.json")};
    if (skip > 0) args.insert(args.end(), {"--skip", std::to_string(skip)});
    auto run = testing::RunProcess(args);
    boost::system::error_code ec;
    const json::value counts = json::parse(run.out, ec);
    ASSERT_FALSE(ec) << "stdout is not the counts: '" << run.out << "'; stderr: " << run.err;
    const std::size_t applied = counts.at("received").to_number<std::size_t>();
    received += applied;
    if (run.exit_status == 0) {
      EXPECT_EQ(skip + applied, events_.size()) << run.out;
      break;
    }
    ++failures;
    ASSERT_EQ(run.exit_status, 1) << run.err;
    std::smatch match;
    ASSERT_TRUE(std::regex_search(run.err, match, resume)) << run.err;
    const std::size_t next = std::stoul(match[1]);
    EXPECT_EQ(next, skip + applied) << run.out << "\n" << run.err;
    // The message names the first event not applied, by position and id.
    EXPECT_NE(run.err.find("event " + std::to_string(next + 1) + " "), std::string::npos) << run.err;
    skip = next;
  }
  EXPECT_GT(failures, 0u) << "the faults never failed a run: the test proves nothing";
  EXPECT_EQ(received, events_.size());
  std::cout << "ingest: " << events_.size() << " events in " << runs + 1 << " runs, " << failures << " failed"
            << std::endl;
  Report("cli ingest", proxy_->Stats());
  proxy_->SetFaults({});
  ExpectTableEqualsReference();
}

// `exidx serve` over a DynamoDB that sometimes fails, cuts and delays: batches
// retried on 503 until each gets its 200; every answer within the deadline.
TEST_F(FaultProxyTest, ServeAcknowledgesOnlyStoredEventsWithinItsDeadline) {
  ASSERT_NO_FATAL_FAILURE(Simulate(120));
  constexpr milliseconds kDeadline{1500};
  setenv("EXIDX_REQUEST_DEADLINE_MS", std::to_string(kDeadline.count()).c_str(), 1);
  testing::ServerProcess server(kExidx,
                                {"--store", "dynamodb://" + std::string(kTable), "--tags-file", dir_.File("tags.json")},
                                dir_.File("serve.log"));
  ASSERT_TRUE(server.started()) << server.Log();
  // Delays longer than the deadline: the request must give up, not wait.
  proxy_->SetFaults(MixedFaults(kDeadline + milliseconds(1000)));
  std::size_t requests = 0, unavailable = 0;
  milliseconds slowest{0};
  for (std::size_t from = 0; from < events_.size(); from += 10) {
    const std::string body = Join(events_, from, std::min(from + 10, events_.size()));
    for (int attempt = 0;; ++attempt) {
      ASSERT_LT(attempt, 50) << "events " << from << "..: never acknowledged";
      const auto started = std::chrono::steady_clock::now();
      auto reply =
          testing::HttpCall(server.port(), "POST", "/v1/events", {{"Content-Type", "application/x-ndjson"}}, body);
      const milliseconds took = Since(started);
      ++requests;
      slowest = std::max(slowest, took);
      EXPECT_LE(took, kDeadline + kAllowance) << "status " << reply.status << ": " << reply.body;
      if (reply.status == 503) {
        ++unavailable;
        EXPECT_EQ(reply.headers["retry-after"], "1");
        continue;
      }
      ASSERT_EQ(reply.status, 200) << reply.body;
      ASSERT_NO_FATAL_FAILURE(ExpectStored(body));
      break;
    }
  }
  std::cout << "serve: " << events_.size() << " events, " << requests << " requests, " << unavailable
            << " answered 503, slowest " << slowest.count() << " ms" << std::endl;
  Report("serve", proxy_->Stats());
  EXPECT_GT(unavailable, 0u) << "the faults never failed a request: the test proves nothing";
  proxy_->SetFaults({});
  ExpectTableEqualsReference();
}

// A DynamoDB that answers only after longer than the deadline: the request is
// answered 503 at its deadline instead of after every attempt's full timeout.
TEST_F(FaultProxyTest, SlowDynamoDbIsAnswered503AtTheDeadline) {
  ASSERT_NO_FATAL_FAILURE(Simulate(5));
  constexpr milliseconds kDeadline{1500};
  setenv("EXIDX_REQUEST_DEADLINE_MS", std::to_string(kDeadline.count()).c_str(), 1);
  testing::ServerProcess server(kExidx, {"--store", "dynamodb://" + std::string(kTable), "--index-all"},
                                dir_.File("serve.log"));
  ASSERT_TRUE(server.started()) << server.Log();
  proxy_->SetFaults(FaultRates{.delay = 1.0, .delay_by = milliseconds(6000), .operations = kWrites});
  const auto started = std::chrono::steady_clock::now();
  auto reply = testing::HttpCall(server.port(), "POST", "/v1/events", {}, events_[0]);
  const milliseconds took = Since(started);
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_EQ(reply.headers["retry-after"], "1");
  EXPECT_NE(reply.body.find("deadline"), std::string::npos) << reply.body;
  EXPECT_LE(took, kDeadline + kAllowance);
  std::cout << "slow DynamoDB: answered " << reply.status << " after " << took.count() << " ms" << std::endl;
}

// The Lambda index handler stops its AWS calls at the invocation's deadline
// (less the margin), so an invocation that overran does not hold up the next.
TEST_F(FaultProxyTest, LambdaIndexHandlerStopsAtTheInvocationDeadline) {
  using lambda::testing::FakeRuntimeApi;
  using lambda::testing::LambdaProcess;
  ASSERT_NO_FATAL_FAILURE(Simulate(5));
  proxy_->SetFaults(FaultRates{.delay = 1.0, .delay_by = milliseconds(6000), .operations = kWrites});
  FakeRuntimeApi runtime;
  const EpochMillis now = SystemClock().NowMillis();
  runtime.Enqueue(lambda::testing::QueuedInvocation{.payload = events_[0], .deadline = now + 2000});
  LambdaProcess function(lambda::testing::LambdaProcessOptions{
      .argv = {kExidx, "lambda", "--max-invocations", "2", "--deadline-margin-ms", "500"},
      .env = {{"AWS_LAMBDA_RUNTIME_API", runtime.address()},
              {"_HANDLER", "index"},
              {"EXECUTION_INDEX_TABLE_NAME", std::string(kTable)},
              {"EXIDX_INDEX_ALL", "true"}},
      .log_path = dir_.File("lambda.log")});
  auto first = runtime.WaitForResults(1, std::chrono::seconds(30));
  ASSERT_EQ(first.size(), 1u) << function.Log();
  EXPECT_TRUE(first[0].is_error) << first[0].body;
  EXPECT_NE(first[0].body.find("Unavailable"), std::string::npos) << first[0].body;
  proxy_->SetFaults({});
  const auto started = std::chrono::steady_clock::now();
  runtime.Enqueue(
      lambda::testing::QueuedInvocation{.payload = events_[1], .deadline = SystemClock().NowMillis() + 30'000});
  auto both = runtime.WaitForResults(2, std::chrono::seconds(30));
  const milliseconds took = Since(started);
  ASSERT_EQ(both.size(), 2u) << function.Log();
  EXPECT_FALSE(both[1].is_error) << both[1].body;
  // The first invocation's calls ended with its deadline, not 6 s later.
  EXPECT_LE(took, kAllowance) << function.Log();
  EXPECT_EQ(function.Wait(std::chrono::seconds(30)), 0) << function.Log();
}

}  // namespace
}  // namespace exidx
