// ExecutionService: the routes of `exidx serve` (CONTRACT.md sections 5-8)
// as plain handlers over the store and the indexer, independent of the HTTP
// transport: GET /v1/executions, POST /v1/events, GET /v1/executions/stream
// (Server-Sent Events; its read key may also come as ?apiKey=), GET
// /v1/executions/stats, GET /v1/agents, /healthz, /readyz, /metrics, and the
// History page (GET / and /assets/...).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/deadline.h"
#include "core/error.h"
#include "core/page_token.h"
#include "indexer/agent_resolver.h"
#include "indexer/indexer.h"
#include "server/api_keys.h"
#include "server/change_hub.h"
#include "server/http_message.h"
#include "server/metrics.h"
#include "server/router.h"
#include "store/execution_store.h"

namespace exidx::server {

struct ServiceOptions {
  // Keys for the read routes and for POST /v1/events; an empty set leaves its
  // routes open (the server refuses that on a non-loopback address).
  std::vector<std::string> read_keys;
  std::vector<std::string> ingest_keys;
  // Changes an SSE stream reads from the change feed at a time.
  std::size_t stream_batch = 256;
  // The store's size on disk for /metrics, or -1 when unknown. May be null.
  std::function<std::int64_t()> store_bytes;
  // POST /v1/events: the budget of one request, from when its handler starts,
  // for every call it makes (tag lookups, store writes, their retries). Past
  // it the request is answered 503 with nothing acknowledged. Well inside
  // EventBridge's 5 s timeout, which counts the network too.
  std::chrono::milliseconds ingest_deadline{4000};
  // The clock of those deadlines (tests); must outlive the service.
  const MonotonicClock* deadline_clock = &MonotonicClock::System();
};

// Thread-safe: Handle runs on many worker threads at once.
class ExecutionService {
 public:
  // Everything referenced must outlive the service. Fails when the store
  // cannot give its page-token secret.
  static Result<std::unique_ptr<ExecutionService>> Create(ExecutionStore& store, Indexer& indexer,
                                                          AgentResolver& agents, ChangeHub& hub, ServerMetrics& metrics,
                                                          ServiceOptions options);

  // Routes, authorizes and answers one request; records it in the metrics
  // (except its transport time). May block on the store.
  HttpResponse Handle(const HttpRequest& request);

  // Parses and ingests a body (one event, a JSON array or NDJSON), then
  // notifies the hub. The path of POST /v1/events and of the demo feed.
  // kInvalidEvent (nothing applied), or the indexer's errors (kUnavailable:
  // retry; some events may have been applied, which a retry makes harmless),
  // among them the deadline passing first. Answers only once every event is
  // stored.
  Result<IngestCounts> Ingest(std::string_view body, const Deadline& deadline);
  Result<IngestCounts> Ingest(std::string_view body) { return Ingest(body, Deadline::Never()); }

  const Router& router() const { return router_; }

 private:
  ExecutionService(ExecutionStore& store, Indexer& indexer, AgentResolver& agents, ChangeHub& hub,
                   ServerMetrics& metrics, ServiceOptions options, std::string token_secret);

  HttpResponse ListExecutions(const HttpRequest& request);
  HttpResponse PostEvents(const HttpRequest& request);
  HttpResponse StreamExecutions(const HttpRequest& request);
  HttpResponse Stats(const HttpRequest& request);
  HttpResponse ListAgents(const HttpRequest& request);
  HttpResponse Ready(const HttpRequest& request);
  HttpResponse Metrics(const HttpRequest& request);

  bool Authorized(Access access, const HttpRequest& request) const;
  bool StreamKeyInQuery(const HttpRequest& request) const;

  ExecutionStore& store_;
  Indexer& indexer_;
  AgentResolver& agents_;
  ChangeHub& hub_;
  ServerMetrics& metrics_;
  const ServiceOptions options_;
  const PageTokenCodec tokens_;
  const ApiKeySet read_keys_;
  const ApiKeySet ingest_keys_;
  Router router_;
};

}  // namespace exidx::server
