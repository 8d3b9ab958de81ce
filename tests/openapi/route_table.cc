// Prints the route table of `exidx serve` (ExecutionService's router), one
// JSON object a line: {"method":"GET","path":"/v1/executions","name":"list_executions","access":"read"}.
// http_conformance.test.mjs compares it with docs/openapi.yaml, so a route
// added to the server without being described there fails the suite. The
// service is built over the reference store: its routes do not depend on
// the store.
#include <boost/json.hpp>
#include <iostream>

#include "indexer/agent_resolver.h"
#include "indexer/indexer.h"
#include "server/change_hub.h"
#include "server/execution_service.h"
#include "server/metrics.h"
#include "support/fake_clock.h"
#include "support/reference_store.h"

namespace {

const char* AccessName(exidx::server::Access access) {
  switch (access) {
    case exidx::server::Access::kPublic: return "public";
    case exidx::server::Access::kRead: return "read";
    case exidx::server::Access::kIngest: return "ingest";
  }
  return "unknown";
}

}  // namespace

int main() {
  exidx::testing::FakeClock clock;
  exidx::testing::ReferenceStore store;
  exidx::AgentResolver resolver(nullptr, exidx::AgentRule{.index_all = true}, clock);
  exidx::Indexer indexer(store, resolver, clock);
  exidx::server::ChangeHub hub;
  exidx::server::ServerMetrics metrics;
  auto service = exidx::server::ExecutionService::Create(store, indexer, resolver, hub, metrics, {});
  if (!service) {
    std::cerr << "route_table: " << service.error().message << '\n';
    return 1;
  }
  for (const exidx::server::Route* route : (*service)->router().Routes()) {
    std::cout << boost::json::serialize(boost::json::object{{"method", route->method},
                                                            {"path", route->path},
                                                            {"name", route->name},
                                                            {"access", AccessName(route->access)}})
              << '\n';
  }
  return 0;
}
