#include "bench/workload.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "indexer/agent_resolver.h"

namespace exidx::bench {
namespace {
constexpr EpochMillis kDay = 86'400'000;
constexpr EpochMillis kNow = 1'764'000'000'000;  // A fixed "now": 2025-11-24.
}  // namespace

Workload::Workload(const WorkloadOptions& options) : options_(options) {
  simulation_ = DefaultSimulationOptions(kNow);
  simulation_.seed = options.seed;
  const std::int64_t total = std::max(options.total_executions, options.sizes.back());
  simulation_.executions = total;
  simulation_.window_end = kNow;
  simulation_.window_start = kNow - total * kDay / options.executions_per_day;
  if (auto ok = ValidateSimulationOptions(simulation_); !ok) {
    std::fprintf(stderr, "workload: %s\n", ok.error().message.c_str());
    std::abort();
  }
  for (const SimulatedStateMachine& machine : SimulatedStateMachines(simulation_)) {
    int agent = -1;
    if (machine.is_agent) {
      Tags tags(machine.tags.begin(), machine.tags.end());
      if (auto name = ClassifyAgent(AgentRule{}, machine.arn, tags)) {
        agent = static_cast<int>(agent_names_.size());
        agent_names_.push_back(*name);
      }
    }
    agent_of_machine_.emplace_back(machine.arn, agent);
  }
  simulator_ = std::make_unique<EventSimulator>(simulation_);
  simulator_->SetExecutionObserver([this](const SimulatedExecution& e) { Observe(e); });
}

Workload::~Workload() = default;

void Workload::Observe(const SimulatedExecution& execution) {
  int agent = -1;
  for (const auto& [arn, index] : agent_of_machine_) {
    if (arn == execution.state_machine_arn) agent = index;
  }
  ++observed_;
  if (agent >= 0) ++observed_agents_;
  if (!options_.parse) {
    planned_.push_back({.agent = agent, .status = execution.status, .start_date = execution.start_date});
  }
  const std::size_t k = checkpoints_.size();
  if (k < options_.sizes.size() && observed_ == options_.sizes[k]) {
    checkpoints_.push_back(
        {.executions = observed_, .agent_executions = observed_agents_, .now = execution.start_date});
  }
}

std::optional<Checkpoint> Workload::Fill(std::vector<ParsedEvent>& events, std::size_t max) {
  if (done_) return std::nullopt;
  for (std::size_t added = 0; added < max;) {
    EpochMillis delivery = 0;
    if (held_delivery_) {
      delivery = *held_delivery_;
      held_delivery_.reset();
    } else {
      line_.clear();
      if (!simulator_->Next(line_, &delivery)) {
        done_ = true;
        Checkpoint last{.executions = observed_, .agent_executions = observed_agents_, .now = simulation_.window_end};
        if (next_checkpoint_ < checkpoints_.size()) last.now = checkpoints_[next_checkpoint_].now;
        return last;
      }
      ++generated_;
    }
    // The last size is the end of the stream, not a cut, unless more is simulated.
    const bool cut = next_checkpoint_ + 1 < options_.sizes.size() || simulation_.executions > options_.sizes.back();
    if (cut && next_checkpoint_ < checkpoints_.size() && delivery > checkpoints_[next_checkpoint_].now) {
      held_delivery_ = delivery;
      if (next_checkpoint_ + 1 == options_.sizes.size()) done_ = true;
      return checkpoints_[next_checkpoint_++];
    }
    if (options_.parse) {
      auto parsed = ParseEvent(line_, generated_);
      if (!parsed) {
        std::fprintf(stderr, "workload: %s\n", parsed.error().message.c_str());
        std::abort();
      }
      events.push_back(std::move(*parsed));
    }
    ++added;
  }
  return std::nullopt;
}

}  // namespace exidx::bench
