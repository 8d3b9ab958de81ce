#include "server/demo_feed.h"

#include <chrono>

#include "server/json_log.h"

namespace exidx::server {

SimulationOptions DemoSimulationOptions(EpochMillis now) {
  return DefaultSimulationOptions(now);
}

DemoFeed::DemoFeed(ExecutionService& service, ExecutionStore& store, const Clock& clock, DemoFeedOptions options)
    : service_(service), store_(store), clock_(clock), options_(options) {}

DemoFeed::~DemoFeed() {
  Stop();
}

void DemoFeed::Start() {
  thread_ = std::thread([this] { Run(); });
}

void DemoFeed::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool DemoFeed::SleepUntil(EpochMillis deadline) {
  std::unique_lock lock(mu_);
  const EpochMillis wait = deadline - clock_.NowMillis();
  if (wait > 0) cv_.wait_for(lock, std::chrono::milliseconds(wait), [this] { return stop_; });
  return !stop_;
}

bool DemoFeed::Ingest(const std::string& body) {
  auto counts = service_.Ingest(body);
  if (!counts) {
    LogLine(LogLevel::kWarn, "demo feed: ingestion failed").Str("error", counts.error().message);
    return false;
  }
  return true;
}

void DemoFeed::Run() {
  Backfill();
  Live();
}

void DemoFeed::Backfill() {
  auto any = store_.Scan(ScanRequest{.limit = 1});
  if (!any || !any->empty()) return;  // Only an empty store gets history.
  const EpochMillis now = clock_.NowMillis();
  SimulationOptions options = DemoSimulationOptions(now);
  options.seed = 7;
  options.executions = options_.backfill_executions;
  options.window_start = now - std::int64_t{options_.backfill_days} * 24 * 3600 * 1000;
  options.window_end = now;
  LogLine(LogLevel::kInfo, "demo feed: backfilling history")
      .Int("days", options_.backfill_days)
      .Int("executions", options.executions);
  EventSimulator simulator(options);
  std::string batch, line;
  std::int64_t events = 0;
  for (bool more = true; more;) {
    line.clear();
    more = simulator.Next(line);
    if (more) {
      batch += line;
      batch += '\n';
      ++events;
    }
    if ((!more && !batch.empty()) || batch.size() >= (std::size_t{512} << 10)) {
      {
        std::lock_guard lock(mu_);
        if (stop_) return;
      }
      Ingest(batch);
      batch.clear();
    }
  }
  LogLine(LogLevel::kInfo, "demo feed: history backfilled").Int("events", events);
}

void DemoFeed::Live() {
  SimulationOptions options = DemoSimulationOptions(clock_.NowMillis());
  options.seed = static_cast<std::uint64_t>(clock_.NowMillis());  // New executions on every run.
  options.executions = kUnboundedExecutions;
  options.executions_per_second = options_.executions_per_second;
  options.window_start = clock_.NowMillis();
  LogLine(LogLevel::kInfo, "demo feed: live").Num("executions_per_second", options.executions_per_second);
  EventSimulator simulator(options);
  std::string line;
  EpochMillis due = 0;
  while (simulator.Next(line, &due)) {
    if (!SleepUntil(due)) return;
    Ingest(line);
    line.clear();
  }
}

}  // namespace exidx::server
