#include "indexer/agent_resolver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "support/fake_clock.h"
#include "support/fake_monotonic_clock.h"
#include "support/fake_tag_source.h"

namespace exidx {
namespace {

using testing::FakeClock;
using testing::FakeTagSource;

const std::string kAgentArn = "arn:aws:states:us-west-2:1:stateMachine:sql-agent-prod";
const std::string kPlainArn = "arn:aws:states:us-west-2:1:stateMachine:nightly-etl";
const Tags kAgentTags = {{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}, {"AgentName", "sql-agent"}};

// What the tag sources of these tests answer: an agent and a plain state machine.
const std::map<std::string, Tags> kTagsByArn = {{kAgentArn, kAgentTags}, {kPlainArn, {{"Team", "data"}}}};

TEST(ParseAgentTags, PairsAndErrors) {
  auto tags = ParseAgentTags("Type=Agent, Application=StepFunctionsAgent");
  ASSERT_TRUE(tags);
  EXPECT_EQ(*tags, (Tags{{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}}));
  EXPECT_EQ(ParseAgentTags("Empty=")->at("Empty"), "");
  EXPECT_FALSE(ParseAgentTags("Type"));
  EXPECT_FALSE(ParseAgentTags("=x"));
  EXPECT_FALSE(ParseAgentTags("a=b,,c=d"));
}

TEST(StateMachineName, StripsQualifiers) {
  EXPECT_EQ(StateMachineName(kAgentArn), "sql-agent-prod");
  EXPECT_EQ(StateMachineName(kAgentArn + ":3"), "sql-agent-prod");
  EXPECT_EQ(UnqualifiedStateMachineArn(kAgentArn + ":prod-alias"), kAgentArn);
  EXPECT_EQ(UnqualifiedStateMachineArn(kAgentArn), kAgentArn);
}

TEST(ClassifyAgent, RequiresAllTagsAndPrefersAgentName) {
  AgentRule rule;
  EXPECT_EQ(ClassifyAgent(rule, kAgentArn, kAgentTags), "sql-agent");
  Tags no_name = kAgentTags;
  no_name.erase("AgentName");
  EXPECT_EQ(ClassifyAgent(rule, kAgentArn, no_name), "sql-agent-prod");
  Tags partial = {{"Type", "Agent"}};
  EXPECT_EQ(ClassifyAgent(rule, kAgentArn, partial), std::nullopt);
  Tags wrong = kAgentTags;
  wrong["Type"] = "Workflow";
  EXPECT_EQ(ClassifyAgent(rule, kAgentArn, wrong), std::nullopt);
  EXPECT_EQ(ClassifyAgent(AgentRule{.index_all = true}, kPlainArn, {}), "nightly-etl");
}

TEST(AgentResolver, CachesPositiveAndNegativeWithTtl) {
  FakeTagSource source(kTagsByArn);
  FakeClock clock;
  AgentResolver resolver(&source, AgentRule{}, clock, {.agent_ttl_millis = 1000, .non_agent_ttl_millis = 500});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(resolver.AgentNameOf(kAgentArn).value(), "sql-agent");
    EXPECT_EQ(resolver.AgentNameOf(kPlainArn).value(), std::nullopt);
  }
  EXPECT_EQ(source.calls, 2);
  EXPECT_EQ(resolver.Stats().hits, 8u);
  EXPECT_EQ(resolver.Stats().misses, 2u);
  clock.Advance(600);  // Negative entry expired, positive not.
  EXPECT_EQ(resolver.AgentNameOf(kPlainArn).value(), std::nullopt);
  EXPECT_EQ(resolver.AgentNameOf(kAgentArn).value(), "sql-agent");
  EXPECT_EQ(source.calls, 3);
  clock.Advance(500);
  EXPECT_EQ(resolver.AgentNameOf(kAgentArn).value(), "sql-agent");
  EXPECT_EQ(source.calls, 4);
}

TEST(AgentResolver, VersionArnsShareTheCacheEntry) {
  FakeTagSource source(kTagsByArn);
  FakeClock clock;
  AgentResolver resolver(&source, AgentRule{}, clock);
  EXPECT_EQ(resolver.AgentNameOf(kAgentArn + ":7").value(), "sql-agent");
  EXPECT_EQ(resolver.AgentNameOf(kAgentArn).value(), "sql-agent");
  EXPECT_EQ(source.calls, 1);
}

TEST(AgentResolver, FailedLookupFailsAndIsNotCached) {
  FakeTagSource source(kTagsByArn);
  FakeClock clock;
  AgentResolver resolver(&source, AgentRule{}, clock);
  source.FailWith(ErrorCode::kUnavailable, "ThrottlingException: Rate exceeded");
  auto result = resolver.AgentNameOf(kAgentArn);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(result.error().message.find(kAgentArn), std::string::npos);
  EXPECT_EQ(resolver.Stats().failures, 1u);
  source.Recover();
  EXPECT_EQ(resolver.AgentNameOf(kAgentArn).value(), "sql-agent");
}

TEST(AgentResolver, OneLookupInFlightPerArn) {
  FakeTagSource source(kTagsByArn);
  source.delay_ms = 100;
  FakeClock clock;
  AgentResolver resolver(&source, AgentRule{}, clock);
  std::vector<std::thread> threads;
  std::atomic<int> agreed{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto name = resolver.AgentNameOf(kAgentArn);
      if (name && *name == "sql-agent") agreed++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(agreed, 8);
  EXPECT_EQ(source.calls, 1);
}

TEST(AgentResolver, TheLookupGetsTheCallersDeadline) {
  FakeTagSource source(kTagsByArn);
  FakeClock clock;
  exidx::testing::FakeMonotonicClock monotonic;
  AgentResolver resolver(&source, AgentRule{}, clock);
  EXPECT_EQ(resolver.AgentNameOf(kAgentArn, Deadline::After(std::chrono::milliseconds(700), monotonic)).value(),
            "sql-agent");
  EXPECT_TRUE(source.deadline_bounded);
  EXPECT_EQ(source.deadline_left_ms, 700);
}

TEST(AgentResolver, WaitingForAnotherCallersLookupEndsAtTheDeadline) {
  FakeTagSource source(kTagsByArn);
  std::promise<void> release;
  source.hold = release.get_future().share();
  FakeClock clock;
  AgentResolver resolver(&source, AgentRule{}, clock);
  std::thread first([&] { EXPECT_EQ(resolver.AgentNameOf(kAgentArn).value(), "sql-agent"); });
  while (source.calls.load() == 0) std::this_thread::yield();
  auto waiting = resolver.AgentNameOf(kAgentArn, Deadline::After(std::chrono::milliseconds(20)));
  ASSERT_FALSE(waiting);
  EXPECT_EQ(waiting.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(waiting.error().message.find("deadline"), std::string::npos) << waiting.error().message;
  release.set_value();
  first.join();
  EXPECT_EQ(source.calls, 1);
}

TEST(AgentResolver, IndexAllWithoutSourceUsesName) {
  FakeClock clock;
  AgentResolver resolver(nullptr, AgentRule{.index_all = true}, clock);
  EXPECT_EQ(resolver.AgentNameOf(kPlainArn).value(), "nightly-etl");
}

TEST(AgentResolver, IndexAllWithSourceStillReadsAgentName) {
  FakeTagSource source(kTagsByArn);
  FakeClock clock;
  AgentResolver resolver(&source, AgentRule{.index_all = true}, clock);
  EXPECT_EQ(resolver.AgentNameOf(kAgentArn).value(), "sql-agent");
  EXPECT_EQ(resolver.AgentNameOf(kPlainArn).value(), "nightly-etl");
}

}  // namespace
}  // namespace exidx
