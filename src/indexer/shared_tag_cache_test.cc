#include "indexer/shared_tag_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "indexer/agent_resolver.h"
#include "support/fake_clock.h"
#include "support/fake_tag_source.h"
#include "support/reference_store.h"
#include "support/wrapping_store.h"

namespace exidx {
namespace {

using testing::FakeClock;
using testing::FakeTagSource;
using testing::ReferenceStore;
using testing::WrappingStore;

std::string Arn(int i) {
  return "arn:aws:states:us-east-1:123456789012:stateMachine:machine-" + std::to_string(i);
}

// Even machines are agents.
std::map<std::string, Tags> Fleet(int machines) {
  std::map<std::string, Tags> tags;
  for (int i = 0; i < machines; i += 2) {
    tags[Arn(i)] = {
        {"Type", "Agent"}, {"Application", "StepFunctionsAgent"}, {"AgentName", "agent-" + std::to_string(i)}};
  }
  return tags;
}

// One process: its own resolver (and local cache) over the shared store.
struct Process {
  Process(ExecutionStore& store, TagSource& source, const Clock& clock, AgentRule rule = {})
      : shared(store, RuleFingerprint(rule), clock), resolver(&source, rule, clock, AgentResolverOptions{}, &shared) {}
  SharedTagCache shared;
  AgentResolver resolver;
};

const Deadline kLong = Deadline::Never();

TEST(SharedTagCache, ProcessesOverOneStoreAskTheSourceOncePerStateMachine) {
  constexpr int kMachines = 20;
  constexpr int kProcesses = 8;
  ReferenceStore store;
  FakeTagSource source(Fleet(kMachines));
  source.delay_ms = 20;  // Lookups overlap.
  FakeClock clock;
  std::vector<std::unique_ptr<Process>> processes;
  for (int p = 0; p < kProcesses; ++p) processes.push_back(std::make_unique<Process>(store, source, clock));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int p = 0; p < kProcesses; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kMachines; ++i) {
        const int machine = (i + p * 3) % kMachines;  // Each process in its own order.
        auto name = processes[p]->resolver.AgentNameOf(Arn(machine), Deadline::After(std::chrono::seconds(30)));
        const std::optional<std::string> expected =
            machine % 2 == 0 ? std::optional<std::string>("agent-" + std::to_string(machine)) : std::nullopt;
        if (!name || *name != expected) ++wrong;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(source.calls.load(), kMachines);
  std::uint64_t hits = 0, waits = 0;
  for (const auto& process : processes) {
    hits += process->shared.Stats().hits;
    waits += process->shared.Stats().waits;
  }
  EXPECT_EQ(hits, static_cast<std::uint64_t>(kMachines * (kProcesses - 1)));
  EXPECT_GT(waits, 0u);
}

TEST(SharedTagCache, DecisionsExpireWithTheirTtlsAndAnotherRuleIsNoAnswer) {
  ReferenceStore store;
  FakeTagSource source(Fleet(2));
  FakeClock clock;
  Process first(store, source, clock);
  ASSERT_EQ(first.resolver.AgentNameOf(Arn(0), kLong).value(), std::optional<std::string>("agent-0"));
  ASSERT_EQ(first.resolver.AgentNameOf(Arn(1), kLong).value(), std::nullopt);
  EXPECT_EQ(source.calls.load(), 2);

  clock.Advance(5 * 60 * 1000);  // The non-agent decision's TTL: it is read again, the agent's is not.
  Process second(store, source, clock);
  ASSERT_TRUE(second.resolver.AgentNameOf(Arn(0), kLong));
  ASSERT_TRUE(second.resolver.AgentNameOf(Arn(1), kLong));
  EXPECT_EQ(source.calls.load(), 3);
  clock.Advance(10 * 60 * 1000);  // Now the agent's too.
  Process third(store, source, clock);
  ASSERT_TRUE(third.resolver.AgentNameOf(Arn(0), kLong));
  EXPECT_EQ(source.calls.load(), 4);

  // A process under another rule makes its own decision.
  AgentRule other;
  other.required_tags = {{"Type", "Agent"}};
  Process differently(store, source, clock, other);
  ASSERT_EQ(differently.resolver.AgentNameOf(Arn(0), kLong).value(), std::optional<std::string>("agent-0"));
  EXPECT_EQ(source.calls.load(), 5);
}

TEST(SharedTagCache, AFailedLookupEndsItsLeaseAndIsNotKept) {
  ReferenceStore store;
  FakeTagSource source(Fleet(2));
  FakeClock clock;
  Process process(store, source, clock);
  source.FailWith(ErrorCode::kUnavailable, "ThrottlingException", 1);
  auto failed = process.resolver.AgentNameOf(Arn(0), kLong);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  auto entry = store.ReadTagEntry(Arn(0), kLong).value();
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->lease_until, 0);
  EXPECT_FALSE(entry->decided);
  // The next event asks again at once, and gets the answer.
  Process other(store, source, clock);
  EXPECT_EQ(other.resolver.AgentNameOf(Arn(0), kLong).value(), std::optional<std::string>("agent-0"));
  EXPECT_EQ(source.calls.load(), 2);
}

TEST(SharedTagCache, ALeaseHeldByAProcessThatDiedRunsOut) {
  ReferenceStore store;
  FakeTagSource source(Fleet(2));
  FakeClock clock;
  ASSERT_TRUE(store.SwapTagEntry(Arn(0), 0, TagCacheEntry{.lease_until = clock.NowMillis() + 10'000}, kLong).value());
  Process process(store, source, clock);
  // While the lease lasts, a caller waits and, at its deadline, fails: retried later, never guessed.
  auto waited = process.resolver.AgentNameOf(Arn(0), Deadline::After(std::chrono::milliseconds(300)));
  ASSERT_FALSE(waited);
  EXPECT_EQ(waited.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(source.calls.load(), 0);
  EXPECT_EQ(process.shared.Stats().waits, 1u);
  clock.Advance(10'000);
  EXPECT_EQ(process.resolver.AgentNameOf(Arn(0), kLong).value(), std::optional<std::string>("agent-0"));
  EXPECT_EQ(source.calls.load(), 1);
}

TEST(SharedTagCache, AFailingStoreFallsBackToTheSource) {
  ReferenceStore inner;
  WrappingStore store(inner);
  store.FailEvery(WrappingStore::Method::kReadTagEntry, ErrorCode::kUnavailable, "throttled");
  FakeTagSource source(Fleet(2));
  FakeClock clock;
  Process process(store, source, clock);
  EXPECT_EQ(process.resolver.AgentNameOf(Arn(0), kLong).value(), std::optional<std::string>("agent-0"));
  EXPECT_EQ(source.calls.load(), 1);
  EXPECT_EQ(process.shared.Stats().store_errors, 1u);
  // A lease won, then a failed write of the decision: the answer stands.
  store.Heal(WrappingStore::Method::kReadTagEntry);
  store.FailNext(WrappingStore::Method::kSwapTagEntry, 1, ErrorCode::kUnavailable, "throttled");
  EXPECT_EQ(process.resolver.AgentNameOf(Arn(1), kLong).value(), std::nullopt);
  EXPECT_EQ(process.shared.Stats().store_errors, 2u);
}

TEST(SharedTagCache, ARefreshReachesEveryProcessWithinTheRecheckTime) {
  ReferenceStore store;
  FakeTagSource source(Fleet(2));
  FakeClock clock;
  Process reader(store, source, clock);
  ASSERT_EQ(reader.resolver.AgentNameOf(Arn(1), kLong).value(), std::nullopt);  // Not an agent yet.
  source.tags[Arn(1)] = {{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}};  // Tagged now.
  Process operator_(store, source, clock);
  EXPECT_EQ(operator_.resolver.Refresh(Arn(1), kLong).value(), std::optional<std::string>("machine-1"));
  EXPECT_EQ(source.calls.load(), 2);
  // The reader keeps its own copy a while, then reads the store (not the source).
  EXPECT_EQ(reader.resolver.AgentNameOf(Arn(1), kLong).value(), std::nullopt);
  clock.Advance(AgentResolverOptions{}.shared_recheck_millis);
  EXPECT_EQ(reader.resolver.AgentNameOf(Arn(1), kLong).value(), std::optional<std::string>("machine-1"));
  EXPECT_EQ(source.calls.load(), 2);
}

}  // namespace
}  // namespace exidx
