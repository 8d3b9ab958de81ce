#include "indexer/reconcile.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <array>

#include "indexer/indexer.h"
#include "indexer/listed_execution.h"

namespace exidx {
namespace {

namespace json = boost::json;

constexpr std::string_view kRunCheckpoint = "reconcile";
constexpr std::string_view kStaleCheckpoint = "reconcile/stale";
constexpr std::string_view kDiscoveryCheckpoint = "reconcile/discovery";
constexpr std::array<ExecutionStatus, 2> kOpenStatuses = {ExecutionStatus::kRunning, ExecutionStatus::kPendingRedrive};
constexpr std::size_t kStalePage = 100;

// Where the stale pass stopped: the status it was visiting (an index into
// kOpenStatuses) and the last record it described.
struct StalePosition {
  std::size_t status = 0;
  std::optional<Cursor> after;
};

Result<StalePosition> ReadStalePosition(ExecutionStore& store) {
  auto text = store.ReadCheckpoint(kStaleCheckpoint);
  if (!text) return std::unexpected(text.error());
  StalePosition position;
  if (!*text) return position;
  boost::system::error_code ec;
  const json::value value = json::parse(**text, ec);
  if (ec || !value.is_object()) {
    return Fail(ErrorCode::kInternal, "the store's checkpoint " + Quoted(kStaleCheckpoint) + " is not a JSON object");
  }
  const json::object& object = value.get_object();
  const auto* status = object.if_contains("status");
  const auto* start = object.if_contains("startDate");
  const auto* arn = object.if_contains("executionArn");
  if (status && status->is_int64() && status->get_int64() >= 0 &&
      status->get_int64() < static_cast<std::int64_t>(kOpenStatuses.size())) {
    position.status = static_cast<std::size_t>(status->get_int64());
  }
  if (start && start->is_int64() && arn && arn->is_string()) {
    position.after = Cursor{.start_date = start->get_int64(), .execution_arn = std::string(arn->get_string())};
  }
  return position;
}

Status WriteStalePosition(ExecutionStore& store, const StalePosition& position) {
  json::object object{{"status", position.status}};
  if (position.after) {
    object["startDate"] = position.after->start_date;
    object["executionArn"] = position.after->execution_arn;
  }
  return store.WriteCheckpoint(kStaleCheckpoint, json::serialize(object));
}

}  // namespace

std::string RenderReconcileCounts(const ReconcileCounts& c) {
  return fmt::format(R"({{"stale":{},"repaired":{},"stillRunning":{},"gone":{},"discoveryListed":{},"discovered":{},)"
                     R"("discoveryDescribed":{},"calls":{},"stopped":{}}})",
                     c.stale, c.repaired, c.still_running, c.gone, c.discovery.listed, c.discovery.indexed,
                     c.discovery.described, c.calls, c.stopped);
}

Reconcile::Reconcile(ExecutionStore& store, AgentResolver& agents, aws::StepFunctionsRegions& step_functions,
                     const Clock& clock, ReconcileOptions options)
    : store_(store), agents_(agents), step_functions_(step_functions), clock_(clock), options_(std::move(options)) {}

bool Reconcile::MayCall(std::uint64_t budget) const {
  const bool out_of_time = options_.deadline.bounded() && options_.deadline.Remaining() < kCallMargin;
  return !out_of_time && step_functions_.Stats().calls.calls - calls_before_ < budget;
}

Result<ReconcileCounts> Reconcile::Run() {
  now_ = clock_.NowMillis();
  calls_before_ = step_functions_.Stats().calls.calls;
  ReconcileCounts counts;
  if (auto repaired = RepairStale(counts); !repaired) return std::unexpected(repaired.error());
  if (auto discovered = Discover(counts); !discovered) return std::unexpected(discovered.error());
  counts.calls = step_functions_.Stats().calls.calls - calls_before_;
  return counts;
}

Status Reconcile::RepairStale(ReconcileCounts& counts) {
  auto position = ReadStalePosition(store_);
  if (!position) return std::unexpected(position.error());
  for (; position->status < kOpenStatuses.size(); ++position->status, position->after.reset()) {
    ScanRequest request;
    request.filter.status = kOpenStatuses[position->status];
    request.filter.start_to = now_ - options_.older_than.count();
    request.order = SortOrder::kAsc;
    request.after = position->after;
    request.limit = kStalePage;
    for (;;) {
      auto page = store_.Scan(request);
      if (!page) return std::unexpected(page.error());
      std::vector<ExecutionRecord> candidates;
      for (const ExecutionRecord& record : *page) {
        // Half the budget at most: records that keep running (long
        // executions) must not starve the discovery of lost ones.
        if (!MayCall(options_.max_calls - options_.max_calls / 2)) {
          counts.stopped = true;
          break;
        }
        auto client = step_functions_.ForArn(record.execution_arn);
        if (!client) return std::unexpected(client.error());
        aws::ServiceError service_error;
        auto described = (*client)->DescribeExecution(record.execution_arn, &service_error);
        ++counts.stale;
        position->after = CursorOf(record);
        if (!described) {
          if (service_error.type != "ExecutionDoesNotExist") return std::unexpected(described.error());
          ++counts.gone;
          continue;
        }
        auto change = StatusChangeOf(*described);
        if (!change) return std::unexpected(change.error());
        candidates.push_back(RecordOf(*change, record.agent_name, clock_.NowMillis()));
      }
      auto outcomes = store_.Apply(candidates);
      if (!outcomes) return std::unexpected(outcomes.error());
      for (ApplyOutcome outcome : *outcomes)
        ++(outcome == ApplyOutcome::kIndexed ? counts.repaired : counts.still_running);
      if (auto kept = WriteStalePosition(store_, *position); !kept) return kept;
      if (counts.stopped) return {};
      if (page->size() < request.limit) break;
      request.after = CursorOf(page->back());
    }
  }
  return WriteStalePosition(store_, StalePosition{});  // All visited: the next run starts from the oldest.
}

Status Reconcile::Discover(ReconcileCounts& counts) {
  auto previous = store_.ReadCheckpoint(kRunCheckpoint);
  if (!previous) return std::unexpected(previous.error());
  EpochMillis since = now_ - options_.first_window.count();
  if (*previous) {
    boost::system::error_code ec;
    const json::value value = json::parse(**previous, ec);
    const json::value* from = !ec && value.is_object() ? value.get_object().if_contains("discoveredFrom") : nullptr;
    if (!from || !from->is_int64()) {
      return Fail(ErrorCode::kInternal, "the store's checkpoint " + Quoted(kRunCheckpoint) + " is malformed");
    }
    since = from->get_int64() - options_.overlap.count();
  }
  const std::uint64_t used = step_functions_.Stats().calls.calls - calls_before_;
  if (used >= options_.max_calls) {
    counts.stopped = true;
    return {};
  }
  Backfill discovery(store_, agents_, step_functions_, clock_,
                     BackfillOptions{.since = since,
                                     .state_machines = options_.state_machines,
                                     .resume = true,
                                     .restart_other_runs = true,
                                     .parallel = options_.parallel,
                                     .checkpoint = std::string(kDiscoveryCheckpoint),
                                     .max_calls = options_.max_calls - used,
                                     .deadline = options_.deadline});
  auto discovered = discovery.Run();
  if (!discovered) return std::unexpected(discovered.error());
  counts.discovery = *discovered;
  if (discovered->stopped) {
    counts.stopped = true;
    return {};
  }
  // Done up to this run's start: the next one lists from there, less the overlap.
  return store_.WriteCheckpoint(kRunCheckpoint, json::serialize(json::object{{"discoveredFrom", now_}}));
}

}  // namespace exidx
