// `exidx tags refresh` as the README shows it, against moto_server: a state
// machine tagged as an agent after an ingest saw it untagged is indexed at
// once after the refresh, on the same store; its usage errors exit 2.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "aws/moto_server.h"
#include "aws/sfn_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace exidx {
namespace {

namespace json = boost::json;
using aws::testing::MotoServer;
using testing::RunProcess;

const std::string kExidx = EXIDX_BINARY_DIR "/src/cli/exidx";

std::string Event(const std::string& machine, const std::string& name) {
  const std::string execution = "arn:aws:states:us-east-1:123456789012:execution:late-agent:" + name;
  return R"({"version":"0","id":")" + name +
         R"(","detail-type":"Step Functions Execution Status Change","source":"aws.states","account":"123456789012",)"
         R"("time":"2026-12-01T10:00:00Z","region":"us-east-1","resources":[")" +
         execution + R"("],"detail":{"executionArn":")" + execution + R"(","stateMachineArn":")" + machine +
         R"(","name":")" + name + R"(","status":"RUNNING","startDate":1764583200000,"stopDate":null}})" + "\n";
}

TEST(TagsCliTest, RefreshMakesANewlyTaggedStateMachineAnAgentAtOnce) {
  MotoServer moto;
  if (!moto.ok()) GTEST_SKIP() << "moto_server unavailable: " << moto.error();
  for (const char* name : {"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}) {
    ::setenv(name, moto.env().Get(name).value_or("").c_str(), 1);
  }
  ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  auto client = aws::StepFunctionsClient::Create(moto.Context());
  ASSERT_TRUE(client);
  const json::object create{{"name", "late-agent"},
                            {"definition", R"({"StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}})"},
                            {"roleArn", "arn:aws:iam::123456789012:role/exidx-test"}};
  auto made = (*client)->json_client().Call("CreateStateMachine", json::serialize(create));
  ASSERT_TRUE(made) << made.error().message;
  const std::string machine(json::parse(*made).at("stateMachineArn").as_string());

  testing::TempDir dir;
  const std::string store = (dir.path() / "data").string();
  const std::string events = (dir.path() / "events.ndjson").string();
  std::ofstream(events) << Event(machine, "before");
  auto ingested = RunProcess({kExidx, "ingest", events, "--store", store});
  ASSERT_EQ(ingested.exit_status, 0) << ingested.err;
  EXPECT_NE(ingested.out.find(R"("skipped":1)"), std::string::npos) << ingested.out;  // Not an agent yet.

  const json::object tag{{"resourceArn", machine},
                         {"tags", json::array{json::object{{"key", "Type"}, {"value", "Agent"}},
                                              json::object{{"key", "Application"}, {"value", "StepFunctionsAgent"}},
                                              json::object{{"key", "AgentName"}, {"value", "late"}}}}};
  ASSERT_TRUE((*client)->json_client().Call("TagResource", json::serialize(tag)));
  // The README's command.
  auto refreshed = RunProcess({kExidx, "tags", "refresh", "--state-machine", machine, "--store", store});
  ASSERT_EQ(refreshed.exit_status, 0) << refreshed.err;
  EXPECT_EQ(refreshed.out, "{\"stateMachines\":1,\"agents\":1,\"notAgents\":0}\n");
  auto all = RunProcess({kExidx, "tags", "refresh", "--store", store});  // Every state machine of the region.
  ASSERT_EQ(all.exit_status, 0) << all.err;
  EXPECT_EQ(all.out, "{\"stateMachines\":1,\"agents\":1,\"notAgents\":0}\n");

  std::ofstream(events) << Event(machine, "after");
  ingested = RunProcess({kExidx, "ingest", events, "--store", store});
  ASSERT_EQ(ingested.exit_status, 0) << ingested.err;
  EXPECT_NE(ingested.out.find(R"("indexed":1)"), std::string::npos) << ingested.out;
  auto listed = RunProcess({kExidx, "query", "--store", store, "--agent", "late", "--format", "json"});
  ASSERT_EQ(listed.exit_status, 0) << listed.err;
  EXPECT_EQ(json::parse(listed.out).at("executions").as_array().size(), 1u);

  EXPECT_EQ(RunProcess({kExidx, "tags", "refresh", "--index-all", "--store", store}).exit_status, 2);
  EXPECT_EQ(RunProcess({kExidx, "tags"}).exit_status, 2);
}

}  // namespace
}  // namespace exidx
