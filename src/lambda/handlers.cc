#include "lambda/handlers.h"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cmath>
#include <vector>

#include "core/event.h"
#include "core/json_render.h"
#include "query/list_executions.h"

namespace exidx::lambda {
namespace {

namespace json = boost::json;

using Counts = std::initializer_list<std::pair<const char*, std::uint64_t>>;

// One line of CloudWatch's embedded metric format: `metrics` become metrics
// (namespace ExecutionIndex, no dimensions), `properties` are logged beside.
std::string EmbeddedMetricsLine(EpochMillis now, Counts metrics, Counts properties = {}) {
  json::array names;
  json::object line;
  for (const auto& [name, value] : metrics) {
    names.push_back(json::object{{"Name", name}, {"Unit", "Count"}});
    line[name] = value;
  }
  for (const auto& [name, value] : properties) line[name] = value;
  line["_aws"] = json::object{{"Timestamp", now},
                              {"CloudWatchMetrics", json::array{json::object{{"Namespace", "ExecutionIndex"},
                                                                             {"Dimensions", json::array{json::array{}}},
                                                                             {"Metrics", std::move(names)}}}}};
  return json::serialize(line);
}

constexpr std::string_view kFieldName = "listExecutionsFromIndex";

Result<std::optional<std::string>> ArgumentText(std::string_view name, const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: return std::optional<std::string>();
    case json::kind::string: return std::optional<std::string>(std::string(value.get_string()));
    case json::kind::int64: return std::optional<std::string>(std::to_string(value.get_int64()));
    case json::kind::uint64: return std::optional<std::string>(std::to_string(value.get_uint64()));
    case json::kind::double_: {
      // GraphQL Int arrives as a JSON number, which a JavaScript caller may
      // send as 20.0; an integral double is that integer, anything else is
      // passed on as written so that validation names it.
      const double d = value.get_double();
      if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 1e15) {
        return std::optional<std::string>(std::to_string(static_cast<std::int64_t>(d)));
      }
      return std::optional<std::string>(fmt::format("{}", d));
    }
    default:
      return Fail(ErrorCode::kInvalidParameter,
                  std::string(name) + ": expected a string or a number, got " + Quoted(json::serialize(value)));
  }
}

Result<QueryArguments> ArgumentsFromObject(const json::object& arguments) {
  QueryArguments out;
  for (const auto& [key, value] : arguments) {
    std::optional<std::string>* argument = ArgumentNamed(out, key);
    if (argument == nullptr) {
      return Fail(ErrorCode::kInvalidParameter,
                  fmt::format("unknown argument {}; expected {}", Quoted(key), fmt::join(kQueryArgumentNames, ", ")));
    }
    auto text = ArgumentText(key, value);
    if (!text) return std::unexpected(text.error());
    *argument = std::move(*text);
  }
  return out;
}

}  // namespace

Result<std::string> IndexHandler::Handle(std::string_view payload, const Deadline& deadline) {
  auto event = ParseEvent(payload, 1);
  if (!event) return std::unexpected(event.error());
  auto counts = indexer_.Ingest(std::span<const ParsedEvent>(&*event, 1), deadline);
  LogTagMetrics();
  if (!counts) return std::unexpected(counts.error());
  return RenderIngestCounts(*counts);
}

void IndexHandler::LogTagMetrics() {
  if (agents_ == nullptr || clock_ == nullptr || !log_) return;
  const AgentCacheStats now = agents_->Stats();
  if (now.misses == logged_.misses && now.shared.hits == logged_.shared.hits) return;  // No lookup.
  log_(LogKind::kMetrics, TagMetricsLine(logged_, now, clock_->NowMillis()));
  logged_ = now;
}

std::string TagMetricsLine(const AgentCacheStats& before, const AgentCacheStats& after, EpochMillis now) {
  return EmbeddedMetricsLine(now, {{"TagLookups", after.misses - before.misses},
                                   {"TagLookupsFailed", after.failures - before.failures},
                                   {"TagLookupsThrottled", after.throttled - before.throttled},
                                   {"TagSharedCacheHits", after.shared.hits - before.shared.hits},
                                   {"TagSharedCacheWaits", after.shared.waits - before.shared.waits}});
}

Result<QueryArguments> ListArgumentsFromPayload(std::string_view payload) {
  boost::system::error_code ec;
  json::value root = json::parse(payload, ec);
  if (ec || !root.is_object()) {
    return Fail(ErrorCode::kInvalidParameter, "the invocation payload is not a JSON object");
  }
  const json::object& event = root.get_object();
  const json::value* arguments = event.if_contains("arguments");
  if (arguments == nullptr) return ArgumentsFromObject(event);  // A bare arguments object.

  const json::value* field = event.if_contains("fieldName");
  if (field == nullptr || field->is_null()) {
    const json::value* info = event.if_contains("info");
    field = info && info->is_object() ? info->get_object().if_contains("fieldName") : nullptr;
  }
  if (field != nullptr && !field->is_null() && !(field->is_string() && field->get_string() == kFieldName)) {
    return Fail(ErrorCode::kInvalidParameter, "fieldName: this function answers " + std::string(kFieldName) + ", got " +
                                                  Quoted(json::serialize(*field)));
  }
  if (arguments->is_null()) return QueryArguments{};
  if (!arguments->is_object()) {
    return Fail(ErrorCode::kInvalidParameter,
                "arguments: expected an object, got " + Quoted(json::serialize(*arguments)));
  }
  return ArgumentsFromObject(arguments->get_object());
}

// Reads are not bounded by the deadline yet (ExecutionStore::Scan takes none);
// the runtime loop still answers at the deadline.
Result<std::string> ListHandler::Handle(std::string_view payload, const Deadline&) {
  const auto started = std::chrono::steady_clock::now();
  auto arguments = ListArgumentsFromPayload(payload);
  if (!arguments) return std::unexpected(arguments.error());
  auto page = ListExecutions(store_, tokens_, *arguments);
  if (!page) return std::unexpected(page.error());
  const auto fetch_millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return RenderListResponse(*page, fetch_millis);
}

std::string ReconcileMetricsLine(const ReconcileCounts& counts, EpochMillis now) {
  return EmbeddedMetricsLine(
      now,
      {{"ReconcileRepaired", counts.repaired},
       {"ReconcileDiscovered", counts.discovery.indexed},
       {"ReconcileGone", counts.gone},
       {"ReconcileCalls", counts.calls}},
      {{"stale", counts.stale}, {"stillRunning", counts.still_running}, {"stopped", counts.stopped}});
}

Result<std::string> ReconcileHandler::Handle(std::string_view, const Deadline& deadline) {
  ReconcileOptions options = options_;
  options.deadline = deadline;
  Reconcile reconcile(store_, agents_, step_functions_, clock_, std::move(options));
  auto counts = reconcile.Run();
  if (!counts) return std::unexpected(counts.error());
  if (log_) log_(LogKind::kMetrics, ReconcileMetricsLine(*counts, clock_.NowMillis()));
  return RenderReconcileCounts(*counts);
}

}  // namespace exidx::lambda
