// ServiceStartup: what `exidx serve` answers before its store has opened,
// and that it hands everything to the service once it has.
#include "server/service_startup.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/fake_clock.h"
#include "support/reference_store.h"

namespace exidx::server {
namespace {

namespace json = boost::json;

HttpRequest Get(std::string path) {
  HttpRequest request;
  request.method = "GET";
  request.path = std::move(path);
  return request;
}

TEST(ServiceStartupTest, AliveButNotReadyUntilTheServiceIsOpen) {
  ServerMetrics metrics;
  ServiceStartup startup(metrics, "the store is opening");
  const HttpResponse health = startup.Handle(Get("/healthz"));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body), json::parse(R"({"status":"ok"})"));

  startup.SetWaitingFor("the store is being converted (index)");
  for (const std::string path : {"/readyz", "/v1/executions", "/v1/agents", "/metrics"}) {
    SCOPED_TRACE(path);
    const HttpResponse response = startup.Handle(Get(path));
    EXPECT_EQ(response.status, 503);
    EXPECT_EQ(json::parse(response.body), json::parse(R"js({"error":{"code":"Unavailable",
                  "message":"the server is not ready: the store is being converted (index)"}})js"));
    EXPECT_EQ(response.headers, (std::vector<std::pair<std::string, std::string>>{{"Retry-After", "1"}}));
  }
  const std::string rendered = metrics.Render({}, -1);
  EXPECT_NE(rendered.find(R"(exidx_http_requests_total{route="readyz",code="503"} 1)"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find(R"(exidx_http_requests_total{route="healthz",code="200"} 1)"), std::string::npos) << rendered;

  testing::FakeClock clock;
  testing::ReferenceStore store;
  AgentResolver resolver(nullptr, AgentRule{.index_all = true}, clock);
  Indexer indexer(store, resolver, clock);
  ChangeHub hub;
  auto service = ExecutionService::Create(store, indexer, resolver, hub, metrics, {});
  ASSERT_TRUE(service.has_value()) << service.error().message;
  startup.Open(**service);
  const HttpResponse ready = startup.Handle(Get("/readyz"));
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(json::parse(ready.body), json::parse(R"({"status":"ready"})"));
  EXPECT_EQ(startup.Handle(Get("/v1/executions")).status, 200);
  EXPECT_EQ(startup.Handle(Get("/nope")).status, 404) << "routing is the service's again";
}

}  // namespace
}  // namespace exidx::server
