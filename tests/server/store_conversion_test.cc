// `exidx serve` on a store written by an older build: it listens while the
// store is converted (/healthz 200, /readyz and the data routes 503 with the
// contract's error body), logs the conversion, then serves as ever. The
// conversion is held at its start (EXIDX_TEST_HOLD_CONVERSION) until the
// test has looked, so no timing decides what the test sees.
#include <signal.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "server/http_client.h"
#include "server/server_process.h"
#include "server/test_events.h"
#include "store/rocksdb/test_raw_store.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace exidx::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kExidx = EXIDX_BINARY_DIR "/src/cli/exidx";
constexpr std::int64_t kT0 = 1'759'140'000'000;  // 2025-09-29T10:00:00Z
constexpr int kExecutions = 1'500;

// Waits up to 30 s for `done`; whether it came.
template <typename Predicate>
bool WaitFor(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

// Makes the store at `path` look as a build before the agent counts and the
// hourly stats left it: their layout versions are gone.
void MakeOlder(const std::string& path) {
  auto raw = RawStore::Open(path);
  ASSERT_NE(raw, nullptr);
  for (const char* key : {"agent_counts", "hourly_stats"}) {
    ASSERT_TRUE(raw->db().Delete(rocksdb::WriteOptions(), raw->family(RawStore::kMeta), key).ok());
  }
  ASSERT_TRUE(raw->Close());
}

// A store of kExecutions executions of one agent, "machine", in an older layout.
void WriteOlderStore(const std::string& store) {
  std::string events;
  for (int i = 0; i < kExecutions; ++i) {
    events += StatusEvent("e" + std::to_string(i), "machine", "x" + std::to_string(i), "RUNNING", kT0 + i) + "\n";
  }
  auto ingest = RunProcess({kExidx, "ingest", "-", "--store", store, "--index-all", "--relaxed-durability"}, events);
  ASSERT_EQ(ingest.exit_status, 0) << ingest.err;
  MakeOlder(store);
}

// A command that writes converts the store and reports it on standard error:
// a line at the start and at the end, Progress's JSON lines between. A
// command that only reads opens read-only, so it cannot convert: it says
// which command does.
TEST(StoreConversionTest, ACommandReportsTheConversionOnStandardError) {
  TempDir dir;
  const std::string store = dir.File("store");
  ASSERT_NO_FATAL_FAILURE(WriteOlderStore(store));
  auto refused = RunProcess({kExidx, "query", "--store", store, "--format", "json", "--limit", "1"});
  EXPECT_EQ(refused.exit_status, 1) << refused.err;
  EXPECT_NE(refused.err.find("needs a conversion"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("exidx serve --store " + store), std::string::npos) << refused.err;

  auto convert = RunProcess({kExidx, "ingest", "-", "--store", store, "--index-all"}, "");
  ASSERT_EQ(convert.exit_status, 0) << convert.err;
  EXPECT_NE(convert.err.find("exidx: converting the store " + store +
                             ", written by an older build: rebuilding agent counts, hourly stats from about "),
            std::string::npos)
      << convert.err;
  const auto done = convert.err.find(R"({"progress":"convert","done":true,)");
  ASSERT_NE(done, std::string::npos) << convert.err;
  const json::object last = json::parse(convert.err.substr(done, convert.err.find('\n', done) - done)).as_object();
  EXPECT_EQ(last.at("records").as_int64(), kExecutions);
  EXPECT_NE(
      convert.err.find("exidx: the store " + store + " is converted (" + std::to_string(kExecutions) + " records)"),
      std::string::npos)
      << convert.err;

  auto query = RunProcess({kExidx, "query", "--store", store, "--format", "json", "--limit", "1"});
  ASSERT_EQ(query.exit_status, 0) << query.err;
  EXPECT_EQ(json::parse(query.out).at("executions").at(0).at("name").as_string(),
            "x" + std::to_string(kExecutions - 1));
  EXPECT_EQ(query.err, "") << "converted once";
}

TEST(StoreConversionTest, ServeIsAliveButNotReadyWhileItConvertsTheStore) {
  TempDir dir;
  const std::string store = dir.File("store");
  ASSERT_NO_FATAL_FAILURE(WriteOlderStore(store));

  const std::string release = dir.File("release-conversion");
  ASSERT_EQ(setenv("EXIDX_TEST_HOLD_CONVERSION", release.c_str(), 1), 0);
  ServerProcess server(kExidx, {"--store", store, "--index-all"}, dir.File("log"), /*wait_until_ready=*/false);
  unsetenv("EXIDX_TEST_HOLD_CONVERSION");
  ASSERT_TRUE(server.started()) << server.Log();
  ASSERT_TRUE(WaitFor([&] { return server.Log().find("\"msg\":\"converting the store\"") != std::string::npos; }))
      << server.Log();
  EXPECT_NE(server.Log().find("\"rebuilding\":\"agent counts, hourly stats\""), std::string::npos) << server.Log();

  const HttpReply health = HttpCall(server.port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body), json::parse(R"({"status":"ok"})"));
  for (const std::string target : {"/readyz", "/v1/executions", "/v1/agents"}) {
    SCOPED_TRACE(target);
    HttpReply reply = HttpCall(server.port(), "GET", target);
    EXPECT_EQ(reply.status, 503) << reply.body;
    EXPECT_EQ(reply.headers["retry-after"], "1");
    const json::object error = json::parse(reply.body).at("error").as_object();
    EXPECT_EQ(error.at("code").as_string(), "Unavailable");
    EXPECT_NE(std::string(error.at("message").as_string()).find("is being converted"), std::string::npos) << reply.body;
  }

  WriteFile(release, "");
  ASSERT_TRUE(WaitFor([&] { return HttpCall(server.port(), "GET", "/readyz").status == 200; })) << server.Log();
  const HttpReply agents = HttpCall(server.port(), "GET", "/v1/agents");
  ASSERT_EQ(agents.status, 200) << agents.body;
  EXPECT_EQ(json::parse(agents.body),
            json::parse(R"({"agents":[{"agentName":"machine","executions":)" + std::to_string(kExecutions) + "}]}"));
  const HttpReply page = HttpCall(server.port(), "GET", "/v1/executions?maxResults=3");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(json::parse(page.body).at("executions").at(0).at("name").as_string(),
            "x" + std::to_string(kExecutions - 1));

  const std::string log = server.Log();
  EXPECT_NE(log.find("\"msg\":\"store converted\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"records\":" + std::to_string(kExecutions)), std::string::npos) << log;
  EXPECT_LT(log.find("\"msg\":\"listening\""), log.find("\"msg\":\"converting the store\"")) << log;
  EXPECT_EQ(server.Stop(SIGTERM), 0) << server.Log();
}

}  // namespace
}  // namespace exidx::testing
