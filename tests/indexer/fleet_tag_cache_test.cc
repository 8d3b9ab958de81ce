// A fleet of index-handler "containers" (threads, each with its own clients,
// store connection, local tag cache and token bucket, as separate Lambda
// containers have) indexing a burst across many state machines on moto,
// with Step Functions' ListTagsForResource behind a proxy that enforces the
// service's quota (a bucket of 100 refilled at 1 per second): the shared tag
// cache keeps the lookups to about one per state machine, no event fails for
// longer than the retry window, and none is indexed by guess.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "aws/moto_server.h"
#include "backfill/step_functions_world.h"
#include "core/event.h"
#include "dynamodb/fault_proxy.h"
#include "indexer/agent_resolver.h"
#include "indexer/indexer.h"
#include "indexer/shared_tag_cache.h"
#include "indexer/step_functions_tag_source.h"
#include "store/dynamodb/dynamodb_store.h"

namespace exidx {
namespace {

using aws::testing::MotoServer;
using testing::StepFunctionsWorld;

constexpr int kStateMachines = 50;
constexpr int kContainers = 30;
constexpr std::string_view kTable = "FleetTagCache";
// EventBridge retries a failed event for up to a day; a test waits this long.
constexpr auto kRetryWindow = std::chrono::seconds(120);

std::string RunningEvent(const std::string& state_machine_arn, const std::string& name, EpochMillis start) {
  const std::string execution = fmt::format("{}:{}", state_machine_arn, name);
  const std::size_t marker = execution.find(":stateMachine:");
  const std::string execution_arn = execution.substr(0, marker) + ":execution:" + execution.substr(marker + 14);
  return fmt::format(
      R"({{"version":"0","id":"{0}","detail-type":"Step Functions Execution Status Change","source":"aws.states",)"
      R"("account":"123456789012","time":"2026-12-01T10:00:00Z","region":"us-east-1","resources":["{1}"],)"
      R"("detail":{{"executionArn":"{1}","stateMachineArn":"{2}","name":"{0}","status":"RUNNING",)"
      R"("startDate":{3},"stopDate":null}}}})",
      name, execution_arn, state_machine_arn, start);
}

// One Lambda container of the index function.
struct Container {
  std::shared_ptr<aws::StepFunctionsRegions> regions;
  std::unique_ptr<StepFunctionsTagSource> tags;
  std::unique_ptr<DynamoDbStore> store;
  std::unique_ptr<SharedTagCache> shared;
  std::unique_ptr<AgentResolver> resolver;
  std::unique_ptr<Indexer> indexer;
};

// Runs the burst with ListTagsForResource limited to `quota`; checks that
// every event is applied within the retry window and what it made; answers
// the proxy's counts.
testing::FaultProxyStats RunBurst(std::optional<testing::FaultRates::Quota> quota, bool shared = true) {
  MotoServer moto;
  if (!moto.ok()) {
    ADD_FAILURE() << "moto_server unavailable: " << moto.error();
    return {};
  }
  auto setup_regions = testing::RegionsOver(moto.Context());
  StepFunctionsWorld world(setup_regions->Home());
  std::vector<std::string> machines;
  for (int i = 0; i < kStateMachines; ++i) {
    Tags tags = i % 2 == 0 ? testing::kAgentTags : Tags{{"Team", "data"}};
    if (i % 2 == 0) tags["AgentName"] = "agent-" + std::to_string(i);
    machines.push_back(world.StateMachine("fleet-" + std::to_string(i), tags));
  }
  auto direct = aws::JsonClient::Create(moto.Context(), aws::AwsService::kDynamoDb, "DynamoDB_20120810");
  EXPECT_TRUE(direct && DynamoDbStore::CreateTable(**direct, std::string(kTable), TableLayout::kNoStatistics));

  testing::FaultProxy proxy(moto.url(), /*seed=*/7);
  proxy.SetFaults({.operations = {"ListTagsForResource"}, .quota = quota});
  const aws::MapEnvironment env = {{"AWS_ENDPOINT_URL", moto.url()},
                                   {"AWS_ENDPOINT_URL_SFN", proxy.url()},
                                   {"AWS_REGION", "us-east-1"},
                                   {"AWS_ACCESS_KEY_ID", "testing"},
                                   {"AWS_SECRET_ACCESS_KEY", "testing"}};
  SystemClock clock;
  std::vector<Container> fleet(kContainers);
  for (Container& container : fleet) {
    auto context = aws::AwsContext::Default(env);
    container.regions = testing::RegionsOver(context, aws::StepFunctionsRegionsOptions{.limit_to_quotas = true});
    if (!container.regions) return {};
    container.tags = std::make_unique<StepFunctionsTagSource>(container.regions);
    auto store = DynamoDbStore::Open(context, DynamoDbStoreOptions{.table_name = std::string(kTable)});
    EXPECT_TRUE(store) << store.error().message;
    if (!store) return {};
    container.store = std::move(*store);
    if (shared)
      container.shared = std::make_unique<SharedTagCache>(*container.store, RuleFingerprint(AgentRule{}), clock);
    container.resolver = std::make_unique<AgentResolver>(container.tags.get(), AgentRule{}, clock,
                                                         AgentResolverOptions{}, container.shared.get());
    container.indexer = std::make_unique<Indexer>(*container.store, *container.resolver, clock);
  }

  // Every container gets an event of every state machine at once, each in
  // its own order, and retries a failed one as EventBridge would.
  std::atomic<int> failed_attempts{0}, gave_up{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kContainers; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < kStateMachines; ++i) {
        const int machine = (i + c * 7) % kStateMachines;
        auto event = ParseEvent(
            RunningEvent(machines[machine], fmt::format("c{}-m{}", c, machine), 1'764'583'200'000 + c * 1000 + machine),
            1);
        ASSERT_TRUE(event) << event.error().message;
        const auto first_try = std::chrono::steady_clock::now();
        for (;;) {
          auto counts = fleet[c].indexer->Ingest(std::span<const ParsedEvent>(&*event, 1),
                                                 Deadline::After(std::chrono::seconds(10)));
          if (counts) break;
          ++failed_attempts;
          if (std::chrono::steady_clock::now() - first_try > kRetryWindow) {
            ++gave_up;
            break;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  const testing::FaultProxyStats calls = proxy.Stats();
  std::uint64_t shared_hits = 0, lookups = 0;
  for (const Container& container : fleet) {
    shared_hits += container.resolver->Stats().shared.hits;
    lookups += container.resolver->Stats().misses;
  }
  std::cout << "ListTagsForResource requests: " << calls.faultable << " (throttled " << calls.throttled << "), lookups "
            << lookups << ", shared-cache hits " << shared_hits << ", failed attempts " << failed_attempts.load()
            << "\n";
  EXPECT_EQ(gave_up.load(), 0);

  // Every agent's execution is indexed under its agent; no other one is.
  std::vector<ExecutionRecord> all;
  std::optional<Cursor> after;
  for (;;) {
    auto page = fleet[0].store->Scan(ScanRequest{.order = SortOrder::kAsc, .after = after, .limit = 500});
    EXPECT_TRUE(page) << page.error().message;
    if (!page) return calls;
    all.insert(all.end(), page->begin(), page->end());
    if (page->size() < 500) break;
    after = Cursor{page->back().start_date, page->back().execution_arn};
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kContainers * kStateMachines / 2));
  for (const ExecutionRecord& record : all) {
    const std::string machine = StateMachineName(record.state_machine_arn);
    const int index = std::stoi(machine.substr(machine.find('-') + 1));
    EXPECT_EQ(index % 2, 0) << record.execution_arn;
    EXPECT_EQ(record.agent_name, "agent-" + std::to_string(index));
  }
  return calls;
}

// Step Functions' own quota: one lookup per state machine, none throttled.
TEST(FleetTagCacheTest, ABurstAcrossManyStateMachinesAsksOncePerStateMachineWithinTheQuota) {
  const testing::FaultProxyStats calls = RunBurst(testing::FaultRates::Quota{.burst = 100, .per_second = 1});
  EXPECT_LE(calls.faultable, static_cast<std::uint64_t>(kStateMachines) + 5);
  EXPECT_EQ(calls.throttled, 0u);
}

// Without the shared cache (and without a quota, or most would be
// throttled), every container asks for every state machine: 1,500 lookups
// for 1,500 events, 1,400 past the bucket Step Functions would allow.
TEST(FleetTagCacheTest, WithoutTheSharedCacheEveryContainerAsksForEveryStateMachine) {
  const testing::FaultProxyStats calls = RunBurst(std::nullopt, /*shared=*/false);
  EXPECT_EQ(calls.faultable, static_cast<std::uint64_t>(kStateMachines * kContainers));
}

// A quota smaller than the burst: lookups are throttled, their events fail
// and are retried, and every one ends indexed right (RunBurst checks).
TEST(FleetTagCacheTest, ThrottledLookupsFailTheirEventsUntilARetrySucceedsNeverAGuess) {
  const testing::FaultProxyStats calls = RunBurst(testing::FaultRates::Quota{.burst = 10, .per_second = 5});
  EXPECT_GT(calls.throttled, 0u);
  EXPECT_LE(calls.faultable - calls.throttled, static_cast<std::uint64_t>(kStateMachines) + 5);
}

}  // namespace
}  // namespace exidx
