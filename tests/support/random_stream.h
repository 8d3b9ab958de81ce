// RandomStream: what an EventBridge stream of Step Functions status changes
// looks like after retries, reordering, redrives and state machines moving
// between agents. Every version of `executions` executions (records built by
// Exec): a RUNNING one, then up to four more alternating between a terminal
// status (terminal_statuses, a duration later) and a redrive (PENDING_REDRIVE
// or RUNNING, one redrive more), now and then under another agent; some
// versions delivered twice; all shuffled. The same options give the same
// stream, with no state shared between calls.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/record.h"
#include "support/record_builder.h"

namespace exidx::testing {

struct RandomStreamOptions {
  std::uint32_t seed = 1;
  int executions = 100;
  // An execution's agent, and the agent a version moves to: picked at random.
  std::vector<std::string> agents = {"a"};
  // startDates are uniform in [start_from, start_to].
  EpochMillis start_from = 0;
  EpochMillis start_to = 5000;
  // Durations of terminal versions, picked at random (plus the version's
  // number); empty: 100 ms.
  std::vector<EpochMillis> durations;
  // The statuses a terminal version picks from.
  std::vector<ExecutionStatus> terminal_statuses = {ExecutionStatus::kSucceeded, ExecutionStatus::kFailed};
  double agent_change = 0.15;  // The chance that a version changes the agent.
  double duplicate = 0.3;      // The chance that an execution has one version twice.
};

inline std::vector<ExecutionRecord> RandomStream(const RandomStreamOptions& options) {
  std::mt19937 rng(options.seed);
  auto pick = [&rng](const auto& items) {
    return items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(rng)];
  };
  auto chance = [&rng](double p) { return std::bernoulli_distribution(p)(rng); };
  constexpr auto kRunning = ExecutionStatus::kRunning;
  std::vector<ExecutionRecord> events;
  for (int i = 0; i < options.executions; ++i) {
    const std::string arn = fmt::format("arn:aws:states:us-east-1:1:execution:sm:{:04}", i);
    const std::string agent = pick(options.agents);
    const EpochMillis start = std::uniform_int_distribution<EpochMillis>(options.start_from, options.start_to)(rng);
    events.push_back(Exec(arn, agent, kRunning, start));
    const int versions = std::uniform_int_distribution<int>(0, 4)(rng);
    for (int v = 0; v < versions; ++v) {
      const std::int64_t redrive = v / 2;
      const std::string version_agent = chance(options.agent_change) ? pick(options.agents) : agent;
      if (v % 2 == 0) {
        const ExecutionStatus terminal = pick(options.terminal_statuses);
        const EpochMillis duration = options.durations.empty() ? 100 : pick(options.durations);
        events.push_back(Exec(arn, version_agent, terminal, start, start + duration + v, redrive));
      } else {
        events.push_back(Exec(arn, version_agent, chance(0.5) ? ExecutionStatus::kPendingRedrive : kRunning, start,
                              std::nullopt, redrive + 1));
      }
    }
    if (chance(options.duplicate)) events.push_back(events[events.size() - 1 - rng() % (versions + 1)]);
  }
  std::shuffle(events.begin(), events.end(), rng);
  return events;
}

}  // namespace exidx::testing
