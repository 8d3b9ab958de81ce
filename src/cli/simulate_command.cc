#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/clock.h"
#include "simulate/simulator.h"

namespace exidx::cli {
namespace {

struct SimulateCommandOptions {
  std::int64_t executions = 1000;
  std::uint64_t seed = 1;
  int agents = 20;
  int non_agents = 3;
  std::string start, end;
  double duplicate_rate = 0.01;
  double reorder_rate = 0.05;
  std::string output = "-";
  std::string tags_out;
};

Result<EpochMillis> Bound(const std::string& text, std::string_view name, BoundSide side) {
  auto t = ParseDateBound(text, side);
  if (!t) return Fail(ErrorCode::kInvalidParameter, fmt::format("{}: {}", name, t.error().message));
  return *t;
}

int RunSimulate(const SimulateCommandOptions& command) {
  SimulationOptions options = DefaultSimulationOptions(SystemClock().NowMillis());
  options.seed = command.seed;
  options.executions = command.executions;
  options.agents = command.agents;
  options.non_agent_machines = command.non_agents;
  options.duplicate_rate = command.duplicate_rate;
  options.reorder_rate = command.reorder_rate;
  if (!command.end.empty()) {
    auto end = Bound(command.end, "--end", BoundSide::kTo);
    if (!end) return ReportError(end.error());
    options.window_end = *end + 1;
    options.window_start = options.window_end - 30LL * 24 * 3600 * 1000;
  }
  if (!command.start.empty()) {
    auto start = Bound(command.start, "--start", BoundSide::kFrom);
    if (!start) return ReportError(start.error());
    options.window_start = *start;
  }
  if (auto valid = ValidateSimulationOptions(options); !valid) return ReportError(valid.error());

  if (!command.tags_out.empty()) {
    std::ofstream tags(command.tags_out, std::ios::binary | std::ios::trunc);
    tags << TagsFileJson(options) << '\n';
    tags.close();
    if (!tags) return ReportError({ErrorCode::kInternal, "cannot write " + Quoted(command.tags_out)});
  }
  std::ofstream file;
  if (command.output != "-") {
    file.open(command.output, std::ios::binary | std::ios::trunc);
    if (!file) return ReportError({ErrorCode::kInvalidParameter, "cannot write " + Quoted(command.output)});
  }
  std::ostream& out = command.output == "-" ? std::cout : file;
  if (auto written = WriteSimulation(options, out); !written) return ReportError(written.error());
  out.flush();
  return out ? 0 : ReportError({ErrorCode::kInternal, "cannot write the events"});
}

}  // namespace

void AddSimulateCommand(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<SimulateCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "simulate",
      "Write a realistic NDJSON stream of Step Functions status-change events (agents, durations, failures, "
      "duplicates, reordering, redrives), deterministic for a seed");
  command->add_option("--executions,-n", options->executions, "How many executions")->capture_default_str();
  command->add_option("--seed", options->seed, "Seed; the same options give the same bytes")->capture_default_str();
  command->add_option("--agents", options->agents, "Agent state machines (1 to 1000)")->capture_default_str();
  command->add_option("--non-agents", options->non_agents, "State machines that are not agents (0 to 100)")
      ->capture_default_str();
  command->add_option("--start", options->start, "Window start (RFC 3339 or YYYY-MM-DD); default: 30 days before end");
  command->add_option("--end", options->end,
                      "Window end, the simulation's \"now\" (RFC 3339 or YYYY-MM-DD); default: now");
  command->add_option("--duplicate-rate", options->duplicate_rate, "Fraction of events delivered twice")
      ->capture_default_str();
  command
      ->add_option("--reorder-rate", options->reorder_rate,
                   "Fraction of events delivered after a later event of the same execution")
      ->capture_default_str();
  command->add_option("--output,-o", options->output, "Events file, or - for standard output")->capture_default_str();
  command->add_option("--tags-out", options->tags_out, "Also write the matching --tags-file here");
  command->callback([options, &exit_status] { exit_status = RunSimulate(*options); });
}

}  // namespace exidx::cli
