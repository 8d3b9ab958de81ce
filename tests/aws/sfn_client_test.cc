// The Step Functions client and StepFunctionsTagSource against moto_server.
#include "aws/sfn_client.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "aws/moto_server.h"
#include "indexer/agent_resolver.h"
#include "indexer/step_functions_tag_source.h"
#include "support/fake_clock.h"

namespace exidx::aws {
namespace {

using testing::MotoServer;

constexpr const char* kDefinition = R"({"StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}})";

class StepFunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!server().ok()) GTEST_SKIP() << "moto_server unavailable: " << server().error();
    auto client =
        StepFunctionsClient::Create(server().Context(), JsonClientOptions{.retry_base = std::chrono::milliseconds(1)});
    ASSERT_TRUE(client) << client.error().message;
    client_ = std::shared_ptr<StepFunctionsClient>(std::move(*client));
    auto regions = StepFunctionsRegions::Create(
        server().Context(), StepFunctionsRegionsOptions{.client = {.retry_base = std::chrono::milliseconds(1)}});
    ASSERT_TRUE(regions) << regions.error().message;
    regions_ = std::move(*regions);
  }

  static MotoServer& server() { return MotoServer::Shared(); }

  // Creates a state machine with these tags; returns its ARN.
  std::string CreateStateMachine(const std::string& name, const Tags& tags) {
    boost::json::array tag_list;
    for (const auto& [key, value] : tags) tag_list.push_back(boost::json::object{{"key", key}, {"value", value}});
    boost::json::object request{{"name", name},
                                {"definition", kDefinition},
                                {"roleArn", "arn:aws:iam::123456789012:role/exidx-test"},
                                {"tags", tag_list}};
    auto body = client_->json_client().Call("CreateStateMachine", boost::json::serialize(request));
    EXPECT_TRUE(body) << body.error().message;
    if (!body) return "";
    return std::string(boost::json::parse(*body).at("stateMachineArn").as_string());
  }

  std::shared_ptr<StepFunctionsClient> client_;
  std::shared_ptr<StepFunctionsRegions> regions_;
};

TEST_F(StepFunctionsTest, TagsOfTaggedUntaggedAndMissingStateMachines) {
  const std::string tagged = CreateStateMachine(
      "tagged-agent", {{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}, {"AgentName", "Researcher"}});
  const std::string untagged = CreateStateMachine("untagged", {});
  StepFunctionsTagSource source(regions_);

  auto tags = source.TagsOf(tagged, Deadline::Never());
  ASSERT_TRUE(tags) << tags.error().message;
  EXPECT_EQ(*tags, (Tags{{"AgentName", "Researcher"}, {"Application", "StepFunctionsAgent"}, {"Type", "Agent"}}));

  auto none = source.TagsOf(untagged, Deadline::Never());
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->empty());

  auto missing = source.TagsOf("arn:aws:states:us-east-1:123456789012:stateMachine:no-such-machine", Deadline::Never());
  ASSERT_TRUE(missing) << missing.error().message;
  EXPECT_TRUE(missing->empty());
}

TEST_F(StepFunctionsTest, ResolverNamesAgentsAndCachesLookups) {
  const std::string named = CreateStateMachine(
      "named-agent", {{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}, {"AgentName", "sql-agent"}});
  const std::string unnamed =
      CreateStateMachine("unnamed-agent", {{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}});
  const std::string other = CreateStateMachine("not-an-agent", {{"Type", "Batch"}});
  StepFunctionsTagSource source(regions_);
  exidx::testing::FakeClock clock;
  AgentResolver resolver(&source, AgentRule{}, clock);
  const auto requests_before = regions_->Home().json_client().Stats().requests;

  EXPECT_EQ(resolver.AgentNameOf(named).value(), std::optional<std::string>("sql-agent"));
  EXPECT_EQ(resolver.AgentNameOf(unnamed).value(), std::optional<std::string>("unnamed-agent"));
  EXPECT_EQ(resolver.AgentNameOf(other).value(), std::nullopt);
  // A version-qualified ARN reads the tags of its state machine, from the cache.
  EXPECT_EQ(resolver.AgentNameOf(named + ":1").value(), std::optional<std::string>("sql-agent"));
  EXPECT_EQ(resolver.AgentNameOf(named).value(), std::optional<std::string>("sql-agent"));
  EXPECT_EQ(resolver.AgentNameOf(other).value(), std::nullopt);

  const auto stats = resolver.Stats();
  EXPECT_EQ(stats.misses, 3u);
  EXPECT_EQ(stats.hits, 3u);
  EXPECT_EQ(regions_->Home().json_client().Stats().requests - requests_before, 3u);
  EXPECT_EQ(regions_->Stats().calls.requests - requests_before, 3u);
}

TEST_F(StepFunctionsTest, ListsStateMachinesAndExecutionsAcrossPages) {
  const std::string arn = CreateStateMachine("paged", {});
  for (int i = 0; i < 5; ++i) {
    boost::json::object request{{"stateMachineArn", arn}, {"name", "run-" + std::to_string(i)}};
    ASSERT_TRUE(client_->json_client().Call("StartExecution", boost::json::serialize(request)));
  }
  std::vector<std::string> names;
  std::optional<std::string> token;
  int pages = 0;
  do {
    auto page = client_->ListExecutions(arn, std::nullopt, token, 2);
    ASSERT_TRUE(page) << page.error().message;
    for (const auto& e : page->items) {
      names.push_back(e.name);
      EXPECT_EQ(e.state_machine_arn, arn);
      EXPECT_GT(e.start_date, 1'600'000'000'000);
    }
    token = page->next_token;
    ++pages;
  } while (token && pages < 10);
  EXPECT_EQ(names.size(), 5u);
  EXPECT_GE(pages, 3);

  bool found = false;
  token.reset();
  pages = 0;
  do {
    auto page = client_->ListStateMachines(token, 1);
    ASSERT_TRUE(page) << page.error().message;
    for (const auto& m : page->items) found = found || (m.state_machine_arn == arn && m.name == "paged");
    token = page->next_token;
  } while (token && ++pages < 100);
  EXPECT_TRUE(found);

  auto described = client_->DescribeExecution(arn.substr(0, arn.find(":stateMachine:")) + ":execution:paged:run-0");
  ASSERT_TRUE(described) << described.error().message;
  EXPECT_EQ(described->summary.name, "run-0");
  EXPECT_FALSE(described->summary.status.empty());
}

TEST(RegionOfArn, TheFourthFieldOfAnArn) {
  EXPECT_EQ(RegionOfArn("arn:aws:states:eu-west-1:123456789012:stateMachine:a"),
            std::optional<std::string>("eu-west-1"));
  EXPECT_EQ(RegionOfArn("arn:aws-cn:states:cn-north-1:1:execution:a:b"), std::optional<std::string>("cn-north-1"));
  EXPECT_EQ(RegionOfArn("arn:aws:states::123456789012:stateMachine:a"), std::nullopt);
  EXPECT_EQ(RegionOfArn("not-an-arn"), std::nullopt);
  EXPECT_EQ(RegionOfArn("urn:aws:states:us-east-1:1:stateMachine:a"), std::nullopt);
}

TEST_F(StepFunctionsTest, TagsAreReadInTheRegionOfTheStateMachinesArn) {
  // A state machine made in eu-west-1 (moto keeps each region apart); the
  // environment's region is us-east-1.
  auto west = regions_->ForArn("arn:aws:states:eu-west-1:123456789012:stateMachine:x");
  ASSERT_TRUE(west) << west.error().message;
  boost::json::object request{
      {"name", "western-agent"},
      {"definition", kDefinition},
      {"roleArn", "arn:aws:iam::123456789012:role/exidx-test"},
      {"tags", boost::json::array{boost::json::object{{"key", "AgentName"}, {"value", "west"}}}}};
  auto body = (*west)->json_client().Call("CreateStateMachine", boost::json::serialize(request));
  ASSERT_TRUE(body) << body.error().message;
  const std::string arn(boost::json::parse(*body).at("stateMachineArn").as_string());
  ASSERT_EQ(RegionOfArn(arn), std::optional<std::string>("eu-west-1"));

  StepFunctionsTagSource source(regions_);
  auto tags = source.TagsOf(arn, Deadline::Never());
  ASSERT_TRUE(tags) << tags.error().message;
  EXPECT_EQ(*tags, (Tags{{"AgentName", "west"}}));
  // The home region's client does not know it.
  auto home = client_->ListTagsForResource(arn);
  EXPECT_TRUE(!home || home->empty());
}

TEST(StepFunctionsFailureTest, LookupFailureFailsTheEventInsteadOfGuessing) {
  MotoServer server;
  if (!server.ok()) GTEST_SKIP() << "moto_server unavailable: " << server.error();
  auto context = server.Context();
  auto regions = StepFunctionsRegions::Create(
      context, StepFunctionsRegionsOptions{.client = {.retry_base = std::chrono::milliseconds(1)}});
  ASSERT_TRUE(regions);
  StepFunctionsTagSource source(std::move(*regions));
  const std::string arn = "arn:aws:states:us-east-1:123456789012:stateMachine:whatever";
  ASSERT_TRUE(source.TagsOf(arn, Deadline::Never()));
  server.Stop();
  auto tags = source.TagsOf(arn, Deadline::Never());
  ASSERT_FALSE(tags);
  EXPECT_EQ(tags.error().code, ErrorCode::kUnavailable);

  exidx::testing::FakeClock clock;
  AgentResolver resolver(&source, AgentRule{}, clock);
  auto decision = resolver.AgentNameOf(arn);
  ASSERT_FALSE(decision);
  EXPECT_EQ(decision.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(resolver.Stats().failures, 1u);
}

}  // namespace
}  // namespace exidx::aws
