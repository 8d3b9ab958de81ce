// `exidx backfill` as a user runs it, against moto_server: killed with
// SIGKILL midway and resumed with --resume, it ends with the records of an
// uninterrupted run for fewer calls; its usage errors exit 2.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fcntl.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "aws/moto_server.h"
#include "aws/sfn_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

extern char** environ;

namespace exidx {
namespace {

namespace json = boost::json;
using aws::testing::MotoServer;
using testing::ReadFile;
using testing::RunProcess;

const std::string kExidx = EXIDX_BINARY_DIR "/src/cli/exidx";

class BackfillCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!moto_.ok()) GTEST_SKIP() << "moto_server unavailable: " << moto_.error();
    // The children inherit these: moto's endpoint, its region, dummy keys.
    for (const char* name : {"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}) {
      ::setenv(name, moto_.env().Get(name).value_or("").c_str(), 1);
    }
    ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    auto client = aws::StepFunctionsClient::Create(moto_.Context());
    ASSERT_TRUE(client);
    for (int m = 0; m < 4; ++m) {
      const json::object create{
          {"name", "agent-" + std::to_string(m)},
          {"definition", R"({"StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}})"},
          {"roleArn", "arn:aws:iam::123456789012:role/exidx-test"},
          {"tags", json::array{json::object{{"key", "Type"}, {"value", "Agent"}},
                               json::object{{"key", "Application"}, {"value", "StepFunctionsAgent"}}}}};
      auto made = (*client)->json_client().Call("CreateStateMachine", json::serialize(create));
      ASSERT_TRUE(made) << made.error().message;
      const std::string machine(json::parse(*made).at("stateMachineArn").as_string());
      for (int i = 0; i < 150; ++i) {
        const json::object start{{"stateMachineArn", machine}, {"name", "run-" + std::to_string(i)}};
        auto started = (*client)->json_client().Call("StartExecution", json::serialize(start));
        ASSERT_TRUE(started) << started.error().message;
        if (i % 2 == 0) {
          const std::string arn(json::parse(*started).at("executionArn").as_string());
          ASSERT_TRUE(
              (*client)->json_client().Call("StopExecution", json::serialize(json::object{{"executionArn", arn}})));
        }
      }
    }
  }

  // The counts a run printed on standard output.
  static json::object Counts(const std::string& out) {
    json::value value = json::parse(out);
    return value.is_object() ? value.as_object() : json::object{};
  }

  // Every execution `exidx query` lists, indexedAt removed.
  static json::array Listed(const std::string& store) {
    auto result = RunProcess({kExidx, "query", "--store", store, "--format", "json", "--limit", "1000"});
    EXPECT_EQ(result.exit_status, 0) << result.err;
    json::array executions = json::parse(result.out).at("executions").as_array();
    for (auto& execution : executions) execution.as_object().erase("indexedAt");
    return executions;
  }

  MotoServer moto_;
  testing::TempDir dir_{"backfill-cli"};
};

TEST_F(BackfillCliTest, KilledMidwayThenResumedEndsAsAnUninterruptedRunWithFewerCalls) {
  const std::string fresh = dir_.File("fresh"), killed = dir_.File("killed");
  auto full = RunProcess({kExidx, "backfill", "--store", fresh, "--index-all", "--parallel", "1"});
  ASSERT_EQ(full.exit_status, 0) << full.err;
  const json::object full_counts = Counts(full.out);
  EXPECT_EQ(full_counts.at("indexed").as_int64(), 600);
  EXPECT_EQ(full_counts.at("described").as_int64(), 300);

  // Slowed to 25 requests a second, so that it is killed halfway: once its
  // progress says two of the four state machines are done.
  const std::string log = dir_.File("stderr.log");
  std::vector<std::string> args = {kExidx,       "backfill", "--store",   killed, "--index-all",
                                   "--parallel", "1",        "--max-rps", "25"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, kExidx.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  bool midway = false;
  for (int i = 0; i < 600 && !midway; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    midway = ReadFile(log).find("\"stateMachinesDone\":2,") != std::string::npos;
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(midway) << ReadFile(log);
  ASSERT_TRUE(WIFSIGNALED(status)) << "it finished before it was killed: " << ReadFile(log);

  auto resumed = RunProcess({kExidx, "backfill", "--store", killed, "--index-all", "--parallel", "1", "--resume"});
  ASSERT_EQ(resumed.exit_status, 0) << resumed.err;
  const json::object resumed_counts = Counts(resumed.out);
  EXPECT_GE(resumed_counts.at("stateMachinesResumed").as_int64(), 1);
  EXPECT_LT(resumed_counts.at("calls").as_int64(), full_counts.at("calls").as_int64() * 3 / 4)
      << resumed.out << " vs " << full.out;
  EXPECT_EQ(Listed(killed), Listed(fresh));
}

TEST_F(BackfillCliTest, UsageErrorsExitTwoAndNameTheOption) {
  const std::string store = dir_.File("store");
  auto bad_date = RunProcess({kExidx, "backfill", "--store", store, "--index-all", "--since", "last week"});
  EXPECT_EQ(bad_date.exit_status, 2);
  EXPECT_NE(bad_date.err.find("--since"), std::string::npos) << bad_date.err;
  auto reversed = RunProcess(
      {kExidx, "backfill", "--store", store, "--index-all", "--since", "2025-02-01", "--until", "2025-01-01"});
  EXPECT_EQ(reversed.exit_status, 2) << reversed.err;
  auto not_arn = RunProcess({kExidx, "backfill", "--store", store, "--index-all", "--state-machine", "agent"});
  EXPECT_EQ(not_arn.exit_status, 2) << not_arn.err;

  ASSERT_EQ(RunProcess({kExidx, "backfill", "--store", store, "--index-all", "--since", "2025-01-01"}).exit_status, 0);
  auto other = RunProcess({kExidx, "backfill", "--store", store, "--index-all", "--since", "2025-06-01", "--resume"});
  EXPECT_EQ(other.exit_status, 2);
  EXPECT_NE(other.err.find("since"), std::string::npos) << other.err;
  EXPECT_EQ(RunProcess({kExidx, "backfill", "--help"}).exit_status, 0);
}

}  // namespace
}  // namespace exidx
