// The conformance suite every ExecutionStore must pass, whatever is behind it:
// random event streams and random queries (every filter combination, both
// orders, page sizes 1..1000, every page walked by token) answered exactly as
// the brute-force ReferenceStore answers them; and the merge rule's promise
// that any permutation of an execution's events, with duplicates, ends in the
// same record. Stores join the suite through StoreFactory (store_factories.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ostream>
#include <random>
#include <thread>

#include "conformance/store_factories.h"
#include "indexer/indexer.h"
#include "query/list_executions.h"
#include "support/fake_clock.h"
#include "support/random_stream.h"
#include "support/reference_store.h"

namespace exidx {

// Readable failures; internal linkage, found by argument-dependent lookup.
[[maybe_unused]] static void PrintTo(const HourlyStat& s, std::ostream* os) {
  *os << "{hour=" << s.hour << " agent=" << Quoted(s.agent_name) << " " << StatusName(s.status) << " n=" << s.executions
      << " bins=";
  for (const auto& [bin, n] : s.durations) *os << bin << ":" << n << ",";
  *os << "}";
}
[[maybe_unused]] static void PrintTo(const AgentSummary& a, std::ostream* os) {
  *os << Quoted(a.agent_name) << ":" << a.executions;
}

namespace {

using testing::FakeClock;
using testing::ReferenceStore;

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value ? std::atoi(value) : fallback;
}

const std::vector<std::string> kAgents = {"sql-agent", "research-agent", "a", "ab",
                                          "a\x01"
                                          "b"};

// A random history: executions of a few agents whose start dates collide
// often (so ties are broken by executionArn), each with its full event
// sequence, some redriven; then delivery faults: duplicates and reordering.
std::vector<StatusChangeEvent> RandomEvents(std::mt19937_64& rng, int executions) {
  std::vector<StatusChangeEvent> events;
  auto pick = [&rng](auto n) { return static_cast<decltype(n)>(rng() % static_cast<std::uint64_t>(n)); };
  const EpochMillis base = 1'759'000'000'000;
  for (int i = 0; i < executions; ++i) {
    const std::string& agent = kAgents[pick(kAgents.size())];
    StatusChangeEvent e;
    e.state_machine_arn = "arn:aws:states:us-west-2:1:stateMachine:" + agent;
    e.execution_name = "x" + std::to_string(rng() % 100000);
    e.execution_arn = "arn:aws:states:us-west-2:1:execution:" + agent + ":" + e.execution_name;
    e.start_date = base + static_cast<EpochMillis>(pick(200)) * 1000 + (pick(4) == 0 ? pick(1000) : 0);
    e.status = ExecutionStatus::kRunning;
    e.event_id = e.execution_arn + "/0";
    events.push_back(e);
    const int rounds = pick(10) == 0 ? 2 + pick(2) : 1;
    for (int round = 0; round < rounds; ++round) {
      if (round > 0) {
        StatusChangeEvent redrive = events.back();
        redrive.status = pick(3) == 0 ? ExecutionStatus::kPendingRedrive : ExecutionStatus::kRunning;
        redrive.stop_date.reset();
        redrive.error.reset();
        redrive.redrive_count = round;
        events.push_back(redrive);
      }
      if (pick(20) == 0) break;  // Still running.
      StatusChangeEvent done = events.back();
      static constexpr ExecutionStatus kEnds[] = {ExecutionStatus::kSucceeded, ExecutionStatus::kFailed,
                                                  ExecutionStatus::kTimedOut, ExecutionStatus::kAborted};
      done.status = kEnds[pick(4)];
      done.stop_date = done.start_date + 1 + pick(100000);
      done.redrive_count = round;
      if (done.status == ExecutionStatus::kFailed) done.error = "States.TaskFailed";
      events.push_back(done);
    }
  }
  const std::size_t distinct = events.size();
  for (std::size_t i = 0; i < distinct / 50 + 1; ++i) events.push_back(events[pick(distinct)]);
  std::shuffle(events.begin(), events.end(), rng);
  return events;
}

ExecutionFilter RandomFilter(std::mt19937_64& rng) {
  ExecutionFilter filter;
  const EpochMillis base = 1'759'000'000'000;
  if (rng() % 2) filter.agent_name = rng() % 10 ? kAgents[rng() % kAgents.size()] : "no-such-agent";
  if (rng() % 2) filter.status = kAllStatuses[rng() % kAllStatuses.size()];
  if (rng() % 3 == 0) filter.start_from = base + static_cast<EpochMillis>(rng() % 220) * 1000;
  if (rng() % 3 == 0) filter.start_to = base + static_cast<EpochMillis>(rng() % 220) * 1000 + (rng() % 2 ? 999 : 0);
  if (filter.start_from > filter.start_to) std::swap(filter.start_from, filter.start_to);
  return filter;
}

QueryArguments ArgumentsFor(const ExecutionFilter& filter, SortOrder order, int page_size) {
  QueryArguments args;
  args.agent_name = filter.agent_name;
  if (filter.status) args.status = std::string(StatusName(*filter.status));
  if (filter.start_from != kMinEpochMillis) args.start_date_from = FormatTimestamp(filter.start_from);
  if (filter.start_to != kMaxEpochMillis) args.start_date_to = FormatTimestamp(filter.start_to);
  args.order = order == SortOrder::kAsc ? "asc" : "desc";
  args.max_results = std::to_string(page_size);
  return args;
}

// Walks every page of a query, checking the page contract on the way.
std::vector<ExecutionRecord> WalkAllPages(ExecutionStore& store, const PageTokenCodec& tokens, QueryArguments args,
                                          int page_size) {
  std::vector<ExecutionRecord> all;
  for (int pages = 0;; ++pages) {
    auto page = ListExecutions(store, tokens, args);
    EXPECT_TRUE(page) << page.error().message;
    if (!page) return all;
    const bool more = page->next_token.has_value();
    if (more) {
      EXPECT_EQ(page->executions.size(), static_cast<std::size_t>(page_size)) << "a page before the last is short";
    } else {
      EXPECT_TRUE(!page->executions.empty() || pages == 0) << "empty trailing page";
    }
    all.insert(all.end(), page->executions.begin(), page->executions.end());
    if (!more) return all;
    args.next_token = page->next_token;
    if (pages > 100000) {
      ADD_FAILURE() << "pagination does not end";
      return all;
    }
  }
}

class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {};

TEST_P(StoreConformanceTest, RandomStreamsAndQueriesMatchTheReference) {
  const int streams = EnvInt("EXIDX_CONFORMANCE_STREAMS", 60);
  const int queries = EnvInt("EXIDX_CONFORMANCE_QUERIES", 25);
  std::mt19937_64 rng(20251127);
  FakeClock clock;
  AgentResolver agents(nullptr, AgentRule{.index_all = true}, clock);
  for (int stream = 0; stream < streams; ++stream) {
    SCOPED_TRACE("stream " + std::to_string(stream));
    auto store = GetParam().open();
    ASSERT_TRUE(store);
    ReferenceStore reference;
    Indexer indexer(*store, agents, clock);
    Indexer reference_indexer(reference, agents, clock);
    const auto events = RandomEvents(rng, 1 + static_cast<int>(rng() % 150));
    for (std::size_t at = 0; at < events.size();) {
      const std::size_t n = std::min(events.size() - at, 1 + static_cast<std::size_t>(rng() % 40));
      std::vector<ParsedEvent> batch(events.begin() + at, events.begin() + at + n);
      auto got = indexer.Ingest(batch);
      auto want = reference_indexer.Ingest(batch);
      ASSERT_TRUE(got) << got.error().message;
      ASSERT_EQ(*got, *want) << "indexed/unchanged counts differ";
      at += n;
      clock.Advance(1);
    }
    auto secret = store->PageTokenSecret();
    ASSERT_TRUE(secret);
    const PageTokenCodec tokens(*secret);
    for (int q = 0; q < queries; ++q) {
      const ExecutionFilter filter = RandomFilter(rng);
      const SortOrder order = rng() % 2 ? SortOrder::kAsc : SortOrder::kDesc;
      const int page_size = rng() % 8 == 0 ? 1 + static_cast<int>(rng() % 1000) : 1 + static_cast<int>(rng() % 7);
      const auto expected = reference.All(filter, order);
      const auto got = WalkAllPages(*store, tokens, ArgumentsFor(filter, order, page_size), page_size);
      ASSERT_EQ(got.size(), expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], expected[i]) << "item " << i;
    }
  }
}

TEST_P(StoreConformanceTest, AnyPermutationWithDuplicatesGivesTheSameRecords) {
  std::mt19937_64 rng(99);
  FakeClock clock;
  AgentResolver agents(nullptr, AgentRule{.index_all = true}, clock);
  const auto events = RandomEvents(rng, 60);
  std::vector<ExecutionRecord> first;
  for (int trial = 0; trial < 6; ++trial) {
    auto store = GetParam().open();
    ASSERT_TRUE(store);
    Indexer indexer(*store, agents, clock);
    auto shuffled = events;
    for (int d = 0; d < 20; ++d) shuffled.push_back(events[rng() % events.size()]);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (const auto& event : shuffled) {
      std::vector<ParsedEvent> one = {event};
      ASSERT_TRUE(indexer.Ingest(one));
    }
    auto page = store->Scan(ScanRequest{.order = SortOrder::kAsc, .limit = 100000});
    ASSERT_TRUE(page);
    if (trial == 0) {
      first = *page;
      ASSERT_FALSE(first.empty());
    } else {
      ASSERT_EQ(page->size(), first.size());
      for (std::size_t i = 0; i < first.size(); ++i) {
        ExecutionRecord a = (*page)[i], b = first[i];
        a.indexed_at = b.indexed_at = 0;  // When it changed may differ; what it says may not.
        EXPECT_EQ(a, b);
      }
    }
  }
}

// Retention: FAILED kept 3 days, ABORTED for ever, the others 1 day.
constexpr EpochMillis kDay = 86'400'000;

RetentionPolicy TestRetention() {
  auto policy = ParseRetentionPolicy("1", "FAILED=3d,ABORTED=36500d");
  EXPECT_TRUE(policy);
  return policy.value_or(RetentionPolicy{});
}

// Executions of two agents, one every 5 hours back from `now` over 6 days,
// each status in turn; as a backfill writes them, straight to Apply.
std::vector<ExecutionRecord> RetentionHistory(EpochMillis now) {
  static constexpr ExecutionStatus kCycle[] = {ExecutionStatus::kSucceeded, ExecutionStatus::kFailed,
                                               ExecutionStatus::kRunning, ExecutionStatus::kAborted,
                                               ExecutionStatus::kTimedOut};
  std::vector<ExecutionRecord> out;
  for (int i = 0; i < 30; ++i) {
    ExecutionRecord r;
    r.agent_name = kAgents[i % 2];
    r.execution_name = "r" + std::to_string(i);
    r.state_machine_arn = "arn:aws:states:us-west-2:1:stateMachine:" + r.agent_name;
    r.execution_arn = "arn:aws:states:us-west-2:1:execution:" + r.agent_name + ":" + r.execution_name;
    r.status = kCycle[i % 5];
    r.start_date = now - static_cast<EpochMillis>(i) * 5 * 3'600'000;
    if (IsTerminal(r.status)) r.stop_date = r.start_date + 1000 + i;
    if (r.status == ExecutionStatus::kFailed) r.error = "States.TaskFailed";
    r.indexed_at = r.stop_date.value_or(r.start_date);
    out.push_back(std::move(r));
  }
  return out;
}

// Every query shape, walked by token, answers exactly what a store holding
// only the unexpired records answers; so does Get.
void ExpectOnlyLive(ExecutionStore& store, const std::vector<ExecutionRecord>& all, EpochSeconds now) {
  ReferenceStore live;
  for (ExecutionRecord record : all) {
    record.ttl = ExpiryOf(TestRetention(), record);
    const bool expired = IsExpired(record, now);
    if (!expired) {
      ASSERT_TRUE(live.Apply(std::vector{record}));
    }
    auto got = store.Get(record.execution_arn);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->has_value(), !expired) << record.execution_arn;
    if (*got) {
      EXPECT_EQ(**got, record);
    }
  }
  auto secret = store.PageTokenSecret();
  ASSERT_TRUE(secret);
  const PageTokenCodec tokens(*secret);
  std::vector<ExecutionFilter> filters(1);
  for (const std::string& agent : {kAgents[0], kAgents[1]}) {
    filters.push_back(ExecutionFilter{.agent_name = agent});
    for (ExecutionStatus status : kAllStatuses)
      filters.push_back(ExecutionFilter{.agent_name = agent, .status = status});
  }
  for (ExecutionStatus status : kAllStatuses) filters.push_back(ExecutionFilter{.status = status});
  const EpochMillis now_millis = now * 1000;
  filters.push_back(ExecutionFilter{.start_from = now_millis - 4 * kDay, .start_to = now_millis - kDay});
  for (const ExecutionFilter& filter : filters) {
    for (SortOrder order : {SortOrder::kDesc, SortOrder::kAsc}) {
      for (int page_size : {2, 50}) {
        const auto got = WalkAllPages(store, tokens, ArgumentsFor(filter, order, page_size), page_size);
        ASSERT_EQ(got, live.All(filter, order));
      }
    }
  }
}

TEST_P(StoreConformanceTest, ExpiredRecordsLeaveEveryQueryAndUnexpiredOnesStay) {
  FakeClock clock;
  auto store = GetParam().open_with(StoreSetup{.retention = TestRetention(), .clock = &clock});
  ASSERT_TRUE(store);
  const std::vector<ExecutionRecord> history = RetentionHistory(clock.NowMillis());
  ASSERT_TRUE(store->Apply(history));
  for (int day = 0; day < 3; ++day) {
    SCOPED_TRACE("day " + std::to_string(day));
    const EpochSeconds now = SecondsOf(clock.NowMillis());
    ExpectOnlyLive(*store, history, now);
    // The embedded store deletes them; DynamoDB leaves that to its TTL.
    std::size_t swept = 0;
    for (;;) {
      auto deleted = store->DeleteExpired(now, 7);
      ASSERT_TRUE(deleted) << deleted.error().message;
      swept += *deleted;
      if (*deleted < 7) break;
    }
    if (swept > 0) ExpectOnlyLive(*store, history, now);
    clock.Advance(kDay);
  }
}

TEST_P(StoreConformanceTest, ARedriveMovesTheExpiry) {
  FakeClock clock;
  auto store = GetParam().open_with(StoreSetup{.retention = TestRetention(), .clock = &clock});
  ASSERT_TRUE(store);
  ExecutionRecord failed = RetentionHistory(clock.NowMillis())[1];
  ASSERT_EQ(failed.status, ExecutionStatus::kFailed);
  failed.stop_date = failed.start_date + 2000;  // A whole second: no rounding.
  failed.indexed_at = *failed.stop_date;
  ASSERT_TRUE(store->Apply(std::vector{failed}));
  const EpochSeconds failed_ttl = SecondsOf(*failed.stop_date) + 3 * 86'400;
  auto stored = store->Get(failed.execution_arn);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->ttl, failed_ttl);

  ExecutionRecord duplicate = failed;  // Equal version, later: changes nothing.
  duplicate.indexed_at += 2 * kDay;
  auto outcomes = store->Apply(std::vector{duplicate});
  ASSERT_TRUE(outcomes);
  EXPECT_EQ(*outcomes, std::vector{ApplyOutcome::kUnchanged});

  clock.Advance(5 * kDay / 2);
  ExecutionRecord redriven = failed;
  redriven.status = ExecutionStatus::kRunning;
  redriven.stop_date.reset();
  redriven.error.reset();
  redriven.redrive_count = 1;
  redriven.indexed_at = clock.NowMillis();
  ASSERT_TRUE(store->Apply(std::vector{redriven}));
  stored = store->Get(failed.execution_arn);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->ttl, SecondsOf(clock.NowMillis()) + 86'400);

  clock.Advance(kDay / 2);  // Past the failure's expiry, not the redrive's.
  ASSERT_GT(SecondsOf(clock.NowMillis()), failed_ttl);
  ASSERT_TRUE(store->DeleteExpired(SecondsOf(clock.NowMillis()), 100));
  ExecutionFilter running{.status = ExecutionStatus::kRunning};
  auto page = store->Scan(ScanRequest{.filter = running, .limit = 10});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].redrive_count, 1);
  clock.Advance(kDay);  // Now the redrive's expiry too.
  stored = store->Get(failed.execution_arn);
  ASSERT_TRUE(stored);
  EXPECT_FALSE(*stored);
  page = store->Scan(ScanRequest{.filter = running, .limit = 10});
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->empty());
}

// For a store holding no record, only what is not one (under `key`): no
// query, lookup or statistic sees it.
void ExpectNoRecordIsSeen(ExecutionStore& store, const std::string& key) {
  auto all = store.Scan(ScanRequest{.order = SortOrder::kAsc, .limit = 1000});
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_TRUE(all->empty());
  EXPECT_EQ(store.Get(key).value(), std::nullopt);
  auto agents = store.ListAgents();
  if (agents) {
    EXPECT_TRUE(agents->empty());
  }
}

TEST_P(StoreConformanceTest, CheckpointsAreKeptApartFromRecords) {
  auto store = GetParam().open();
  ASSERT_TRUE(store);
  const std::string name = "backfill/arn:aws:states:us-east-1:123456789012:stateMachine:agent";
  auto absent = store->ReadCheckpoint(name);
  ASSERT_TRUE(absent) << absent.error().message;
  EXPECT_EQ(*absent, std::nullopt);

  ASSERT_TRUE(store->WriteCheckpoint(name, R"({"token":"a"})"));
  ASSERT_TRUE(store->WriteCheckpoint(name, R"({"token":"b"})"));
  ASSERT_TRUE(store->WriteCheckpoint("other", ""));
  EXPECT_EQ(store->ReadCheckpoint(name).value(), std::optional<std::string>(R"({"token":"b"})"));
  EXPECT_EQ(store->ReadCheckpoint("other").value(), std::optional<std::string>(""));

  const std::string longest(kMaxCheckpointValueBytes, 'v');
  ASSERT_TRUE(store->WriteCheckpoint(std::string(kMaxCheckpointNameBytes, 'n'), longest));
  EXPECT_EQ(store->ReadCheckpoint(std::string(kMaxCheckpointNameBytes, 'n')).value(), std::optional(longest));
  EXPECT_EQ(store->WriteCheckpoint("", "x").error().code, ErrorCode::kInvalidParameter);
  EXPECT_EQ(store->WriteCheckpoint(std::string(kMaxCheckpointNameBytes + 1, 'n'), "x").error().code,
            ErrorCode::kInvalidParameter);
  EXPECT_EQ(store->WriteCheckpoint(name, longest + "v").error().code, ErrorCode::kInvalidParameter);

  ExpectNoRecordIsSeen(*store, name);  // No query, lookup or statistic sees a checkpoint.
}

// The shared tag cache: a compare-and-swap on each state machine's entry,
// kept apart from the records.
TEST_P(StoreConformanceTest, TagCacheEntriesSwapOnlyFromTheVersionExpected) {
  auto store = GetParam().open();
  ASSERT_TRUE(store);
  const std::string arn = "arn:aws:states:us-east-1:123456789012:stateMachine:support";
  const Deadline deadline = Deadline::After(std::chrono::seconds(30));
  auto absent = store->ReadTagEntry(arn, deadline);
  ASSERT_TRUE(absent) << absent.error().message;
  EXPECT_EQ(*absent, std::nullopt);

  const TagCacheEntry lease{.lease_until = 1'700'000'005'000};
  EXPECT_EQ(store->SwapTagEntry(arn, 1, lease, deadline).value(), false);  // Nothing stored yet.
  ASSERT_EQ(store->SwapTagEntry(arn, 0, lease, deadline).value(), true);
  EXPECT_EQ(store->SwapTagEntry(arn, 0, lease, deadline).value(), false);  // Now one is.
  TagCacheEntry expected = lease;
  expected.version = 1;
  EXPECT_EQ(store->ReadTagEntry(arn, deadline).value(), std::optional(expected));

  const TagCacheEntry agent{.version = 99,  // Ignored: the store numbers.
                            .decided = true,
                            .rule = "Application=StepFunctionsAgent,Type=Agent",
                            .agent_name = "support-bot",
                            .read_at = 1'700'000'001'000};
  ASSERT_EQ(store->SwapTagEntry(arn, 1, agent, deadline).value(), true);
  expected = agent;
  expected.version = 2;
  EXPECT_EQ(store->ReadTagEntry(arn, deadline).value(), std::optional(expected));
  const TagCacheEntry not_agent{.decided = true, .rule = agent.rule, .read_at = 1'700'000'002'000};
  EXPECT_EQ(store->SwapTagEntry(arn, 1, not_agent, deadline).value(), false);  // A stale version.
  ASSERT_EQ(store->SwapTagEntry(arn, 2, not_agent, deadline).value(), true);
  expected = not_agent;
  expected.version = 3;
  EXPECT_EQ(store->ReadTagEntry(arn, deadline).value(), std::optional(expected));

  // Of racing writers from one version, exactly one wins.
  const std::string raced = arn + "-raced";
  std::atomic<int> won{0}, failed{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < 6; ++i) {
    writers.emplace_back([&, i] {
      auto swapped = store->SwapTagEntry(raced, 0, TagCacheEntry{.lease_until = i + 1}, deadline);
      if (!swapped) ++failed;
      if (swapped && *swapped) ++won;
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(store->ReadTagEntry(raced, deadline).value().value().version, 1u);

  EXPECT_EQ(store->ReadTagEntry("", deadline).error().code, ErrorCode::kInvalidParameter);
  EXPECT_EQ(store->SwapTagEntry(std::string(kMaxTagCacheKeyBytes + 1, 'a'), 0, lease, deadline).error().code,
            ErrorCode::kInvalidParameter);
  EXPECT_EQ(store->SwapTagEntry(arn, 3, TagCacheEntry{.rule = std::string(kMaxTagCacheTextBytes + 1, 'r')}, deadline)
                .error()
                .code,
            ErrorCode::kInvalidParameter);

  ExpectNoRecordIsSeen(*store, arn);  // No query, lookup or statistic sees an entry.
}

// Statistics: a record counts in exactly the cell of its current agent,
// status and startDate hour, and in its agent's count, whatever duplicates,
// order, redrives, agent changes or racing writers brought it there.
constexpr EpochMillis kStatsBase = 1'759'000'000'000 - 1'759'000'000'000 % kMillisPerHour;

std::vector<ExecutionRecord> StatisticsStream(std::uint32_t seed, int executions) {
  return testing::RandomStream({.seed = seed,
                                .executions = executions,
                                .agents = {"sql-agent", "a", "ab", std::string("a\0b", 3), "Agent-\xce\xb2"},
                                .start_from = kStatsBase - kMillisPerHour / 2,
                                .start_to = kStatsBase + 10 * kMillisPerHour,
                                .durations = {0, 30, 99, 100, 250, 1'000, 61'000, 3'600'000, 400'000'000},
                                .terminal_statuses = {ExecutionStatus::kSucceeded, ExecutionStatus::kFailed,
                                                      ExecutionStatus::kTimedOut, ExecutionStatus::kAborted},
                                .agent_change = 0.2});
}

// Requests of every shape: all cells, by agent, by status, both, hour ranges.
std::vector<StatsRequest> StatisticsRequests(std::mt19937_64& rng) {
  const EpochMillis h = kMillisPerHour;
  std::vector<StatsRequest> requests = {
      {.from_hour = kStatsBase - 100 * h, .to_hour = kStatsBase + 100 * h},
      {.from_hour = kStatsBase, .to_hour = kStatsBase},
      {.from_hour = kStatsBase + 3 * h, .to_hour = kStatsBase + 4 * h},
      {.agent_name = "nobody", .from_hour = kStatsBase - 100 * h, .to_hour = kStatsBase + 100 * h},
      {.agent_name = std::string("a\0b", 3), .from_hour = kStatsBase - 100 * h, .to_hour = kStatsBase + 100 * h},
  };
  for (ExecutionStatus status : kAllStatuses) {
    requests.push_back({.status = status, .from_hour = kStatsBase - 100 * h, .to_hour = kStatsBase + 100 * h});
  }
  for (int i = 0; i < 6; ++i) {
    StatsRequest request;
    if (rng() % 2 == 0) request.agent_name = rng() % 2 ? "a" : "sql-agent";
    if (rng() % 2 == 0) request.status = kAllStatuses[rng() % kAllStatuses.size()];
    const EpochMillis a = kStatsBase + (static_cast<EpochMillis>(rng() % 13) - 2) * h;
    const EpochMillis b = kStatsBase + (static_cast<EpochMillis>(rng() % 13) - 2) * h;
    request.from_hour = std::min(a, b);
    request.to_hour = std::max(a, b);
    requests.push_back(request);
  }
  return requests;
}

void ExpectSameStatistics(ExecutionStore& store, ExecutionStore& reference, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const StatsRequest& request : StatisticsRequests(rng)) {
    auto got = store.ReadHourlyStats(request);
    ASSERT_TRUE(got) << got.error().message;
    auto expected = reference.ReadHourlyStats(request);
    ASSERT_TRUE(expected);
    ASSERT_EQ(got->size(), expected->size()) << "hours [" << request.from_hour << ", " << request.to_hour << ")";
    for (std::size_t i = 0; i < got->size(); ++i) {
      EXPECT_EQ((*got)[i], (*expected)[i])
          << "cell " << i << " of hours [" << request.from_hour << ", " << request.to_hour << ")";
    }
  }
  auto agents = store.ListAgents();
  ASSERT_TRUE(agents) << agents.error().message;
  EXPECT_EQ(*agents, reference.ListAgents().value());
}

TEST_P(StoreConformanceTest, StatisticsCountEveryRecordInItsCurrentCell) {
  if (!GetParam().statistics) GTEST_SKIP() << GetParam().name << " keeps no statistics";
  const int streams = std::max(1, EnvInt("EXIDX_CONFORMANCE_STREAMS", 12) / 4);
  for (int s = 0; s < streams; ++s) {
    SCOPED_TRACE("stream " + std::to_string(s));
    auto store = GetParam().open();
    ASSERT_TRUE(store);
    ReferenceStore reference;
    const auto events = StatisticsStream(31 + s, 80);
    std::mt19937_64 rng(31 + s);
    ASSERT_TRUE(
        store->ReadHourlyStats({.from_hour = kStatsBase - kMillisPerHour, .to_hour = kStatsBase}).value().empty());
    int chunks = 0;
    for (std::size_t at = 0; at < events.size();) {
      const std::size_t n = std::min<std::size_t>(events.size() - at, 1 + rng() % 25);
      const std::vector<ExecutionRecord> chunk(events.begin() + at, events.begin() + at + n);
      auto applied = store->Apply(chunk);
      ASSERT_TRUE(applied) << applied.error().message;
      ASSERT_EQ(*applied, reference.Apply(chunk).value()) << "chunk at " << at;
      at += n;
      if (++chunks % 6 == 0) ExpectSameStatistics(*store, reference, rng());
    }
    ExpectSameStatistics(*store, reference, rng());
  }
}

// Two writers apply the same versions, each in its own order, at once: each
// record ends counted once, in its current cell.
TEST_P(StoreConformanceTest, RacingWritersCountEveryRecordOnce) {
  if (!GetParam().statistics) GTEST_SKIP() << GetParam().name << " keeps no statistics";
  auto store = GetParam().open();
  ASSERT_TRUE(store);
  ReferenceStore reference;
  const auto events = StatisticsStream(47, 60);
  ASSERT_TRUE(reference.Apply(events));
  std::vector<std::thread> writers;
  std::vector<std::string> failures(2);
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937_64 rng(100 + w);
      auto mine = events;
      std::shuffle(mine.begin(), mine.end(), rng);
      for (std::size_t at = 0; at < mine.size();) {
        const std::size_t n = std::min<std::size_t>(mine.size() - at, 1 + rng() % 4);
        const std::vector<ExecutionRecord> chunk(mine.begin() + at, mine.begin() + at + n);
        if (auto applied = store->Apply(chunk); !applied) {
          failures[w] = applied.error().message;
          return;
        }
        at += n;
      }
    });
  }
  for (auto& writer : writers) writer.join();
  for (const auto& failure : failures) ASSERT_EQ(failure, "");
  auto stored = store->Scan(ScanRequest{.order = SortOrder::kAsc, .limit = 100000});
  ASSERT_TRUE(stored) << stored.error().message;
  auto expected = reference.Scan(ScanRequest{.order = SortOrder::kAsc, .limit = 100000});
  ASSERT_EQ(stored->size(), expected->size());
  ExpectSameStatistics(*store, reference, 47);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformanceTest, ::testing::ValuesIn(AllStoreFactories()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace exidx
