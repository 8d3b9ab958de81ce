// End-to-end tests of the exidx binary: simulate -> ingest -> query, the
// command-line contract (CONTRACT.md section 9) and its exit statuses.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "aws/moto_server.h"
#include "store/dynamodb/dynamodb_store.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace exidx {
namespace {

namespace json = boost::json;
using testing::ProcessResult;
using testing::ReadFile;
using testing::RunProcess;
using testing::TempDir;
using testing::WriteFile;

const std::string kExidx = EXIDX_BINARY_DIR "/src/cli/exidx";
const std::string kSamples = EXIDX_SOURCE_DIR "/../shared/samples/sfn-status-change-events.ndjson";

constexpr std::string_view kSampleTags = R"({
  "arn:aws:states:us-west-2:123456789012:stateMachine:sql-agent-prod":
    {"Type": "Agent", "Application": "StepFunctionsAgent", "AgentName": "sql-agent"},
  "arn:aws:states:us-west-2:123456789012:stateMachine:research-agent-prod":
    {"Type": "Agent", "Application": "StepFunctionsAgent"}
})";

class CliTest : public ::testing::Test {
 protected:
  ProcessResult Exidx(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), kExidx);
    return RunProcess(args, input);
  }

  std::string Store() const { return dir_.File("store"); }

  TempDir dir_;
};

TEST_F(CliTest, IngestSamplesThenQueryJsonMatchesContract) {
  WriteFile(dir_.File("tags.json"), std::string(kSampleTags));
  auto ingest = Exidx({"ingest", kSamples, "--store", Store(), "--tags-file", dir_.File("tags.json")});
  ASSERT_EQ(ingest.exit_status, 0) << ingest.err;
  auto counts = json::parse(ingest.out);
  EXPECT_EQ(counts, json::parse(R"({"received":5,"indexed":4,"unchanged":0,"skipped":1})"));

  auto query = Exidx({"query", "--store", Store(), "--format", "json"});
  ASSERT_EQ(query.exit_status, 0) << query.err;
  auto page = json::parse(query.out).as_object();
  const auto& executions = page.at("executions").as_array();
  ASSERT_EQ(executions.size(), 2u);
  // Newest first: the research agent's execution started later; the redrive reopened it.
  const auto& research = executions[0].as_object();
  EXPECT_EQ(research.at("agentName").as_string(), "research-agent-prod");
  EXPECT_EQ(research.at("status").as_string(), "RUNNING");
  EXPECT_EQ(research.at("redriveCount").as_int64(), 1);
  EXPECT_FALSE(research.contains("stopDate"));
  const auto& sql = executions[1].as_object();
  EXPECT_EQ(sql.at("agentName").as_string(), "sql-agent");
  EXPECT_EQ(sql.at("status").as_string(), "SUCCEEDED");
  EXPECT_EQ(sql.at("startDate").as_string(), "2025-09-29T10:00:00.123Z");
  EXPECT_EQ(sql.at("stopDate").as_string(), "2025-09-29T10:00:14.468Z");
  EXPECT_DOUBLE_EQ(sql.at("durationSeconds").to_number<double>(), 14.345);
  EXPECT_TRUE(page.at("nextToken").is_null());
  EXPECT_FALSE(page.at("hasMore").as_bool());
  EXPECT_EQ(page.at("totalCount").as_int64(), 2);
  EXPECT_TRUE(page.at("metadata").at("fromIndex").as_bool());
}

TEST_F(CliTest, LateRunningAfterSucceededDoesNotRegress) {
  WriteFile(dir_.File("tags.json"), std::string(kSampleTags));
  const std::string samples = ReadFile(kSamples);
  const std::string running = samples.substr(0, samples.find('\n') + 1);
  ASSERT_EQ(Exidx({"ingest", kSamples, "--store", Store(), "--tags-file", dir_.File("tags.json")}).exit_status, 0);
  auto late = Exidx({"ingest", "-", "--store", Store(), "--tags-file", dir_.File("tags.json")}, running);
  ASSERT_EQ(late.exit_status, 0) << late.err;
  EXPECT_EQ(json::parse(late.out).at("unchanged").as_int64(), 1);
  auto query = Exidx({"query", "--store", Store(), "--agent", "sql-agent", "--format", "json"});
  EXPECT_EQ(json::parse(query.out).at("executions").at(0).at("status").as_string(), "SUCCEEDED");
}

TEST_F(CliTest, SimulateIngestAndWalkPagesAcrossProcesses) {
  auto simulate = Exidx({"simulate", "--executions", "3000", "--seed", "3", "--end", "2025-10-01", "--output",
                         dir_.File("events.ndjson"), "--tags-out", dir_.File("tags.json")});
  ASSERT_EQ(simulate.exit_status, 0) << simulate.err;
  auto ingest = Exidx({"ingest", dir_.File("events.ndjson"), "--store", Store(), "--tags-file", dir_.File("tags.json"),
                       "--relaxed-durability"});
  ASSERT_EQ(ingest.exit_status, 0) << ingest.err;
  const auto counts = json::parse(ingest.out);
  EXPECT_GT(counts.at("indexed").as_int64(), 2000);
  EXPECT_GT(counts.at("skipped").as_int64(), 0) << "non-agent executions are skipped";

  // Every agent's executions, walked page by page, each page from a new process.
  std::set<std::string> seen;
  std::optional<std::string> token;
  int pages = 0;
  do {
    std::vector<std::string> args = {"query", "--store", Store(),      "--format", "json",      "--limit",
                                     "400",   "--from",  "2025-09-01", "--to",     "2025-10-01"};
    if (token) args.insert(args.end(), {"--next-token", *token});
    auto query = Exidx(args);
    ASSERT_EQ(query.exit_status, 0) << query.err;
    auto page = json::parse(query.out).as_object();
    for (const auto& e : page.at("executions").as_array()) {
      EXPECT_TRUE(seen.insert(std::string(e.at("executionArn").as_string())).second) << "duplicate row";
    }
    token =
        page.at("nextToken").is_null() ? std::nullopt : std::optional(std::string(page.at("nextToken").as_string()));
    EXPECT_EQ(page.at("hasMore").as_bool(), token.has_value());
    ++pages;
  } while (token);
  EXPECT_GT(pages, 3);
  EXPECT_GT(seen.size(), 1500u);
}

// Each line of standard error, parsed as JSON (a test failure for one that is not).
std::vector<json::object> JsonLines(const std::string& text) {
  std::vector<json::object> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    boost::system::error_code error;
    json::value value = json::parse(line, error);
    EXPECT_FALSE(error) << "not a JSON line: " << line;
    if (!error && value.is_object()) lines.push_back(value.as_object());
  }
  return lines;
}

// Progress of ingest on a standard error that is not a terminal: JSON lines
// at the interval (here after every batch of about 1 MiB), bytes read against
// the file's size, then a final "done" line; the counts on standard output
// are the same JSON as ever.
TEST_F(CliTest, IngestReportsProgressOnStandardError) {
  auto simulate = Exidx({"simulate", "--executions", "3000", "--seed", "4", "--end", "2025-10-01", "--output",
                         dir_.File("events.ndjson")});
  ASSERT_EQ(simulate.exit_status, 0) << simulate.err;
  const std::string events = ReadFile(dir_.File("events.ndjson"));
  ASSERT_GT(events.size(), std::size_t{3} << 20) << "several batches";
  const auto lines_in_file = static_cast<std::int64_t>(std::count(events.begin(), events.end(), '\n'));

  auto ingest = Exidx({"ingest", dir_.File("events.ndjson"), "--store", Store(), "--index-all", "--relaxed-durability",
                       "--progress-interval-ms", "0"});
  ASSERT_EQ(ingest.exit_status, 0) << ingest.err;
  const json::object counts = json::parse(ingest.out).as_object();
  EXPECT_EQ(counts.size(), 4u) << ingest.out;
  EXPECT_EQ(counts.at("received").as_int64(), lines_in_file);
  const std::vector<json::object> progress = JsonLines(ingest.err);
  ASSERT_GE(progress.size(), 4u) << ingest.err;
  std::int64_t bytes = 0;
  for (std::size_t i = 0; i + 1 < progress.size(); ++i) {
    EXPECT_EQ(progress[i].at("progress").as_string(), "ingest");
    EXPECT_FALSE(progress[i].contains("done"));
    EXPECT_EQ(progress[i].at("total").as_int64(), static_cast<std::int64_t>(events.size()));
    EXPECT_GT(progress[i].at("bytes").as_int64(), bytes) << "each line after one more batch";
    bytes = progress[i].at("bytes").as_int64();
    EXPECT_LE(progress[i].at("applied").as_int64(), progress[i].at("events").as_int64());
  }
  const json::object& last = progress.back();
  EXPECT_TRUE(last.at("done").as_bool());
  EXPECT_EQ(last.at("bytes").as_int64(), static_cast<std::int64_t>(events.size()));
  EXPECT_EQ(last.at("events").as_int64(), lines_in_file);
  EXPECT_EQ(last.at("applied").as_int64(), lines_in_file);

  // From standard input the size is unknown: no total.
  auto piped = Exidx({"ingest", "-", "--store", Store(), "--index-all", "--relaxed-durability"}, events);
  ASSERT_EQ(piped.exit_status, 0) << piped.err;
  EXPECT_EQ(json::parse(piped.out).at("received").as_int64(), lines_in_file);
  const std::vector<json::object> piped_progress = JsonLines(piped.err);
  ASSERT_FALSE(piped_progress.empty()) << piped.err;
  EXPECT_TRUE(piped_progress.back().at("done").as_bool());
  EXPECT_FALSE(piped_progress.back().contains("total"));
  EXPECT_EQ(piped_progress.back().at("bytes").as_int64(), static_cast<std::int64_t>(events.size()));
}

TEST_F(CliTest, TableAndCsvFormats) {
  WriteFile(dir_.File("tags.json"), std::string(kSampleTags));
  ASSERT_EQ(Exidx({"ingest", kSamples, "--store", Store(), "--tags-file", dir_.File("tags.json")}).exit_status, 0);
  auto table = Exidx({"query", "--store", Store()});
  ASSERT_EQ(table.exit_status, 0) << table.err;
  EXPECT_NE(table.out.find("startDate"), std::string::npos);
  EXPECT_NE(table.out.find("sql-agent"), std::string::npos);
  EXPECT_NE(table.out.find("14.345s"), std::string::npos);
  auto csv = Exidx({"query", "--store", Store(), "--format", "csv", "--order", "asc"});
  ASSERT_EQ(csv.exit_status, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\r')),
            "executionArn,name,agentName,stateMachineArn,status,startDate,stopDate,durationSeconds,indexedAt,error,"
            "cause,redriveCount");
  EXPECT_NE(csv.out.find(",sql-agent,arn:aws:states:us-west-2:123456789012:stateMachine:sql-agent-prod,SUCCEEDED,"
                         "2025-09-29T10:00:00.123Z,2025-09-29T10:00:14.468Z,14.345,"),
            std::string::npos)
      << csv.out;
}

TEST_F(CliTest, BadUsageExitsTwoWithTheContractMessage) {
  // On a store that exists: a missing one is a runtime error, exit 1 (read_only_cli_test.cc).
  ASSERT_EQ(Exidx({"ingest", kSamples, "--store", Store(), "--index-all"}).exit_status, 0);
  auto bad_date = Exidx({"query", "--store", Store(), "--from", "yesterday"});
  EXPECT_EQ(bad_date.exit_status, 2);
  EXPECT_NE(bad_date.err.find("startDateFrom: expected RFC 3339 timestamp or YYYY-MM-DD, got 'yesterday'"),
            std::string::npos)
      << bad_date.err;
  EXPECT_EQ(Exidx({"query", "--store", Store(), "--limit", "0"}).exit_status, 2);
  EXPECT_EQ(Exidx({"query", "--store", Store(), "--next-token", "forged"}).exit_status, 2);
  EXPECT_EQ(Exidx({"query", "--no-such-flag"}).exit_status, 2);
  EXPECT_EQ(Exidx({}).exit_status, 2);
  EXPECT_EQ(Exidx({"ingest", kSamples, "--store", Store()}).exit_status, 2) << "no tag source given";
}

TEST_F(CliTest, InvalidEventFailsNamingItAndAppliesNothingOfItsBatch) {
  const std::string samples = ReadFile(kSamples);
  std::string broken = samples;
  broken.replace(broken.find("\"SUCCEEDED\""), 11, "\"FINISHED\"");
  auto ingest = Exidx({"ingest", "-", "--store", Store(), "--index-all"}, broken);
  EXPECT_EQ(ingest.exit_status, 1);
  EXPECT_NE(ingest.err.find("event 2 (id 'a8b2c3d4-1111-2222-3333-444455556666'): detail.status"), std::string::npos)
      << ingest.err;
  auto query = Exidx({"query", "--store", Store(), "--format", "json"});
  EXPECT_EQ(json::parse(query.out).at("executions").as_array().size(), 0u);
}

TEST_F(CliTest, AStoppedIngestPrintsItsCountsAndSkipPassesOverTheEventItNamed) {
  std::string broken = ReadFile(kSamples);
  broken.replace(broken.find("\"SUCCEEDED\""), 11, "\"FINISHED\"");
  WriteFile(dir_.File("broken.ndjson"), broken);
  auto stopped = Exidx({"ingest", dir_.File("broken.ndjson"), "--store", Store(), "--index-all"});
  EXPECT_EQ(stopped.exit_status, 1);
  EXPECT_EQ(json::parse(stopped.out), json::parse(R"({"received":0,"indexed":0,"unchanged":0,"skipped":0})"));
  EXPECT_NE(stopped.err.find("--skip 0"), std::string::npos) << stopped.err;
  // Past the invalid second event: the other four, counted without the two skipped.
  auto resumed = Exidx({"ingest", dir_.File("broken.ndjson"), "--store", Store(), "--index-all", "--skip", "2"});
  ASSERT_EQ(resumed.exit_status, 0) << resumed.err;
  EXPECT_EQ(json::parse(resumed.out), json::parse(R"({"received":3,"indexed":2,"unchanged":0,"skipped":1})"));
  auto beyond = Exidx({"ingest", dir_.File("broken.ndjson"), "--store", Store(), "--index-all", "--skip", "9"});
  EXPECT_EQ(beyond.exit_status, 2) << beyond.err;
}

// The samples finished in September 2025, long before any --retention-days
// 30 ends; the redriven RUNNING one counts from when it was indexed (now).
TEST_F(CliTest, RetentionDropsExpiredRecordsFromQueriesPerStatus) {
  WriteFile(dir_.File("tags.json"), std::string(kSampleTags));
  const auto agents_of = [&](const std::string& store) {
    auto query = Exidx({"query", "--store", store, "--format", "json"});
    EXPECT_EQ(query.exit_status, 0) << query.err;
    std::vector<std::string> names;
    const json::value page = json::parse(query.out);
    for (const auto& item : page.at("executions").as_array()) {
      names.emplace_back(item.at("agentName").as_string());
    }
    return names;
  };
  auto ingest =
      Exidx({"ingest", kSamples, "--store", Store(), "--tags-file", dir_.File("tags.json"), "--retention-days", "30"});
  ASSERT_EQ(ingest.exit_status, 0) << ingest.err;
  EXPECT_EQ(json::parse(ingest.out), json::parse(R"({"received":5,"indexed":4,"unchanged":0,"skipped":1})"));
  EXPECT_EQ(agents_of(Store()), std::vector<std::string>{"research-agent-prod"});
  auto agents = Exidx({"query", "--store", Store(), "--agent", "sql-agent", "--format", "json"});
  ASSERT_EQ(agents.exit_status, 0) << agents.err;
  EXPECT_TRUE(json::parse(agents.out).at("executions").as_array().empty());

  const std::string kept = dir_.File("kept");
  ingest = Exidx({"ingest", kSamples, "--store", kept, "--tags-file", dir_.File("tags.json"), "--retention-days", "30",
                  "--retain", "SUCCEEDED=36500d"});
  ASSERT_EQ(ingest.exit_status, 0) << ingest.err;
  EXPECT_EQ(agents_of(kept), (std::vector<std::string>{"research-agent-prod", "sql-agent"}));
}

TEST_F(CliTest, BadRetentionIsBadUsageNamingTheOption) {
  for (const auto& [option, value] :
       {std::pair("--retention-days", "0"), std::pair("--retain", "DONE=3d"), std::pair("--retain", "FAILED=3")}) {
    auto ingest = Exidx({"ingest", kSamples, "--store", Store(), "--index-all", option, value});
    EXPECT_EQ(ingest.exit_status, 2) << option << " " << value;
    EXPECT_NE(ingest.err.find(option), std::string::npos) << ingest.err;
  }
}

TEST_F(CliTest, HelpForEverySubcommand) {
  for (const char* sub : {"ingest", "query", "simulate", "migrate", "init"}) {
    auto help = Exidx({sub, "--help"});
    EXPECT_EQ(help.exit_status, 0);
    EXPECT_NE(help.out.find("--"), std::string::npos) << sub;
  }
}

// `exidx migrate` and `exidx init --migrate` on moto_server: a table as the
// first design wrote it (PutItem of the record attributes only, the seed's
// indexes), counts on standard output, progress as JSON lines on standard
// error (not a terminal), exit statuses.
class CliMigrateTest : public CliTest {
 protected:
  void SetUp() override {
    auto& moto = aws::testing::MotoServer::Shared();
    if (!moto.ok()) GTEST_SKIP() << "moto_server unavailable: " << moto.error();
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"AWS_ENDPOINT_URL", moto.url()},
             {"AWS_REGION", "us-east-1"},
             {"AWS_ACCESS_KEY_ID", "testing"},
             {"AWS_SECRET_ACCESS_KEY", "testing-secret"},
             {"AWS_EC2_METADATA_DISABLED", "true"},
             {"AWS_CONFIG_FILE", "/nonexistent/exidx-test-config"},
             {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/exidx-test-credentials"}}) {
      setenv(name.c_str(), value.c_str(), 1);
    }
    for (const char* name : {"AWS_PROFILE", "AWS_SESSION_TOKEN", "EXIDX_STORE", "EXECUTION_INDEX_TABLE_NAME"}) {
      unsetenv(name);
    }
    auto client = aws::JsonClient::Create(moto.Context(), aws::AwsService::kDynamoDb, "DynamoDB_20120810");
    ASSERT_TRUE(client);
    client_ = std::move(*client);
    table_ = "ExecutionIndex-cli-" + std::to_string(::getpid());
    ASSERT_TRUE(DynamoDbStore::CreateTable(*client_, table_, TableLayout::kSeedOnly));
  }
  void TearDown() override {
    if (client_) (void)DynamoDbStore::DeleteTable(*client_, table_);  // Best effort: the name is this process's.
  }

  // What the first design's PutItem wrote for execution i.
  void PutSeedItem(int i, bool with_agent = true) {
    const std::string arn = "arn:aws:states:us-east-1:1:execution:old:old-" + std::to_string(i);
    json::object item{{"executionArn", {{"S", arn}}},
                      {"stateMachineArn", {{"S", "arn:aws:states:us-east-1:1:stateMachine:old"}}},
                      {"executionName", {{"S", "old-" + std::to_string(i)}}},
                      {"status", {{"S", "SUCCEEDED"}}},
                      {"startDate", {{"S", "2025-09-29T10:00:0" + std::to_string(i % 10) + ".000Z"}}},
                      {"stopDate", {{"S", "2025-09-29T11:00:00.000Z"}}},
                      {"durationSeconds", {{"N", "3600"}}},
                      {"indexedAt", {{"S", "2025-09-29T11:00:01.000Z"}}}};
    if (with_agent) item["agentName"] = {{"S", "old"}};
    auto put = client_->Call("PutItem", json::serialize(json::object{{"TableName", table_}, {"Item", item}}));
    ASSERT_TRUE(put) << put.error().message;
  }

  std::string StoreUrl() const { return "dynamodb://" + table_; }

  std::size_t Listed() {
    auto query = Exidx({"query", "--store", StoreUrl(), "--format", "json", "--limit", "1000"});
    EXPECT_EQ(query.exit_status, 0) << query.err;
    return query.exit_status == 0 ? json::parse(query.out).at("executions").as_array().size() : 0;
  }

  std::unique_ptr<aws::JsonClient> client_;
  std::string table_;
};

TEST_F(CliMigrateTest, InitMigrateServesTheFirstDesignsRowsAndCountsAsJson) {
  for (int i = 0; i < 12; ++i) PutSeedItem(i);
  EXPECT_EQ(Listed(), 12u) << "the seed table: every row through StatusDateIndex";

  auto dry = Exidx({"migrate", "--store", StoreUrl(), "--dry-run", "--segments", "2"});
  ASSERT_EQ(dry.exit_status, 0) << dry.err;
  EXPECT_EQ(json::parse(dry.out), json::parse(R"({"scanned":12,"rewritten":12,"skipped":0,"leftAlone":0,
      "undecodable":0,"calls":3,"dryRun":true})"));
  const std::string last_progress = dry.err.substr(dry.err.rfind('{'));
  EXPECT_TRUE(json::parse(last_progress).at("done").as_bool()) << dry.err;

  auto init = Exidx({"init", "--store", StoreUrl(), "--migrate", "--statistics-wait", "0"});
  ASSERT_EQ(init.exit_status, 0) << init.err;
  const auto counts = json::parse(init.out).as_object();
  EXPECT_EQ(counts.at("rewritten").as_int64(), 12);
  EXPECT_FALSE(counts.at("dryRun").as_bool());
  EXPECT_EQ(Listed(), 12u) << "the rows vanished from the unfiltered query (AllDateIndex) without the migration";
  // init counted the migrated records in the statistics, and the agent menu.
  auto stats =
      Exidx({"stats", "--store", StoreUrl(), "--from", "2025-09-29", "--to", "2025-09-30", "--format", "json"});
  ASSERT_EQ(stats.exit_status, 0) << stats.err;
  EXPECT_EQ(json::parse(stats.out).at("totals").at("executions").as_int64(), 12) << stats.out;
  EXPECT_NE(init.err.find("12 records counted in the statistics"), std::string::npos) << init.err;

  auto resumed = Exidx({"migrate", "--store", StoreUrl(), "--resume"});
  ASSERT_EQ(resumed.exit_status, 0) << resumed.err;
  EXPECT_EQ(json::parse(resumed.out).at("scanned").as_int64(), 0) << "every segment of the run is done";
  auto again = Exidx({"migrate", "--store", StoreUrl()});
  ASSERT_EQ(again.exit_status, 0) << again.err;
  EXPECT_EQ(json::parse(again.out).at("rewritten").as_int64(), 0);
  EXPECT_EQ(json::parse(again.out).at("skipped").as_int64(), 12);
}

TEST_F(CliMigrateTest, AnItemItCannotReadIsNamedAndTheExitStatusIsOne) {
  PutSeedItem(1);
  PutSeedItem(2, /*with_agent=*/false);
  auto run = Exidx({"migrate", "--store", StoreUrl()});
  EXPECT_EQ(run.exit_status, 1) << run.err;
  EXPECT_NE(run.err.find("'arn:aws:states:us-east-1:1:execution:old:old-2' was not rewritten"), std::string::npos)
      << run.err;
  const auto counts = json::parse(run.out).as_object();
  EXPECT_EQ(counts.at("rewritten").as_int64(), 1);
  EXPECT_EQ(counts.at("undecodable").as_int64(), 1);
}

TEST_F(CliMigrateTest, BadUsageExitsTwo) {
  EXPECT_EQ(Exidx({"migrate"}).exit_status, 2) << "--store is required";
  EXPECT_EQ(Exidx({"migrate", "--store", Store()}).exit_status, 2) << "not a DynamoDB store";
  EXPECT_EQ(Exidx({"migrate", "--store", StoreUrl(), "--segments", "0"}).exit_status, 2);
  EXPECT_EQ(Exidx({"migrate", "--store", StoreUrl(), "--writes-in-flight", "0"}).exit_status, 2);
  auto missing = Exidx({"migrate", "--store", "dynamodb://no-such-table"});
  EXPECT_EQ(missing.exit_status, 1);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
}

// The README's "Replaying the dead-letter queue" commands on moto_server's
// SQS and the embedded store: replay-dlq, and receive-message | ingest.
class CliReplayDlqTest : public CliMigrateTest {
 protected:
  std::string CreateQueue(const std::string& suffix) {
    auto sqs =
        aws::JsonClient::Create(aws::testing::MotoServer::Shared().Context(), aws::AwsService::kSqs, "AmazonSQS");
    EXPECT_TRUE(sqs);
    const std::string name = "cli-" + std::to_string(::getpid()) + "-" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" + suffix;
    auto created = (*sqs)->Call("CreateQueue", json::serialize(json::object{{"QueueName", name}}));
    EXPECT_TRUE(created);
    return std::string(json::parse(*created).at("QueueUrl").as_string());
  }

  // The samples as the two writers of the queue leave them: odd lines as
  // EventBridge's target DLQ (the event), even ones as Lambda's on-failure record.
  void SendSamples(const std::string& queue_url) {
    auto sqs =
        aws::JsonClient::Create(aws::testing::MotoServer::Shared().Context(), aws::AwsService::kSqs, "AmazonSQS");
    std::istringstream lines(ReadFile(kSamples));
    int n = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      std::string body = line;
      if (n++ % 2 == 1) {
        body = json::serialize(json::object{{"version", "1.0"},
                                            {"requestContext", {{"requestId", "r"}, {"condition", "RetriesExhausted"}}},
                                            {"requestPayload", json::parse(line)},
                                            {"responsePayload", {{"errorType", "Unavailable"}}}});
      }
      auto sent = (*sqs)->Call(
          "SendMessage",
          json::serialize(json::object{
              {"QueueUrl", queue_url},
              {"MessageBody", body},
              {"MessageAttributes", {{"ERROR_CODE", {{"DataType", "String"}, {"StringValue", "SDK_CLIENT_ERROR"}}}}}}));
      ASSERT_TRUE(sent) << sent.error().message;
    }
  }

  // The executions a query of `store` lists, without indexedAt.
  json::array Executions(const std::string& store) {
    auto query = Exidx({"query", "--store", store, "--format", "json"});
    EXPECT_EQ(query.exit_status, 0) << query.err;
    json::array executions = json::parse(query.out).at("executions").as_array();
    for (auto& execution : executions) execution.as_object().erase("indexedAt");
    return executions;
  }
};

TEST_F(CliReplayDlqTest, ReadmeCommandsApplyTheQueueAsIngestDoesAndDrainIt) {
  WriteFile(dir_.File("tags.json"), std::string(kSampleTags));
  auto ingest = Exidx({"ingest", kSamples, "--store", dir_.File("ingested"), "--tags-file", dir_.File("tags.json")});
  ASSERT_EQ(ingest.exit_status, 0) << ingest.err;

  const std::string queue = CreateQueue("dlq");
  SendSamples(queue);
  auto replay = Exidx({"replay-dlq", "--queue-url", queue, "--store", Store(), "--tags-file", dir_.File("tags.json")});
  ASSERT_EQ(replay.exit_status, 0) << replay.err;
  const json::object counts = json::parse(replay.out).as_object();
  EXPECT_EQ(counts.at("received").as_int64(), 5);
  EXPECT_EQ(counts.at("indexed").as_int64() + counts.at("unchanged").as_int64(), 4);
  EXPECT_EQ(counts.at("skipped").as_int64(), 1);
  EXPECT_EQ(counts.at("messagesReceived").as_int64(), 5);
  EXPECT_EQ(counts.at("messagesDeleted").as_int64(), 5);
  EXPECT_EQ(counts.at("messagesInvalid").as_int64(), 0);
  EXPECT_EQ(counts.at("leftInQueue").as_int64(), 0);
  EXPECT_NE(replay.err.find("\"progress\":\"replay-dlq\""), std::string::npos) << replay.err;
  EXPECT_EQ(Executions(Store()), Executions(dir_.File("ingested")));
  auto drained = Exidx({"replay-dlq", "--queue-url", queue, "--store", Store(), "--tags-file", dir_.File("tags.json")});
  ASSERT_EQ(drained.exit_status, 0) << drained.err;
  EXPECT_EQ(json::parse(drained.out).at("messagesReceived").as_int64(), 0);

  // The alternative: receive-message's output, pretty-printed, into ingest.
  SendSamples(queue);
  auto received = RunProcess({"/usr/bin/env", "AWS_DEFAULT_REGION=us-east-1", "aws", "--endpoint-url",
                              aws::testing::MotoServer::Shared().url(), "sqs", "receive-message", "--queue-url", queue,
                              "--max-number-of-messages", "10", "--message-attribute-names", "All"});
  ASSERT_EQ(received.exit_status, 0) << received.err;
  WriteFile(dir_.File("messages.json"), received.out);
  auto by_hand = Exidx(
      {"ingest", dir_.File("messages.json"), "--store", dir_.File("by-hand"), "--tags-file", dir_.File("tags.json")});
  ASSERT_EQ(by_hand.exit_status, 0) << by_hand.err;
  EXPECT_EQ(json::parse(by_hand.out), json::parse(ingest.out));
  EXPECT_EQ(Executions(dir_.File("by-hand")), Executions(dir_.File("ingested")));
}

TEST_F(CliReplayDlqTest, InvalidMessagesExitOneAndStayUnlessMoved) {
  const std::string queue = CreateQueue("dlq");
  const std::string invalid = CreateQueue("invalid");
  auto sqs = aws::JsonClient::Create(aws::testing::MotoServer::Shared().Context(), aws::AwsService::kSqs, "AmazonSQS");
  ASSERT_TRUE(
      (*sqs)->Call("SendMessage", json::serialize(json::object{{"QueueUrl", queue}, {"MessageBody", "{oops"}})));
  auto kept =
      Exidx({"replay-dlq", "--queue-url", queue, "--store", Store(), "--index-all", "--visibility-timeout", "1"});
  EXPECT_EQ(kept.exit_status, 1) << kept.err;
  EXPECT_NE(kept.err.find("is invalid: message body: invalid JSON"), std::string::npos) << kept.err;
  EXPECT_NE(kept.err.find("left in the queue"), std::string::npos) << kept.err;
  EXPECT_EQ(json::parse(kept.out).at("leftInQueue").as_int64(), 1);
  ::usleep(1600 * 1000);  // Past the visibility timeout: it is back.
  auto moved =
      Exidx({"replay-dlq", "--queue-url", queue, "--invalid-queue-url", invalid, "--store", Store(), "--index-all"});
  EXPECT_EQ(moved.exit_status, 0) << moved.err;
  const json::object counts = json::parse(moved.out).as_object();
  EXPECT_EQ(counts.at("movedToInvalidQueue").as_int64(), 1);
  EXPECT_EQ(counts.at("messagesDeleted").as_int64(), 1);
  auto in_invalid = (*sqs)->Call(
      "ReceiveMessage", json::serialize(json::object{{"QueueUrl", invalid}, {"MessageAttributeNames", {"All"}}}));
  ASSERT_TRUE(in_invalid);
  const json::value answer = json::parse(*in_invalid);
  ASSERT_EQ(answer.at("Messages").as_array().size(), 1u);
  EXPECT_EQ(answer.at("Messages").at(0).at("Body").as_string(), "{oops");
  EXPECT_TRUE(answer.at("Messages").at(0).at("MessageAttributes").as_object().contains("EXIDX_INVALID_REASON"));
}

TEST_F(CliReplayDlqTest, BadUsageExitsTwo) {
  EXPECT_EQ(Exidx({"replay-dlq", "--store", Store(), "--index-all"}).exit_status, 2);
  auto not_url = Exidx({"replay-dlq", "--queue-url", "my-queue", "--store", Store(), "--index-all"});
  EXPECT_EQ(not_url.exit_status, 2) << not_url.err;
  EXPECT_NE(not_url.err.find("--queue-url"), std::string::npos) << not_url.err;
  EXPECT_EQ(Exidx({"replay-dlq", "--queue-url", "http://x", "--wait-seconds", "21"}).exit_status, 2);
}

}  // namespace
}  // namespace exidx
