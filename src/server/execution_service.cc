#include "server/execution_service.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <initializer_list>
#include <vector>

#include "core/event.h"
#include "core/json_render.h"
#include "query/execution_stats.h"
#include "query/list_executions.h"
#include "server/query_string.h"
#include "server/web_assets.h"

namespace exidx::server {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// An SSE stream of the changes matching `filter` after sequence `last`.
class ChangeStream final : public EventStream {
 public:
  ChangeStream(ExecutionStore& store, ExecutionFilter filter, std::uint64_t last, std::size_t batch)
      : store_(store), filter_(std::move(filter)), last_(last), batch_(batch) {}

  Result<bool> Poll(std::string& out) override {
    if (!started_) {
      // Tells the browser how soon to reconnect; the comment shows the stream is open.
      out += fmt::format(": exidx change stream from sequence {}\nretry: 2000\n\n", last_);
      started_ = true;
    }
    auto range = store_.ReadChanges(last_, batch_);
    if (!range) return std::unexpected(range.error());
    // An id beyond the feed's newest is not one this feed gave (the store was
    // replaced, or the client made it up): waiting for it would deliver
    // nothing, ever. Like a trimmed id, the client must reload.
    const bool ahead = last_ > range->latest;
    if (range->missed || ahead) {
      // The reset carries the newest id, so a reconnect resumes from there.
      const std::string data = boost::json::serialize(boost::json::object{
          {"reason", ahead ? "the requested id is beyond the newest change of this feed; reload the list"
                           : "changes after the requested id are no longer in the change feed; reload the list"},
          {"lastEventId", last_},
          {"latest", range->latest},
      });
      out += fmt::format("id: {}\nevent: reset\ndata: {}\n\n", range->latest, data);
      last_ = range->latest;
      return false;
    }
    for (const RecordChange& change : range->changes) {
      last_ = change.sequence;
      if (!Matches(filter_, change.record)) continue;
      out += fmt::format("id: {}\nevent: execution\ndata: {}\n\n", change.sequence, RenderRecord(change.record));
    }
    return range->changes.size() >= batch_;
  }

 private:
  ExecutionStore& store_;
  const ExecutionFilter filter_;
  std::uint64_t last_;
  const std::size_t batch_;
  bool started_ = false;
};

Result<std::uint64_t> ParseEventId(std::string_view text) {
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Fail(ErrorCode::kInvalidParameter,
                "Last-Event-ID: expected the id of an event of this stream, got " + Quoted(text));
  }
  return id;
}

// The arguments of a route that takes only the filters (`what`: "a stream",
// "stats") and parameters of its own (`own`): the query string's parameters
// and its filter arguments. Paging arguments are refused by name, any other
// parameter as unknown.
struct FilterArguments {
  QueryParams params;
  QueryArguments arguments;
};
Result<FilterArguments> FilterArgumentsOf(std::string_view query, std::string_view what,
                                          std::initializer_list<std::string_view> own) {
  auto params = ParseQueryString(query);
  if (!params) return std::unexpected(params.error());
  for (const auto& [name, value] : *params) {
    if (name == "maxResults" || name == "nextToken" || name == "order") {
      return Fail(ErrorCode::kInvalidParameter, fmt::format("{}: not an argument of {}", name, what));
    }
  }
  std::vector<std::string_view> accepted = {"agentName", "status", "startDateFrom", "startDateTo"};
  accepted.insert(accepted.end(), own.begin(), own.end());
  auto arguments = QueryArgumentsOf(*params, accepted);
  if (!arguments) return std::unexpected(arguments.error());
  return FilterArguments{std::move(*params), std::move(*arguments)};
}

}  // namespace

Result<std::unique_ptr<ExecutionService>> ExecutionService::Create(ExecutionStore& store, Indexer& indexer,
                                                                   AgentResolver& agents, ChangeHub& hub,
                                                                   ServerMetrics& metrics, ServiceOptions options) {
  auto secret = store.PageTokenSecret();
  if (!secret) return std::unexpected(secret.error());
  return std::unique_ptr<ExecutionService>(
      new ExecutionService(store, indexer, agents, hub, metrics, std::move(options), std::move(*secret)));
}

ExecutionService::ExecutionService(ExecutionStore& store, Indexer& indexer, AgentResolver& agents, ChangeHub& hub,
                                   ServerMetrics& metrics, ServiceOptions options, std::string token_secret)
    : store_(store),
      indexer_(indexer),
      agents_(agents),
      hub_(hub),
      metrics_(metrics),
      options_(std::move(options)),
      tokens_(std::move(token_secret)),
      read_keys_(options_.read_keys),
      ingest_keys_(options_.ingest_keys) {
  auto bind = [this](HttpResponse (ExecutionService::*method)(const HttpRequest&)) {
    return [this, method](const HttpRequest& request) { return (this->*method)(request); };
  };
  router_.Add({"GET", "/v1/executions", "list_executions", Access::kRead, bind(&ExecutionService::ListExecutions)});
  router_.Add({"POST", "/v1/events", "post_events", Access::kIngest, bind(&ExecutionService::PostEvents)});
  router_.Add(
      {"GET", "/v1/executions/stream", "stream_executions", Access::kRead, bind(&ExecutionService::StreamExecutions)});
  router_.Add({"GET", "/v1/executions/stats", "execution_stats", Access::kRead, bind(&ExecutionService::Stats)});
  router_.Add({"GET", "/v1/agents", "list_agents", Access::kRead, bind(&ExecutionService::ListAgents)});
  router_.Add({"GET", "/healthz", "healthz", Access::kPublic, [](const HttpRequest&) { return HealthyResponse(); }});
  router_.Add({"GET", "/readyz", "readyz", Access::kPublic, bind(&ExecutionService::Ready)});
  router_.Add({"GET", "/metrics", "metrics", Access::kRead, bind(&ExecutionService::Metrics)});
  // The History page and its assets hold no data (the page asks for a read
  // key itself when the API needs one), so they are public.
  for (const WebAsset& asset : WebAssets()) {
    router_.Add({"GET", std::string(asset.path), "web_page", Access::kPublic, [&asset](const HttpRequest&) {
                   HttpResponse response;
                   response.content_type = std::string(asset.content_type);
                   response.body = std::string(asset.body);
                   response.headers.emplace_back("Cache-Control", "no-cache");
                   response.headers.emplace_back("X-Content-Type-Options", "nosniff");
                   return response;
                 }});
  }
}

bool ExecutionService::Authorized(Access access, const HttpRequest& request) const {
  const ApiKeySet* keys = nullptr;
  switch (access) {
    case Access::kPublic: return true;
    case Access::kRead: keys = &read_keys_; break;
    case Access::kIngest: keys = &ingest_keys_; break;
  }
  if (keys->empty()) return true;
  auto key = PresentedKey(request);
  return key && keys->Contains(*key);
}

// EventSource cannot send headers, so the stream alone also takes its read key
// as ?apiKey=KEY (a URL that may end up in a proxy's access log: the header
// remains the way for everything else; exidx logs paths without queries).
bool ExecutionService::StreamKeyInQuery(const HttpRequest& request) const {
  if (read_keys_.empty()) return true;
  auto params = ParseQueryString(request.query);
  if (!params) return false;
  const std::string key = ParamOr(*params, "apiKey");
  return !key.empty() && read_keys_.Contains(key);
}

HttpResponse ExecutionService::Handle(const HttpRequest& request) {
  const auto started = Clock::now();
  const Router::Match match = router_.Find(request.method, request.path);
  HttpResponse response;
  std::string_view route_name = "none";
  if (match.route == nullptr) {
    if (match.status == 405) {
      response = ProtocolErrorResponse(405, "MethodNotAllowed",
                                       fmt::format("{} is not allowed here; use {}", request.method, match.allow));
      response.headers.emplace_back("Allow", match.allow);
    } else {
      response = ProtocolErrorResponse(404, "NotFound", "no such resource: " + Quoted(request.path));
    }
  } else {
    route_name = match.route->name;
    const bool authorized = Authorized(match.route->access, request) ||
                            (match.route->name == "stream_executions" && StreamKeyInQuery(request));
    if (!authorized) {
      response = ErrorResponse(
          {ErrorCode::kUnauthorized, match.route->access == Access::kIngest
                                         ? "an ingest key is required: Authorization: Bearer KEY or x-api-key: KEY"
                                         : "a read key is required: Authorization: Bearer KEY or x-api-key: KEY"});
    } else {
      response = match.route->handler(request);
    }
  }
  metrics_.RecordRequest(route_name, response.status, SecondsSince(started));
  return response;
}

HttpResponse ExecutionService::ListExecutions(const HttpRequest& request) {
  const auto started = Clock::now();
  auto params = ParseQueryString(request.query);
  if (!params) return ErrorResponse(params.error());
  auto arguments = QueryArgumentsOf(*params);
  if (!arguments) return ErrorResponse(arguments.error());
  auto page = exidx::ListExecutions(store_, tokens_, *arguments);
  if (!page) return ErrorResponse(page.error());
  const auto fetch_millis = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  return JsonResponse(RenderListResponse(*page, fetch_millis));
}

Result<IngestCounts> ExecutionService::Ingest(std::string_view body, const Deadline& deadline) {
  auto events = ParseEventBatch(body);
  if (!events) {
    metrics_.RecordInvalidEvents(1);
    return std::unexpected(events.error());
  }
  auto counts = indexer_.Ingest(*events, deadline);
  if (!counts) return counts;
  metrics_.RecordIngest(*counts);
  if (counts->indexed > 0) hub_.Notify();
  return counts;
}

HttpResponse ExecutionService::PostEvents(const HttpRequest& request) {
  const Deadline deadline = Deadline::After(options_.ingest_deadline, *options_.deadline_clock);
  auto counts = Ingest(request.body, deadline);
  if (!counts) {
    Error error = counts.error();
    if (error.code == ErrorCode::kUnavailable && deadline.Expired()) {
      error.message = fmt::format(
          "the events were not all stored within the request's deadline ({} ms), so none "
          "is acknowledged; retry (storing them again is harmless): {}",
          options_.ingest_deadline.count(), error.message);
    }
    return ErrorResponse(error);
  }
  return JsonResponse(RenderIngestCounts(*counts));
}

HttpResponse ExecutionService::StreamExecutions(const HttpRequest& request) {
  // Only the filters apply to a stream; paging arguments are not accepted.
  auto filter = FilterArgumentsOf(request.query, "a stream", {"lastEventId", "apiKey"});
  if (!filter) return ErrorResponse(filter.error());
  auto query = ValidateQuery(filter->arguments, tokens_);
  if (!query) return ErrorResponse(query.error());

  std::string last_event_id(request.Header("Last-Event-ID").value_or(""));
  if (last_event_id.empty()) last_event_id = ParamOr(filter->params, "lastEventId");
  std::uint64_t after = 0;
  if (!last_event_id.empty()) {
    auto id = ParseEventId(last_event_id);
    if (!id) return ErrorResponse(id.error());
    after = *id;
  } else {
    // A new client starts at the feed's newest change.
    auto range = store_.ReadChanges(0, 1);
    if (!range) return ErrorResponse(range.error());
    after = range->latest;
  }
  // Fail now, with a status code, if the store keeps no feed.
  if (auto probe = store_.ReadChanges(after, 0); !probe) return ErrorResponse(probe.error());

  HttpResponse response;
  response.stream = std::make_shared<ChangeStream>(store_, query->filter, after, options_.stream_batch);
  return response;
}

HttpResponse ExecutionService::Stats(const HttpRequest& request) {
  const auto started = Clock::now();
  auto filter = FilterArgumentsOf(request.query, "stats", {"bucket"});
  if (!filter) return ErrorResponse(filter.error());
  const QueryArguments& arguments = filter->arguments;
  std::optional<std::string> bucket;
  if (auto text = ParamOr(filter->params, "bucket"); !text.empty()) bucket = text;
  const auto now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto query = ParseStatsQuery(arguments.agent_name, arguments.status, arguments.start_date_from,
                               arguments.start_date_to, bucket, now);
  if (!query) return ErrorResponse(query.error());
  auto answer = ComputeStats(store_, *query);
  if (!answer) return ErrorResponse(answer.error());
  return JsonResponse(
      RenderStats(*answer, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()));
}

HttpResponse ExecutionService::ListAgents(const HttpRequest& request) {
  auto params = ParseQueryString(request.query);
  if (!params) return ErrorResponse(params.error());
  if (auto none = QueryArgumentsOf(*params, {}); !none) return ErrorResponse(none.error());  // Takes no parameter.
  auto agents = store_.ListAgents();
  if (!agents) return ErrorResponse(agents.error());
  boost::json::array list;
  for (const AgentSummary& agent : *agents) {
    list.push_back(boost::json::object{{"agentName", agent.agent_name}, {"executions", agent.executions}});
  }
  return JsonResponse(boost::json::serialize(boost::json::object{{"agents", std::move(list)}}));
}

HttpResponse ExecutionService::Ready(const HttpRequest&) {
  if (auto probe = store_.Get("arn:exidx:readiness-probe"); !probe) return ErrorResponse(probe.error());
  // Ready means ready for EventBridge's events too: a server whose writes
  // fail (a full disk) says so, while its queries go on answering.
  if (auto writes = store_.WriteHealth(); !writes) return ErrorResponse(writes.error());
  return JsonResponse(R"({"status":"ready"})");
}

HttpResponse ExecutionService::Metrics(const HttpRequest&) {
  HttpResponse response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = metrics_.Render(agents_.Stats(), options_.store_bytes ? options_.store_bytes() : -1);
  return response;
}

}  // namespace exidx::server
