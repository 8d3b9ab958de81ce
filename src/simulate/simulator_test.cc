#include "simulate/simulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "core/event.h"
#include "core/record.h"

namespace exidx {
namespace {

namespace json = boost::json;

constexpr EpochMillis kSecond = 1000;
constexpr EpochMillis kHour = 3600 * kSecond;
constexpr EpochMillis kDay = 24 * kHour;
// 2025-09-29T10:00:00.000Z, the samples' day.
constexpr EpochMillis kNow = 1759140000000;
// FNV-1a of the one-execution stream in FixedOutputForAFixedSeed.
constexpr std::uint64_t kGoldenStreamHash = 1424013521524120104ULL;

SimulationOptions WindowOptions(std::int64_t executions, std::uint64_t seed = 7) {
  SimulationOptions options = DefaultSimulationOptions(kNow);
  options.executions = executions;
  options.seed = seed;
  return options;
}

std::string WholeStream(const SimulationOptions& options) {
  std::ostringstream out;
  Status status = WriteSimulation(options, out);
  EXPECT_TRUE(status.has_value()) << status.error().message;
  return out.str();
}

// One delivered line, parsed twice: by the index's parser and as plain JSON.
struct Delivered {
  std::string line;
  EpochMillis delivery = 0;
  StatusChangeEvent event;
  json::object envelope;
};

ExecutionRecord RecordOf(const StatusChangeEvent& e) {
  ExecutionRecord r;
  r.execution_arn = e.execution_arn;
  r.state_machine_arn = e.state_machine_arn;
  r.execution_name = e.execution_name;
  r.status = e.status;
  r.start_date = e.start_date;
  r.stop_date = e.stop_date;
  r.redrive_count = e.redrive_count;
  r.error = e.error;
  r.cause = e.cause;
  return r;
}

// A 20k-execution stream, generated once for the statistical tests.
class SimulatedStream : public ::testing::Test {
 protected:
  static constexpr std::int64_t kExecutions = 20'000;

  static void SetUpTestSuite() {
    options_ = new SimulationOptions(WindowOptions(kExecutions));
    delivered_ = new std::vector<Delivered>();
    planned_ = new std::vector<Planned>();
    EventSimulator simulator(*options_);
    simulator.SetExecutionObserver([](const SimulatedExecution& e) {
      planned_->push_back(Planned{std::string(e.execution_arn), std::string(e.state_machine_arn), e.status,
                                  e.start_date, e.stop_date, e.redrive_count, e.events});
    });
    std::string line;
    EpochMillis delivery = 0;
    while (simulator.Next(line, &delivery)) {
      Delivered d;
      d.line = line;
      d.delivery = delivery;
      auto parsed = ParseEvent(line, delivered_->size() + 1);
      ASSERT_TRUE(parsed.has_value()) << parsed.error().message << "\n" << line;
      ASSERT_TRUE(std::holds_alternative<StatusChangeEvent>(*parsed)) << line;
      d.event = std::get<StatusChangeEvent>(*parsed);
      d.envelope = json::parse(line).as_object();
      delivered_->push_back(std::move(d));
      line.clear();
    }
  }

  static void TearDownTestSuite() {
    delete options_;
    delete delivered_;
    delete planned_;
  }

  struct Planned {
    std::string execution_arn;
    std::string state_machine_arn;
    ExecutionStatus status;
    EpochMillis start_date;
    std::optional<EpochMillis> stop_date;
    std::int64_t redrive_count;
    int events;
  };

  // Distinct events (first delivery of each id), in delivery order.
  static std::vector<const Delivered*> Distinct() {
    std::vector<const Delivered*> out;
    std::unordered_set<std::string> seen;
    for (const Delivered& d : *delivered_) {
      if (seen.insert(d.event.event_id).second) out.push_back(&d);
    }
    return out;
  }

  static inline SimulationOptions* options_ = nullptr;
  static inline std::vector<Delivered>* delivered_ = nullptr;
  static inline std::vector<Planned>* planned_ = nullptr;
};

TEST_F(SimulatedStream, EveryLineIsAStatusChangeEventShapedLikeAws) {
  ASSERT_GT(delivered_->size(), 2u * kExecutions * 9 / 10);
  for (const Delivered& d : *delivered_) {
    const json::object& env = d.envelope;
    EXPECT_EQ(env.at("version").as_string(), "0");
    EXPECT_EQ(env.at("source").as_string(), "aws.states");
    EXPECT_EQ(env.at("detail-type").as_string(), "Step Functions Execution Status Change");
    EXPECT_EQ(env.at("account").as_string(), options_->account);
    EXPECT_EQ(env.at("region").as_string(), options_->region);
    EXPECT_THAT(std::string(env.at("id").as_string()),
                ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
    ASSERT_EQ(env.at("resources").as_array().size(), 1u);
    EXPECT_EQ(env.at("resources").as_array()[0].as_string(), d.event.execution_arn);

    const StatusChangeEvent& e = d.event;
    const std::string arn_prefix = "arn:aws:states:us-west-2:123456789012:";
    ASSERT_EQ(e.state_machine_arn.rfind(arn_prefix + "stateMachine:", 0), 0u) << e.state_machine_arn;
    const std::string machine = e.state_machine_arn.substr(arn_prefix.size() + 13);
    EXPECT_EQ(e.execution_arn, arn_prefix + "execution:" + machine + ":" + e.execution_name);

    const json::object& detail = env.at("detail").as_object();
    EXPECT_TRUE(detail.at("input").is_string());
    EXPECT_TRUE(json::parse(detail.at("input").as_string()).is_object());
    EXPECT_EQ(detail.at("inputDetails"), json::parse(R"({"included":true})"));
    if (e.status == ExecutionStatus::kSucceeded) {
      EXPECT_TRUE(json::parse(detail.at("output").as_string()).is_object());
      EXPECT_EQ(detail.at("outputDetails"), json::parse(R"({"included":true})"));
    } else {
      EXPECT_TRUE(detail.at("output").is_null());
      EXPECT_TRUE(detail.at("outputDetails").is_null());
    }
    EXPECT_EQ(e.stop_date.has_value(), IsTerminal(e.status));
    EXPECT_EQ(e.error.has_value(), e.status == ExecutionStatus::kFailed) << d.line;
    EXPECT_EQ(e.cause.has_value(), e.status == ExecutionStatus::kFailed) << d.line;
    EXPECT_EQ(detail.contains("redriveCount"), e.redrive_count > 0);
    EXPECT_LE(e.redrive_count, 1);

    // `time` is when the event occurred, to the second.
    EpochMillis occurred = e.stop_date.value_or(e.start_date);
    if (e.status == ExecutionStatus::kRunning && e.redrive_count > 0) {
      occurred = detail.at("redriveDate").as_int64();
    }
    EXPECT_EQ(env.at("time").as_string(), FormatTimestamp(occurred / 1000 * 1000).substr(0, 19) + "Z");
    EXPECT_GE(d.delivery, occurred + 100);
  }
}

TEST_F(SimulatedStream, DeliveredInDeliveryOrderWithinTheWindow) {
  EpochMillis previous = 0;
  for (const Delivered& d : *delivered_) {
    EXPECT_GE(d.delivery, previous);
    previous = d.delivery;
    EXPECT_GE(d.event.start_date, options_->window_start);
    EXPECT_LT(d.event.start_date, options_->window_end);
    if (d.event.stop_date) {
      EXPECT_LT(*d.event.stop_date, options_->window_end);
    }
  }
  for (std::size_t i = 1; i < planned_->size(); ++i) {
    EXPECT_LE((*planned_)[i - 1].start_date, (*planned_)[i].start_date);
  }
  // The whole window is used: the first and last days both have executions.
  EXPECT_LT(planned_->front().start_date, options_->window_start + kDay);
  EXPECT_GT(planned_->back().start_date, options_->window_end - kDay);
}

TEST_F(SimulatedStream, StatusMixMatchesTheIntendedProportions) {
  std::map<ExecutionStatus, int> first_outcome;  // Before any redrive.
  std::unordered_map<std::string, ExecutionStatus> first;
  for (const Delivered* d : Distinct()) {
    const StatusChangeEvent& e = d->event;
    if (e.redrive_count == 0 && (IsTerminal(e.status) || !first.contains(e.execution_arn))) {
      first[e.execution_arn] = e.status;
    }
  }
  ASSERT_EQ(first.size(), static_cast<std::size_t>(kExecutions));
  for (const auto& [arn, status] : first) ++first_outcome[status];
  auto share = [&](ExecutionStatus s) { return first_outcome[s] / static_cast<double>(kExecutions); };
  EXPECT_NEAR(share(ExecutionStatus::kSucceeded), 0.85, 0.015);
  EXPECT_NEAR(share(ExecutionStatus::kFailed), 0.08, 0.008);
  EXPECT_NEAR(share(ExecutionStatus::kTimedOut), 0.02, 0.005);
  EXPECT_NEAR(share(ExecutionStatus::kAborted), 0.02, 0.005);
  EXPECT_NEAR(share(ExecutionStatus::kRunning), 0.03, 0.006);
}

TEST_F(SimulatedStream, DuplicatesRepeatTheSameBytes) {
  std::unordered_map<std::string, const std::string*> by_id;
  int duplicates = 0;
  for (const Delivered& d : *delivered_) {
    auto [it, inserted] = by_id.emplace(d.event.event_id, &d.line);
    if (!inserted) {
      ++duplicates;
      EXPECT_EQ(*it->second, d.line);
    }
  }
  const double rate = duplicates / static_cast<double>(by_id.size());
  EXPECT_NEAR(rate, 0.01, 0.003);
}

TEST_F(SimulatedStream, AboutFivePercentOfEventsArriveAfterALaterOne) {
  std::unordered_map<std::string, RecordVersion> newest;  // Per execution, so far.
  int reordered = 0;
  int terminal_before_running = 0;
  const std::vector<const Delivered*> distinct = Distinct();
  for (const Delivered* d : distinct) {
    const RecordVersion version = VersionOf(RecordOf(d->event));
    auto [it, inserted] = newest.emplace(d->event.execution_arn, version);
    if (inserted) continue;
    if (it->second > version) {
      ++reordered;
      if (d->event.status == ExecutionStatus::kRunning && it->second.phase == 1 &&
          it->second.redrive_count == d->event.redrive_count) {
        ++terminal_before_running;
      }
    } else {
      it->second = version;
    }
  }
  EXPECT_NEAR(reordered / static_cast<double>(distinct.size()), 0.05, 0.01);
  EXPECT_GT(terminal_before_running, reordered * 9 / 10);
}

TEST_F(SimulatedStream, MergingTheStreamGivesEachExecutionsPlannedOutcome) {
  std::unordered_map<std::string, ExecutionRecord> merged;
  for (const Delivered& d : *delivered_) {
    ExecutionRecord candidate = RecordOf(d.event);
    auto it = merged.find(candidate.execution_arn);
    if (it == merged.end()) {
      merged.emplace(candidate.execution_arn, std::move(candidate));
    } else if (Supersedes(candidate, &it->second)) {
      it->second = std::move(candidate);
    }
  }
  ASSERT_EQ(planned_->size(), static_cast<std::size_t>(kExecutions));
  EXPECT_EQ(merged.size(), planned_->size());
  std::size_t distinct_events = 0;
  for (const Planned& p : *planned_) {
    distinct_events += static_cast<std::size_t>(p.events);
    auto it = merged.find(p.execution_arn);
    ASSERT_NE(it, merged.end()) << p.execution_arn;
    const ExecutionRecord& r = it->second;
    EXPECT_EQ(r.state_machine_arn, p.state_machine_arn);
    EXPECT_EQ(r.status, p.status) << p.execution_arn;
    EXPECT_EQ(r.start_date, p.start_date);
    EXPECT_EQ(r.stop_date, p.stop_date);
    EXPECT_EQ(r.redrive_count, p.redrive_count);
  }
  EXPECT_EQ(distinct_events, Distinct().size());
}

TEST_F(SimulatedStream, RedrivesReopenFailedExecutions) {
  std::unordered_set<std::string> failed_first;
  int redriven = 0;
  int redriven_without_prior_failure = 0;
  for (const Delivered* d : Distinct()) {
    const StatusChangeEvent& e = d->event;
    if (e.redrive_count == 0 && e.status == ExecutionStatus::kFailed) failed_first.insert(e.execution_arn);
  }
  for (const Delivered* d : Distinct()) {
    const StatusChangeEvent& e = d->event;
    if (e.redrive_count == 1 && e.status == ExecutionStatus::kRunning) {
      ++redriven;
      if (!failed_first.contains(e.execution_arn)) ++redriven_without_prior_failure;
      EXPECT_EQ(d->envelope.at("detail").at("redriveStatus").as_string(), "NOT_REDRIVABLE");
    }
  }
  // 0.5% of 20,000 executions: 100 expected.
  EXPECT_GE(redriven, 60);
  EXPECT_LE(redriven, 140);
  EXPECT_EQ(redriven_without_prior_failure, 0);
}

TEST_F(SimulatedStream, AgentsAreSkewedAndNonAgentMachinesAppear) {
  const std::vector<SimulatedStateMachine> machines = SimulatedStateMachines(*options_);
  std::map<std::string, int> per_machine;
  for (const Planned& p : *planned_) ++per_machine[p.state_machine_arn];
  int non_agent = 0;
  int non_agent_machines_seen = 0;
  for (const SimulatedStateMachine& m : machines) {
    if (!m.is_agent) {
      non_agent += per_machine[m.arn];
      non_agent_machines_seen += per_machine[m.arn] > 0;
    }
  }
  EXPECT_EQ(non_agent_machines_seen, options_->non_agent_machines);
  EXPECT_NEAR(non_agent / static_cast<double>(kExecutions), 0.10, 0.015);
  // Agents are listed busiest first; the first is ~10x the tenth.
  ASSERT_GE(machines.size(), 10u);
  EXPECT_GT(per_machine[machines[0].arn], 5 * per_machine[machines[9].arn]);
  EXPECT_GT(per_machine[machines[19].arn], 0);
}

TEST_F(SimulatedStream, DurationsAreMostlyShortWithALongTail) {
  std::vector<EpochMillis> durations;
  for (const Planned& p : *planned_) {
    if (p.stop_date && p.redrive_count == 0 && p.status != ExecutionStatus::kTimedOut) {
      durations.push_back(*p.stop_date - p.start_date);
    }
  }
  ASSERT_GT(durations.size(), 15'000u);
  std::sort(durations.begin(), durations.end());
  const EpochMillis median = durations[durations.size() / 2];
  EXPECT_GE(median, 5 * kSecond);
  EXPECT_LE(median, 45 * kSecond);
  const auto within = std::count_if(durations.begin(), durations.end(),
                                    [](EpochMillis d) { return d >= 5 * kSecond && d <= 45 * kSecond; });
  EXPECT_GT(within / static_cast<double>(durations.size()), 0.6);
  const auto over_4_minutes =
      std::count_if(durations.begin(), durations.end(), [](EpochMillis d) { return d > 240 * kSecond; });
  EXPECT_GT(over_4_minutes, static_cast<long>(durations.size() / 100));
  EXPECT_GE(durations.front(), 1 * kSecond);
  EXPECT_LT(durations.back(), kHour);
  EXPECT_GT(durations.back(), 20 * 60 * kSecond);

  for (const Planned& p : *planned_) {
    if (p.status == ExecutionStatus::kTimedOut && p.redrive_count == 0) {
      EXPECT_GE(*p.stop_date - p.start_date, kHour);
    }
  }
}

TEST_F(SimulatedStream, MoreExecutionsStartInBusinessHoursThanAtNight) {
  std::array<int, 24> per_hour{};
  for (const Planned& p : *planned_) ++per_hour[static_cast<std::size_t>(p.start_date / kHour % 24)];
  EXPECT_GT(per_hour[15], 3 * per_hour[3]);
}

TEST_F(SimulatedStream, TagsFileCoversEveryStateMachineOfTheStream) {
  json::value tags = json::parse(TagsFileJson(*options_));
  ASSERT_TRUE(tags.is_object());
  const json::object& file = tags.as_object();
  std::set<std::string> untagged;
  int named_differently = 0;
  for (const SimulatedStateMachine& m : SimulatedStateMachines(*options_)) {
    if (m.tags.empty()) {
      untagged.insert(m.arn);
      EXPECT_FALSE(file.contains(m.arn));
      continue;
    }
    ASSERT_TRUE(file.contains(m.arn)) << m.arn;
    const json::object& t = file.at(m.arn).as_object();
    EXPECT_EQ(t.size(), m.tags.size());
    if (m.is_agent) {
      EXPECT_EQ(t.at("Type").as_string(), "Agent");
      EXPECT_EQ(t.at("Application").as_string(), "StepFunctionsAgent");
      ASSERT_TRUE(t.contains("AgentName"));
      named_differently += t.at("AgentName").as_string() != m.name;
    } else {
      EXPECT_FALSE(t.contains("Application") && t.contains("Type") && t.at("Type") == "Agent" &&
                   t.at("Application") == "StepFunctionsAgent");
    }
  }
  EXPECT_GE(named_differently, 3);
  EXPECT_FALSE(untagged.empty());  // Some machines have no tags at all, as in AWS.
  for (const Delivered& d : *delivered_) {
    EXPECT_TRUE(file.contains(d.event.state_machine_arn) || untagged.contains(d.event.state_machine_arn))
        << d.event.state_machine_arn;
  }
  EXPECT_EQ(file.at("arn:aws:states:us-west-2:123456789012:stateMachine:sql-agent-prod"),
            json::parse(R"({"Type":"Agent","Application":"StepFunctionsAgent","AgentName":"sql-agent"})"));
}

// ---------------------------------------------------------------------------

TEST(EventSimulator, SameSeedSameBytesOtherSeedOtherBytes) {
  const std::string a = WholeStream(WindowOptions(3000, 42));
  const std::string b = WholeStream(WindowOptions(3000, 42));
  const std::string c = WholeStream(WindowOptions(3000, 43));
  EXPECT_GT(a.size(), 3000u * 2 * 500);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), std::count(b.begin(), b.end(), '\n'));
}

TEST(EventSimulator, NextProducesWhatWriteSimulationWrites) {
  const SimulationOptions options = WindowOptions(500);
  EventSimulator simulator(options);
  std::string stream;
  std::string line;
  while (simulator.Next(line)) {
    stream += line;
    stream += '\n';
    line.clear();
  }
  EXPECT_EQ(stream, WholeStream(options));
}

TEST(EventSimulator, FixedOutputForAFixedSeed) {
  // Guards cross-platform determinism: these bytes must never depend on the
  // standard library or the compiler.
  SimulationOptions options;
  options.window_start = kNow - kDay;
  options.window_end = kNow;
  options.executions = 1;
  options.seed = 1;
  std::string stream = WholeStream(options);
  EXPECT_EQ(std::count(stream.begin(), stream.end(), '\n'), 2);
  auto parsed = ParseEventBatch(stream);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  // This execution's SUCCEEDED happens to be delivered before its RUNNING.
  const auto& first = std::get<StatusChangeEvent>((*parsed)[0]);
  const auto& second = std::get<StatusChangeEvent>((*parsed)[1]);
  EXPECT_EQ(first.status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(second.status, ExecutionStatus::kRunning);
  EXPECT_EQ(first.execution_arn, second.execution_arn);
  EXPECT_EQ(first.start_date, 1759139109260);
  EXPECT_EQ(first.stop_date, 1759139114291);
  // The hash of the whole stream, recorded from the first run.
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char ch : stream) h = (h ^ ch) * 1099511628211ULL;
  EXPECT_EQ(h, kGoldenStreamHash) << stream;
}

TEST(EventSimulator, NothingOccursAfterNowSoLateExecutionsStayRunning) {
  SimulationOptions options = WindowOptions(2000);
  options.window_start = kNow - 2 * 60 * kSecond;  // Two minutes: many still running at "now".
  std::map<ExecutionStatus, int> outcome;
  EventSimulator simulator(options);
  simulator.SetExecutionObserver([&](const SimulatedExecution& e) {
    ++outcome[e.status];
    if (e.stop_date) {
      EXPECT_LT(*e.stop_date, options.window_end);
    }
  });
  std::string line;
  while (simulator.Next(line)) {
    auto parsed = ParseEvent(line, 1);
    ASSERT_TRUE(parsed.has_value());
    const auto& e = std::get<StatusChangeEvent>(*parsed);
    EXPECT_LT(e.stop_date.value_or(e.start_date), options.window_end);
    line.clear();
  }
  EXPECT_GT(outcome[ExecutionStatus::kRunning], 2000 * 0.1);
  EXPECT_GT(outcome[ExecutionStatus::kSucceeded], 2000 * 0.5);
}

TEST(EventSimulator, LiveModeStartsAtTheGivenTimeAndRunsEachExecutionToItsEnd) {
  SimulationOptions options;
  options.executions_per_second = 4;
  options.window_start = kNow;
  options.executions = 400;  // 100 s of traffic.
  int planned_events = 0;
  int finished = 0;
  EventSimulator simulator(options);
  simulator.SetExecutionObserver([&](const SimulatedExecution& e) {
    planned_events += e.events;
    finished += e.stop_date.has_value();
    EXPECT_GE(e.start_date, kNow);
    EXPECT_LT(e.start_date, kNow + 101 * kSecond);
  });
  std::string line;
  EpochMillis delivery = 0;
  EpochMillis previous = 0;
  std::unordered_set<std::string> ids;
  while (simulator.Next(line, &delivery)) {
    auto parsed = ParseEvent(line, 1);
    ASSERT_TRUE(parsed.has_value());
    ids.insert(std::get<StatusChangeEvent>(*parsed).event_id);
    EXPECT_GE(delivery, previous);
    EXPECT_GE(delivery, kNow);
    previous = delivery;
    line.clear();
  }
  EXPECT_EQ(static_cast<int>(ids.size()), planned_events);
  EXPECT_GT(finished, 400 * 9 / 10);  // Nothing is cut off: only the ~3% that never end stay RUNNING.
}

TEST(EventSimulator, UnboundedLiveStreamKeepsGoing) {
  SimulationOptions options;
  options.executions_per_second = 1000;
  options.window_start = kNow;
  options.executions = kUnboundedExecutions;
  EventSimulator simulator(options);
  std::string line;
  EpochMillis delivery = 0;
  for (int i = 0; i < 50'000; ++i) {
    ASSERT_TRUE(simulator.Next(line, &delivery));
    line.clear();
  }
  EXPECT_GT(delivery, kNow + 10 * kSecond);

  std::ostringstream out;
  auto written = WriteSimulation(options, out);
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().code, ErrorCode::kInvalidParameter);
}

TEST(EventSimulator, WithoutFaultsEachExecutionsEventsArriveOnceAndInOrder) {
  SimulationOptions options = WindowOptions(5000);
  options.reorder_rate = 0;
  options.duplicate_rate = 0;
  options.window_start = options.window_end - kHour;  // Busy: many executions overlap.
  EventSimulator simulator(options);
  std::unordered_map<std::string, RecordVersion> newest;
  std::unordered_set<std::string> ids;
  std::string line;
  int events = 0;
  while (simulator.Next(line)) {
    auto parsed = ParseEvent(line, 1);
    ASSERT_TRUE(parsed.has_value());
    const auto& e = std::get<StatusChangeEvent>(*parsed);
    EXPECT_TRUE(ids.insert(e.event_id).second) << line;
    const RecordVersion version = VersionOf(RecordOf(e));
    auto [it, inserted] = newest.emplace(e.execution_arn, version);
    if (!inserted) {
      EXPECT_GT(version, it->second) << line;
      it->second = version;
    }
    ++events;
    line.clear();
  }
  EXPECT_GT(events, 8000);
}

TEST(EventSimulator, ZeroExecutionsIsAnEmptyStream) {
  EXPECT_EQ(WholeStream(WindowOptions(0)), "");
}

TEST(EventSimulator, ManyMachinesHaveDistinctNames) {
  SimulationOptions options = WindowOptions(100);
  options.agents = 60;
  options.non_agent_machines = 9;
  std::vector<SimulatedStateMachine> machines = SimulatedStateMachines(options);
  ASSERT_EQ(machines.size(), 69u);
  std::set<std::string> arns;
  std::set<std::string> agent_names;
  for (const auto& m : machines) {
    arns.insert(m.arn);
    for (const auto& [k, v] : m.tags) {
      if (k == "AgentName") agent_names.insert(v);
    }
  }
  EXPECT_EQ(arns.size(), 69u);
  EXPECT_EQ(agent_names.size(), 60u);
  EXPECT_EQ(machines[24].name, "sql-agent-prod-2");
  EXPECT_EQ(machines[63].name, "agent-playground");
  EXPECT_FALSE(machines[63].is_agent);
}

TEST(ValidateSimulationOptions, NamesTheBadOption) {
  auto expect_invalid = [](SimulationOptions o, std::string_view field) {
    Status s = ValidateSimulationOptions(o);
    ASSERT_FALSE(s.has_value()) << field;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidParameter);
    EXPECT_THAT(s.error().message, ::testing::StartsWith(std::string(field)));
  };
  EXPECT_TRUE(ValidateSimulationOptions(WindowOptions(10)).has_value());
  SimulationOptions o = WindowOptions(10);
  o.window_end = o.window_start;
  expect_invalid(o, "window");
  o = WindowOptions(10);
  o.account = "12345";
  expect_invalid(o, "account");
  o = WindowOptions(10);
  o.region = "us-west-2\"";
  expect_invalid(o, "region");
  o = WindowOptions(10);
  o.duplicate_rate = 1.5;
  expect_invalid(o, "duplicate_rate");
  o = WindowOptions(10);
  o.agents = 0;
  expect_invalid(o, "agents");
  o = WindowOptions(-1);
  expect_invalid(o, "executions");

  std::ostringstream out;
  auto written = WriteSimulation(o, out);
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace exidx
