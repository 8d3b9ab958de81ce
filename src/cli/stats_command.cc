// `exidx stats`: executions per hour or day by status, with duration p50/p95,
// the answer of GET /v1/executions/stats, from the store's hourly statistics.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/store_options.h"
#include "query/execution_stats.h"

namespace exidx::cli {
namespace {

struct StatsOptions {
  StoreOptions store;
  std::string agent, status, from, to, bucket;
  std::string format = "table";
};

std::optional<std::string> Given(const std::string& value) {
  return value.empty() ? std::nullopt : std::optional(value);
}

std::string Seconds(const DurationHistogram& durations, double q) {
  return durations.total == 0 ? "-" : fmt::format("{:.3g}", durations.Quantile(q));
}

void PrintTable(const StatsAnswer& answer, std::ostream& out) {
  out << fmt::format("{:<24} {:>10}", "start", "executions");
  for (ExecutionStatus status : kAllStatuses) out << fmt::format(" {:>15}", StatusName(status));
  out << fmt::format(" {:>9} {:>9}\n", "p50 s", "p95 s");
  auto row = [&](std::string_view label, const StatsCell& cell) {
    out << fmt::format("{:<24} {:>10}", label, cell.executions);
    for (ExecutionStatus status : kAllStatuses) {
      auto it = cell.counts.find(status);
      out << fmt::format(" {:>15}", it == cell.counts.end() ? 0 : it->second);
    }
    out << fmt::format(" {:>9} {:>9}\n", Seconds(cell.durations, 0.5), Seconds(cell.durations, 0.95));
  };
  for (const auto& bucket : answer.buckets) row(FormatTimestamp(bucket.start), bucket.cell);
  row("total", answer.totals);
}

int RunStats(const StatsOptions& options) {
  if (options.format != "json" && options.format != "table") {
    return ReportError(
        {ErrorCode::kInvalidParameter, "--format: expected json or table, got " + Quoted(options.format)});
  }
  const auto now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto query = ParseStatsQuery(Given(options.agent), Given(options.status), Given(options.from), Given(options.to),
                               Given(options.bucket), now);
  if (!query) return ReportError(query.error());
  auto store = OpenStore(options.store, StoreAccess::kReadOnly);
  if (!store) return ReportError(store.error());
  const auto started = std::chrono::steady_clock::now();
  auto answer = ComputeStats(**store, *query);
  if (!answer) return ReportError(answer.error());
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  if (options.format == "json") {
    std::cout << RenderStats(*answer, millis) << '\n';
  } else {
    PrintTable(*answer, std::cout);
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace

void AddStatsCommand(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<StatsOptions>();
  CLI::App* command = app.add_subcommand(
      "stats",
      "Executions per hour or day by status, with duration p50/p95 (GET /v1/executions/stats); needs "
      "the embedded store");
  AddStoreOptions(*command, options->store, /*with_durability=*/false);
  command->add_option("--agent", options->agent, "Only this agent (exact name)");
  command->add_option("--status", options->status, "Only this status");
  command->add_option("--from", options->from, "Earliest start, inclusive (default: 30 days before --to)");
  command->add_option("--to", options->to, "Latest start, inclusive (default: now)");
  command->add_option("--bucket", options->bucket, "hour or day (default: hour up to 2 days of range, else day)");
  command->add_option("--format", options->format, "json (the API's response) or table")->capture_default_str();
  command->callback([options, &exit_status] { exit_status = RunStats(*options); });
}

}  // namespace exidx::cli
