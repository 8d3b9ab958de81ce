// The real HttpServer (Beast) in process over the reference store, whose
// change feed is complete: Server-Sent Events delivery, filtering, resume
// with Last-Event-ID, heartbeats, slow clients and shutdown.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/execution_service.h"
#include "server/http_client.h"
#include "server/http_server.h"
#include "server/test_events.h"
#include "support/fake_clock.h"
#include "support/reference_store.h"

namespace exidx::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using server::HttpServer;
using server::HttpServerOptions;

constexpr std::int64_t kT0 = 1'759'140'000'000;

class SseTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    options.port = 0;
    options.heartbeat = 200ms;
    service_ = server::ExecutionService::Create(store_, indexer_, resolver_, hub_, metrics_, {}).value();
    http_ = std::make_unique<HttpServer>(
        options, [this](const server::HttpRequest& request) { return service_->Handle(request); }, hub_, metrics_);
    ASSERT_TRUE(http_->Start());
  }

  int Post(const std::string& body) { return HttpCall(http_->port(), "POST", "/v1/events", {}, body).status; }

  FakeClock clock_;
  ReferenceStore store_;
  AgentResolver resolver_{nullptr, AgentRule{.index_all = true}, clock_};
  Indexer indexer_{store_, resolver_, clock_};
  server::ChangeHub hub_;
  server::ServerMetrics metrics_;
  std::unique_ptr<server::ExecutionService> service_;
  std::unique_ptr<HttpServer> http_;
};

TEST_F(SseTest, DeliversPostedMatchingChangesOnly) {
  Start();
  ASSERT_EQ(Post(StatusEvent("old", "beta", "b0", "RUNNING", kT0)), 200);
  SseClient stream(http_->port(), "/v1/executions/stream?agentName=beta&status=FAILED");
  ASSERT_EQ(stream.status(), 200) << stream.head();
  EXPECT_NE(stream.head().find("text/event-stream"), std::string::npos);
  ASSERT_EQ(Post(StatusEvent("e1", "alpha", "a1", "FAILED", kT0, kT0 + 1) + "\n" +
                 StatusEvent("e2", "beta", "b1", "RUNNING", kT0) + "\n" +
                 StatusEvent("e3", "beta", "b2", "FAILED", kT0, kT0 + 2)),
            200);
  auto event = stream.Next(5s);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->event, "execution");
  EXPECT_EQ(event->id, "4");
  auto record = json::parse(event->data);
  EXPECT_EQ(record.at("executionArn").as_string(), ExecutionArnOf("beta", "b2"));
  EXPECT_EQ(record.at("status").as_string(), "FAILED");
  EXPECT_FALSE(stream.Next(500ms)) << "the old change and non-matching ones are not sent";
  EXPECT_GT(stream.comments(), 0) << "heartbeat comments";
  EXPECT_EQ(metrics_.sse_clients(), 1);
}

TEST_F(SseTest, ResumesWithLastEventIdAfterDisconnect) {
  Start();
  std::string last_id;
  {
    SseClient stream(http_->port(), "/v1/executions/stream?agentName=beta");
    ASSERT_EQ(stream.status(), 200);
    ASSERT_EQ(Post(StatusEvent("e1", "beta", "b1", "RUNNING", kT0)), 200);
    auto event = stream.Next(5s);
    ASSERT_TRUE(event);
    last_id = event->id;
  }
  ASSERT_EQ(Post(StatusEvent("e2", "beta", "b1", "SUCCEEDED", kT0, kT0 + 5) + "\n" +
                 StatusEvent("e3", "alpha", "a1", "RUNNING", kT0) + "\n" +
                 StatusEvent("e4", "beta", "b2", "RUNNING", kT0 + 1)),
            200);
  // By header.
  SseClient resumed(http_->port(), "/v1/executions/stream?agentName=beta", {{"Last-Event-ID", last_id}});
  auto a = resumed.Next(5s), b = resumed.Next(5s);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(json::parse(a->data).at("status").as_string(), "SUCCEEDED");
  EXPECT_EQ(json::parse(b->data).at("executionArn").as_string(), ExecutionArnOf("beta", "b2"));
  EXPECT_FALSE(resumed.Next(400ms));
  // By query parameter, as an EventSource cannot set headers on its first request.
  SseClient by_param(http_->port(), "/v1/executions/stream?agentName=beta&lastEventId=" + a->id);
  auto c = by_param.Next(5s);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, b->id);
}

TEST_F(SseTest, SlowClientIsDisconnectedAndIngestionIsNotSlowed) {
  Start(HttpServerOptions{.sse_queue_bytes = 256 * 1024});
  Connection stalled(http_->port());  // Never reads.
  ASSERT_TRUE(stalled.Send("GET /v1/executions/stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  while (metrics_.sse_clients() == 0) std::this_thread::sleep_for(10ms);
  std::string batch;
  for (int round = 0; round < 20 && metrics_.sse_clients() > 0; ++round) {
    batch.clear();
    for (int i = 0; i < 1000; ++i) {
      const std::string name = "r" + std::to_string(round) + "-" + std::to_string(i);
      batch += StatusEvent("id-" + name, "alpha-with-a-long-name-to-fill-buffers", name, "RUNNING", kT0 + i) + "\n";
    }
    ASSERT_EQ(Post(batch), 200);
  }
  for (int i = 0; i < 200 && metrics_.sse_clients() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(metrics_.sse_clients(), 0) << "the stalled client was not disconnected";
  EXPECT_EQ(hub_.listeners(), 0u);
}

TEST_F(SseTest, StopClosesStreamsAndWaitsForRequests) {
  Start();
  SseClient stream(http_->port(), "/v1/executions/stream");
  ASSERT_EQ(stream.status(), 200);
  http_->Stop();
  EXPECT_FALSE(stream.Next(2s));
  EXPECT_TRUE(stream.closed());
  EXPECT_EQ(hub_.listeners(), 0u);
}

}  // namespace
}  // namespace exidx::testing
