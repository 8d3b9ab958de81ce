// Two `exidx serve` processes on one DynamoDB table (moto_server, which the
// test starts): events POSTed to server A reach the live-update streams of
// server B through the table's stream, in order and once each; a stream
// resumes with Last-Event-ID after a disconnect; an id of another server (or
// one beyond B's newest) gets `event: reset`. Prints the latency from the
// POST to A until the event arrives on B's stream.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "aws/moto_server.h"
#include "server/http_client.h"
#include "server/server_process.h"
#include "server/test_events.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace exidx {
namespace {

namespace json = boost::json;
using aws::testing::MotoServer;
using namespace std::chrono_literals;
using testing::ExecutionArnOf;
using testing::HttpCall;
using testing::ServerProcess;
using testing::SseClient;
using testing::SseEvent;
using testing::StatusEvent;
using SteadyClock = std::chrono::steady_clock;

const std::string kExidx = EXIDX_BINARY_DIR "/src/cli/exidx";
constexpr std::string_view kTable = "StreamTable";
constexpr std::int64_t kT0 = 1'759'140'000'000;

class StreamServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!moto_.ok()) GTEST_SKIP() << "moto_server unavailable: " << moto_.error();
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"AWS_ENDPOINT_URL", moto_.url()},
             {"AWS_REGION", "us-east-1"},
             {"AWS_ACCESS_KEY_ID", "testing"},
             {"AWS_SECRET_ACCESS_KEY", "testing-secret"},
             {"AWS_EC2_METADATA_DISABLED", "true"},
             {"AWS_CONFIG_FILE", "/nonexistent/exidx-test-config"},
             {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/exidx-test-credentials"},
             {"EXIDX_TOKEN_SECRET", "stream-test-token-secret-0123456789"}}) {
      setenv(name.c_str(), value.c_str(), 1);
    }
    for (const char* name :
         {"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
          "EXIDX_STORE", "EXIDX_TAGS_FILE", "EXIDX_INDEX_ALL", "EXIDX_STREAM_POLL_MS", "EXECUTION_INDEX_TABLE_NAME"}) {
      unsetenv(name);
    }
    auto init = testing::RunProcess({kExidx, "init", "--store", "dynamodb://" + std::string(kTable)});
    ASSERT_EQ(init.exit_status, 0) << init.err;
  }

  // `exidx serve` on the table; poll_ms 0: the default interval.
  std::unique_ptr<ServerProcess> Serve(const std::string& name, int poll_ms) {
    std::vector<std::string> args = {"--store", "dynamodb://" + std::string(kTable), "--index-all"};
    if (poll_ms > 0) {
      args.push_back("--stream-poll-ms");
      args.push_back(std::to_string(poll_ms));
    }
    auto server = std::make_unique<ServerProcess>(kExidx, args, dir_.File(name + ".log"));
    EXPECT_TRUE(server->started()) << server->Log();
    return server;
  }

  static int Post(const ServerProcess& server, const std::string& event) {
    return HttpCall(server.port(), "POST", "/v1/events", {}, event).status;
  }

  // The next `n` execution events of `stream` (each within `timeout`).
  static std::vector<SseEvent> Take(SseClient& stream, std::size_t n, std::chrono::milliseconds timeout = 15s) {
    std::vector<SseEvent> events;
    while (events.size() < n) {
      auto event = stream.Next(timeout);
      if (!event) break;
      events.push_back(std::move(*event));
    }
    return events;
  }

  // POSTs `events` (arn, status) one request at a time to A and reads B's
  // stream meanwhile; checks that B delivers each exactly once in POST order
  // and prints the latency.
  void CheckDeliveryAndLatency(int poll_ms, int executions) {
    auto a = Serve("a", poll_ms), b = Serve("b", poll_ms);
    ASSERT_TRUE(a->started() && b->started());
    SseClient stream(b->port(), "/v1/executions/stream");
    ASSERT_EQ(stream.status(), 200) << stream.head();

    struct Posted {
      std::string arn, status, event;
    };
    std::vector<Posted> posted;
    // New executions, and every third one later finishes (a MODIFY).
    for (int i = 0; i < executions; ++i) {
      const std::string name = "run-" + std::to_string(i);
      posted.push_back({ExecutionArnOf("alpha", name), "RUNNING",
                        StatusEvent("r" + std::to_string(i), "alpha", name, "RUNNING", kT0 + i)});
      if (i % 3 == 2) {
        const std::string done = "run-" + std::to_string(i - 2);
        posted.push_back({ExecutionArnOf("alpha", done), "SUCCEEDED",
                          StatusEvent("s" + std::to_string(i), "alpha", done, "SUCCEEDED", kT0 + i - 2, kT0 + i)});
      }
    }
    std::vector<SteadyClock::time_point> sent(posted.size()), arrived;
    std::vector<SseEvent> received;
    std::thread reader([&] {
      while (received.size() < posted.size()) {
        auto event = stream.Next(20s);
        if (!event) return;
        arrived.push_back(SteadyClock::now());
        received.push_back(std::move(*event));
      }
    });
    // Spaced, so that the POSTs fall at every phase of B's poll rounds (back
    // to back they would all wait for the same round).
    for (std::size_t i = 0; i < posted.size(); ++i) {
      if (i > 0) std::this_thread::sleep_for(25ms);
      sent[i] = SteadyClock::now();
      ASSERT_EQ(Post(*a, posted[i].event), 200) << "event " << i;
    }
    reader.join();

    ASSERT_EQ(received.size(), posted.size()) << b->Log();
    std::uint64_t previous = 0;
    std::vector<double> latencies;
    for (std::size_t i = 0; i < posted.size(); ++i) {
      ASSERT_EQ(received[i].event, "execution") << i << ": " << received[i].data;
      const json::value record = json::parse(received[i].data);
      EXPECT_EQ(record.at("executionArn").as_string(), posted[i].arn) << "event " << i;
      EXPECT_EQ(record.at("status").as_string(), posted[i].status) << "event " << i;
      const std::uint64_t id = std::stoull(received[i].id);
      EXPECT_GT(id, previous) << "ids increase";
      previous = id;
      latencies.push_back(std::chrono::duration<double, std::milli>(arrived[i] - sent[i]).count());
    }
    EXPECT_FALSE(stream.Next(1500ms)) << "nothing twice";
    std::sort(latencies.begin(), latencies.end());
    const auto at = [&](double q) { return latencies[static_cast<std::size_t>(q * (latencies.size() - 1))]; };
    std::cout << "stream latency, POST to server A -> SSE event on server B, " << latencies.size()
              << " events, --stream-poll-ms " << (poll_ms > 0 ? poll_ms : 1000) << ": p50 " << at(0.5) << " ms, p99 "
              << at(0.99) << " ms, min " << latencies.front() << " ms, max " << latencies.back() << " ms" << std::endl;
  }

  MotoServer moto_;
  testing::TempDir dir_;
};

TEST_F(StreamServeTest, EveryChangePostedToAReachesBInOrderOnce) {
  CheckDeliveryAndLatency(100, 150);
}

TEST_F(StreamServeTest, WithTheDefaultPollInterval) {
  CheckDeliveryAndLatency(0, 90);
}

TEST_F(StreamServeTest, ResumesWithLastEventIdAndResetsForeignIds) {
  auto a = Serve("a", 100), b = Serve("b", 100);
  ASSERT_TRUE(a->started() && b->started());
  std::string last_id;
  {
    SseClient stream(b->port(), "/v1/executions/stream");
    ASSERT_EQ(stream.status(), 200);
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(Post(*a, StatusEvent("e" + std::to_string(i), "alpha", "n" + std::to_string(i), "RUNNING", kT0)), 200);
    }
    auto events = Take(stream, 3);
    ASSERT_EQ(events.size(), 3u) << b->Log();
    last_id = events.back().id;
  }
  // Disconnected: more changes, which the resumed stream must bring, once.
  for (int i = 3; i < 7; ++i) {
    ASSERT_EQ(Post(*a, StatusEvent("e" + std::to_string(i), "alpha", "n" + std::to_string(i), "RUNNING", kT0)), 200);
  }
  SseClient resumed(b->port(), "/v1/executions/stream", {{"Last-Event-ID", last_id}});
  ASSERT_EQ(resumed.status(), 200);
  auto events = Take(resumed, 4);
  ASSERT_EQ(events.size(), 4u) << b->Log();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(events[i].event, "execution");
    EXPECT_EQ(json::parse(events[i].data).at("executionArn").as_string(),
              ExecutionArnOf("alpha", "n" + std::to_string(i + 3)));
  }
  EXPECT_GT(std::stoull(events[0].id), std::stoull(last_id));
  EXPECT_FALSE(resumed.Next(1500ms)) << "nothing twice";

  // A's ids are A's own: B cannot resume from them.
  SseClient on_a(a->port(), "/v1/executions/stream");
  ASSERT_EQ(on_a.status(), 200);
  ASSERT_EQ(Post(*a, StatusEvent("e7", "alpha", "n7", "RUNNING", kT0)), 200);
  auto from_a = Take(on_a, 1);
  ASSERT_EQ(from_a.size(), 1u) << a->Log();
  auto on_b = Take(resumed, 1);
  ASSERT_EQ(on_b.size(), 1u);
  ASSERT_NE(from_a[0].id, on_b[0].id);
  SseClient foreign(b->port(), "/v1/executions/stream", {{"Last-Event-ID", from_a[0].id}});
  auto reset = foreign.Next(10s);
  ASSERT_TRUE(reset);
  EXPECT_EQ(reset->event, "reset");
  EXPECT_EQ(reset->id, on_b[0].id) << "the reset carries B's newest id";
  EXPECT_EQ(json::parse(reset->data).at("latest").to_number<std::uint64_t>(), std::stoull(on_b[0].id));

  // An id of B beyond its newest (a client that outlived a restart of B
  // would be refused by the tag; this one is B's own tag, ahead).
  const std::string ahead = std::to_string(std::stoull(on_b[0].id) + 1000);
  SseClient beyond(b->port(), "/v1/executions/stream", {{"Last-Event-ID", ahead}});
  auto reset_ahead = beyond.Next(10s);
  ASSERT_TRUE(reset_ahead);
  EXPECT_EQ(reset_ahead->event, "reset");
  EXPECT_NE(std::string_view(json::parse(reset_ahead->data).at("reason").as_string()).find("beyond"),
            std::string_view::npos);
}

// A table made without a stream (as the seed's may be): serve refuses to
// start and says what to run; exidx init enables the stream, then serve starts.
TEST_F(StreamServeTest, ServeRefusesATableWithoutAStream) {
  auto client = aws::JsonClient::Create(moto_.Context(), aws::AwsService::kDynamoDb, "DynamoDB_20120810");
  ASSERT_TRUE(client);
  const auto gsi = [](std::string_view name, std::string_view hash) {
    return json::object{{"IndexName", name},
                        {"KeySchema", json::array{json::object{{"AttributeName", hash}, {"KeyType", "HASH"}},
                                                  json::object{{"AttributeName", "startDate"}, {"KeyType", "RANGE"}}}},
                        {"Projection", json::object{{"ProjectionType", "ALL"}}}};
  };
  json::array attributes;
  for (const char* name : {"executionArn", "agentName", "status", "startDate"}) {
    attributes.push_back(json::object{{"AttributeName", name}, {"AttributeType", "S"}});
  }
  auto created = (*client)->Call(
      "CreateTable",
      json::serialize(
          json::object{{"TableName", "SeedTable"},
                       {"AttributeDefinitions", attributes},
                       {"KeySchema", json::array{json::object{{"AttributeName", "executionArn"}, {"KeyType", "HASH"}}}},
                       {"BillingMode", "PAY_PER_REQUEST"},
                       {"GlobalSecondaryIndexes",
                        json::array{gsi("AgentDateIndex", "agentName"), gsi("StatusDateIndex", "status")}}}));
  ASSERT_TRUE(created) << created.error().message;
  const std::vector<std::string> args = {"--store", "dynamodb://SeedTable", "--index-all"};
  {
    ServerProcess refused(kExidx, args, dir_.File("refused.log"));
    EXPECT_FALSE(refused.started());
    EXPECT_NE(refused.Log().find("has no stream"), std::string::npos) << refused.Log();
    EXPECT_NE(refused.Log().find("exidx init --store dynamodb://SeedTable"), std::string::npos) << refused.Log();
  }
  auto init = testing::RunProcess({kExidx, "init", "--store", "dynamodb://SeedTable", "--seed-indexes-only"});
  ASSERT_EQ(init.exit_status, 0) << init.err;
  EXPECT_NE(init.err.find("stream NEW_AND_OLD_IMAGES enabled"), std::string::npos) << init.err;
  ServerProcess server(kExidx, args, dir_.File("after-init.log"));
  EXPECT_TRUE(server.started()) << server.Log();
}

}  // namespace
}  // namespace exidx
