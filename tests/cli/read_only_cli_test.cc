// The commands that only read (query, stats) beside a running `exidx serve`
// on the same embedded store, on a missing store, and the names `exidx`
// gives to commands and options it does not know.
#include <signal.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>

#include "server/http_client.h"
#include "server/server_process.h"
#include "server/test_events.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace exidx::testing {
namespace {

namespace json = boost::json;

const std::string kExidx = EXIDX_BINARY_DIR "/src/cli/exidx";
constexpr std::int64_t kT0 = 1'759'140'000'000;  // 2025-09-29T10:00:00Z

class ReadOnlyCliTest : public ::testing::Test {
 protected:
  ProcessResult Exidx(std::vector<std::string> args) {
    args.insert(args.begin(), kExidx);
    return RunProcess(args);
  }

  std::string Store() const { return dir_.File("store"); }

  TempDir dir_;
};

TEST_F(ReadOnlyCliTest, QueryAndStatsAnswerBesideARunningServer) {
  ServerProcess server(kExidx, {"--store", Store(), "--index-all"}, dir_.File("serve.log"));
  ASSERT_TRUE(server.started()) << server.Log();
  auto posted = HttpCall(server.port(), "POST", "/v1/events", {{"Content-Type", "application/x-ndjson"}},
                         StatusEvent("e1", "alpha", "a1", "SUCCEEDED", kT0, kT0 + 1500) + "\n" +
                             StatusEvent("e2", "beta", "b1", "FAILED", kT0 + 1000, kT0 + 2000) + "\n" +
                             StatusEvent("e3", "beta", "b2", "RUNNING", kT0 + 2000) + "\n");
  ASSERT_EQ(posted.status, 200) << posted.body;

  auto query = Exidx({"query", "--store", Store(), "--format", "json"});
  ASSERT_EQ(query.exit_status, 0) << query.err;
  std::vector<std::string> names;
  const json::value page = json::parse(query.out);
  for (const auto& item : page.at("executions").as_array()) {
    names.emplace_back(item.at("name").as_string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"b2", "b1", "a1"}));

  auto stats = Exidx({"stats", "--store", Store(), "--format", "json", "--from", "2025-09-29", "--to", "2025-09-29"});
  ASSERT_EQ(stats.exit_status, 0) << stats.err;
  EXPECT_EQ(json::parse(stats.out).at("totals").at("executions").to_number<std::int64_t>(), 3);

  // What the server indexes after a reader's open is seen by the next reader.
  posted = HttpCall(server.port(), "POST", "/v1/events", {{"Content-Type", "application/json"}},
                    StatusEvent("e4", "alpha", "a2", "RUNNING", kT0 + 3000));
  ASSERT_EQ(posted.status, 200) << posted.body;
  query = Exidx({"query", "--store", Store(), "--format", "json", "--agent", "alpha"});
  ASSERT_EQ(query.exit_status, 0) << query.err;
  EXPECT_EQ(json::parse(query.out).at("executions").as_array().size(), 2u);

  // The server still writes: the readers took no lock and left nothing behind.
  posted = HttpCall(server.port(), "POST", "/v1/events", {{"Content-Type", "application/json"}},
                    StatusEvent("e5", "alpha", "a2", "SUCCEEDED", kT0 + 3000, kT0 + 4000));
  EXPECT_EQ(posted.status, 200) << posted.body;
  EXPECT_EQ(server.Stop(SIGTERM), 0) << server.Log();
}

TEST_F(ReadOnlyCliTest, AReaderOfAMissingStoreFailsNamingItAndCreatesNothing) {
  const std::string typo = dir_.File("typo");
  for (const char* command : {"query", "stats"}) {
    auto read = Exidx({command, "--store", typo});
    EXPECT_EQ(read.exit_status, 1) << command;
    EXPECT_NE(read.err.find(typo), std::string::npos) << read.err;
    EXPECT_NE(read.err.find("exidx ingest FILE --store " + typo), std::string::npos) << read.err;
    EXPECT_TRUE(read.out.empty()) << read.out;
    EXPECT_FALSE(std::filesystem::exists(typo)) << command;
  }
  // A command that writes still creates it.
  WriteFile(dir_.File("one.json"), StatusEvent("e1", "alpha", "a1", "RUNNING", kT0));
  auto ingest = Exidx({"ingest", dir_.File("one.json"), "--store", typo, "--index-all"});
  ASSERT_EQ(ingest.exit_status, 0) << ingest.err;
  auto query = Exidx({"query", "--store", typo});
  EXPECT_EQ(query.exit_status, 0) << query.err;
  EXPECT_NE(query.out.find("(1 execution)"), std::string::npos) << query.out;
}

TEST_F(ReadOnlyCliTest, UnknownCommandsAndOptionsAreNamedWithTheClosestOne) {
  auto typo = Exidx({"qeury"});
  EXPECT_EQ(typo.exit_status, 2);
  EXPECT_EQ(typo.err, "exidx: unknown command \"qeury\"; did you mean \"query\"? (exidx --help lists the commands)\n");
  auto far = Exidx({"frobnicate", "--store", Store()});
  EXPECT_EQ(far.exit_status, 2);
  EXPECT_EQ(far.err, "exidx: unknown command \"frobnicate\" (exidx --help lists the commands)\n");
  auto nested = Exidx({"tags", "refersh"});
  EXPECT_EQ(nested.exit_status, 2);
  EXPECT_EQ(nested.err,
            "exidx tags: unknown command \"refersh\"; did you mean \"refresh\"? (exidx tags --help lists the "
            "commands)\n");
  auto option = Exidx({"query", "--store", Store(), "--agnet", "sql-agent"});
  EXPECT_EQ(option.exit_status, 2);
  EXPECT_NE(option.err.find("unknown option \"--agnet\"; did you mean \"--agent\"?"), std::string::npos) << option.err;
  EXPECT_NE(option.err.find("exidx query --help"), std::string::npos) << option.err;
  EXPECT_FALSE(std::filesystem::exists(Store())) << "nothing ran";
}

}  // namespace
}  // namespace exidx::testing
