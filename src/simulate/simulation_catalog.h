// The catalog a simulation draws from: the agent state machines with their
// prompts and answers, the non-agent machines with their tags, and the errors
// a FAILED execution reports. Internal to src/simulate; SimulatedStateMachines
// (simulator.h) turns it into the machines of one simulation.
#pragma once

#include <array>
#include <span>
#include <string_view>
#include <utility>

#include "core/time.h"

namespace exidx::simulate {

struct AgentSpec {
  std::string_view agent_name;    // The AgentName tag.
  std::string_view machine_name;  // May differ from the agent name, as in real accounts.
  std::array<std::string_view, 2> prompts;
  std::array<std::string_view, 2> answers;
};

struct OtherSpec {
  std::string_view machine_name;
  std::array<std::pair<std::string_view, std::string_view>, 2> tags;  // Empty key: none.
  std::string_view input;
  std::string_view output;
  EpochMillis timeout;
};

struct FailureSpec {
  std::string_view error;
  std::string_view cause;
};

// The spec of agent `index` (0 is the busiest); the catalog repeats past its end.
// REQUIRES: index >= 0.
const AgentSpec& AgentSpecOf(int index);

// The spec of non-agent machine `index`; the catalog repeats past its end.
// REQUIRES: index >= 0.
const OtherSpec& OtherSpecOf(int index);

// The errors and causes of FAILED executions.
std::span<const FailureSpec> Failures();

}  // namespace exidx::simulate
