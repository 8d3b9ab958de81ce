// ExecutionService at the handler level, over the reference store: every
// route's answers and errors without a network, including what is hard to
// provoke end to end (a failing tag source -> 503, a trimmed change feed).
#include "server/execution_service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>

#include "core/json_render.h"
#include "server/test_events.h"
#include "support/fake_clock.h"
#include "support/fake_monotonic_clock.h"
#include "support/fake_tag_source.h"
#include "support/reference_store.h"
#include "support/wrapping_store.h"

namespace exidx::server {
namespace {

namespace json = boost::json;
using testing::StatusEvent;

class ExecutionServiceTest : public ::testing::Test {
 protected:
  void SetUpService(TagSource* tags, ServiceOptions options = {}, ExecutionStore* store = nullptr) {
    resolver_ = std::make_unique<AgentResolver>(tags, AgentRule{.index_all = tags == nullptr}, clock_);
    ExecutionStore& used = store ? *store : store_;
    indexer_ = std::make_unique<Indexer>(used, *resolver_, clock_);
    service_ = ExecutionService::Create(used, *indexer_, *resolver_, hub_, metrics_, std::move(options)).value();
  }

  HttpResponse Call(std::string method, std::string target, std::string body = "",
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest request;
    request.method = std::move(method);
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    for (auto& [name, value] : headers) request.headers.emplace(name, value);
    request.body = std::move(body);
    return service_->Handle(request);
  }

  static std::string ErrorCodeOf(const HttpResponse& response) {
    return std::string(json::parse(response.body).at("error").at("code").as_string());
  }

  testing::FakeClock clock_;
  testing::ReferenceStore store_;
  ChangeHub hub_;
  ServerMetrics metrics_;
  std::unique_ptr<AgentResolver> resolver_;
  std::unique_ptr<Indexer> indexer_;
  std::unique_ptr<ExecutionService> service_;
};

TEST_F(ExecutionServiceTest, FailingTagSourceGives503WithRetryAfterAndAppliesNothing) {
  testing::FakeTagSource tags;
  tags.FailWith(ErrorCode::kUnavailable, "ListTagsForResource: throttled");
  SetUpService(&tags);
  auto response = Call("POST", "/v1/events", StatusEvent("e1", "m", "x", "RUNNING", 1'759'140'000'000));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(ErrorCodeOf(response), "Unavailable");
  EXPECT_EQ(response.headers, (std::vector<std::pair<std::string, std::string>>{{"Retry-After", "1"}}));
  EXPECT_TRUE(store_.All({}, SortOrder::kDesc).empty());
  EXPECT_EQ(hub_.epoch(), 0u);
  EXPECT_NE(metrics_.Render(resolver_->Stats(), -1).find("exidx_tag_cache_failures_total 1\n"), std::string::npos);
}

TEST_F(ExecutionServiceTest, EachIngestRequestHasItsOwnDeadline) {
  testing::FakeMonotonicClock monotonic;
  testing::FakeTagSource tags({}, testing::AgentTags());
  tags.AdvanceEachCall(monotonic, std::chrono::milliseconds(10));
  SetUpService(&tags, ServiceOptions{.ingest_deadline = std::chrono::milliseconds(1234), .deadline_clock = &monotonic});
  auto response = Call("POST", "/v1/events", StatusEvent("e1", "m", "x", "RUNNING", 1'759'140'000'000));
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(tags.deadline_left_ms, 1234);
}

TEST_F(ExecutionServiceTest, PastTheDeadlineNothingIsWrittenAndTheAnswerIs503) {
  testing::FakeMonotonicClock monotonic;
  testing::FakeTagSource tags({}, testing::AgentTags());
  tags.AdvanceEachCall(monotonic, std::chrono::milliseconds(4001));
  SetUpService(&tags, ServiceOptions{.deadline_clock = &monotonic});
  auto response = Call("POST", "/v1/events", StatusEvent("e1", "m", "x", "RUNNING", 1'759'140'000'000));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(ErrorCodeOf(response), "Unavailable");
  EXPECT_EQ(response.headers, (std::vector<std::pair<std::string, std::string>>{{"Retry-After", "1"}}));
  const std::string message(json::parse(response.body).at("error").at("message").as_string());
  EXPECT_NE(message.find("deadline (4000 ms)"), std::string::npos) << message;
  EXPECT_TRUE(store_.All({}, SortOrder::kDesc).empty());
}

TEST_F(ExecutionServiceTest, StoreFailureGives503) {
  testing::FakeTagSource tags({}, testing::AgentTags());
  testing::WrappingStore failing(store_);
  failing.FailEvery(testing::WrappingStore::Method::kApply, ErrorCode::kUnavailable, "disk full");
  SetUpService(&tags, {}, &failing);
  auto response = Call("POST", "/v1/events", StatusEvent("e1", "m", "x", "RUNNING", 1'759'140'000'000));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(ErrorCodeOf(response), "Unavailable");
}

TEST_F(ExecutionServiceTest, IngestThenListAndAgents) {
  SetUpService(nullptr);
  const std::string body = StatusEvent("e1", "alpha", "x1", "RUNNING", 1'759'140'000'000) + "\n" +
                           StatusEvent("e2", "alpha", "x1", "SUCCEEDED", 1'759'140'000'000, 1'759'140'005'000) + "\n" +
                           StatusEvent("e3", "beta", "y1", "FAILED", 1'759'140'001'000, 1'759'140'002'000);
  auto posted = Call("POST", "/v1/events", body);
  ASSERT_EQ(posted.status, 200) << posted.body;
  EXPECT_EQ(json::parse(posted.body), json::parse(R"({"received":3,"indexed":3,"unchanged":0,"skipped":0})"));
  EXPECT_EQ(hub_.epoch(), 1u);

  auto listed = Call("GET", "/v1/executions?agentName=alpha");
  ASSERT_EQ(listed.status, 200);
  auto page = json::parse(listed.body);
  ASSERT_EQ(page.at("executions").as_array().size(), 1u);
  EXPECT_EQ(page.at("executions").at(0).at("status").as_string(), "SUCCEEDED");

  auto agents = Call("GET", "/v1/agents");
  ASSERT_EQ(agents.status, 200);
  EXPECT_EQ(json::parse(agents.body), json::parse(R"({"agents":[{"agentName":"alpha","executions":1},)"
                                                  R"({"agentName":"beta","executions":1}]})"));
}

TEST_F(ExecutionServiceTest, RoutingErrors) {
  SetUpService(nullptr);
  EXPECT_EQ(Call("GET", "/nope").status, 404);
  auto wrong = Call("DELETE", "/v1/events");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(ErrorCodeOf(wrong), "MethodNotAllowed");
}

TEST_F(ExecutionServiceTest, KeysAreSeparateForReadAndIngest) {
  SetUpService(nullptr, ServiceOptions{.read_keys = {"r1"}, .ingest_keys = {"i1"}});
  const std::string event = StatusEvent("e1", "m", "x", "RUNNING", 1'759'140'000'000);
  EXPECT_EQ(Call("GET", "/v1/executions").status, 401);
  EXPECT_EQ(Call("GET", "/v1/executions", "", {{"x-api-key", "i1"}}).status, 401);
  EXPECT_EQ(Call("GET", "/v1/executions", "", {{"x-api-key", "r1"}}).status, 200);
  EXPECT_EQ(Call("POST", "/v1/events", event, {{"Authorization", "Bearer r1"}}).status, 401);
  EXPECT_EQ(Call("POST", "/v1/events", event, {{"Authorization", "Bearer i1"}}).status, 200);
  EXPECT_EQ(Call("GET", "/metrics").status, 401);
  EXPECT_EQ(Call("GET", "/metrics", "", {{"x-api-key", "r1"}}).status, 200);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/v1/agents")), "Unauthorized");
}

TEST_F(ExecutionServiceTest, StreamAloneAcceptsReadKeyAsApiKeyParameter) {
  SetUpService(nullptr, ServiceOptions{.read_keys = {"r1"}, .ingest_keys = {"i1"}});
  EXPECT_EQ(Call("GET", "/v1/executions/stream").status, 401);
  EXPECT_EQ(Call("GET", "/v1/executions/stream?apiKey=wrong").status, 401);
  EXPECT_EQ(Call("GET", "/v1/executions/stream?apiKey=i1").status, 401) << "an ingest key does not read";
  const HttpResponse stream = Call("GET", "/v1/executions/stream?agentName=a&apiKey=r1");
  EXPECT_EQ(stream.status, 200);
  EXPECT_NE(stream.stream, nullptr);
  EXPECT_EQ(Call("GET", "/v1/executions/stream?apiKey=r%31").status, 200) << "the parameter is URL-decoded";
  // Only the stream: every other read route still needs the header.
  EXPECT_EQ(Call("GET", "/v1/executions?apiKey=r1").status, 401);
  EXPECT_EQ(Call("GET", "/v1/agents?apiKey=r1").status, 401);
  EXPECT_EQ(Call("GET", "/metrics?apiKey=r1").status, 401);
  EXPECT_EQ(Call("POST", "/v1/events?apiKey=i1", StatusEvent("e1", "m", "x", "RUNNING", 1)).status, 401);
}

TEST_F(ExecutionServiceTest, ServesTheEmbeddedHistoryPageWithoutAKey) {
  SetUpService(nullptr, ServiceOptions{.read_keys = {"r1"}, .ingest_keys = {"i1"}});
  const HttpResponse page = Call("GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/assets/app.js"), std::string::npos);
  const HttpResponse script = Call("GET", "/assets/app.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(script.body.find("EventSource"), std::string::npos);
  EXPECT_LT(script.body.size() + Call("GET", "/assets/chart.js").body.size(), 100u * 1024) << "the page stays small";
  EXPECT_EQ(Call("GET", "/assets/style.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Call("GET", "/assets/nope.js").status, 404);
  EXPECT_EQ(Call("POST", "/").status, 405);
}

TEST_F(ExecutionServiceTest, StatsRouteCountsWhatWasIngested) {
  SetUpService(nullptr, ServiceOptions{.read_keys = {"r1"}, .ingest_keys = {}});
  const std::int64_t start = 1'759'140'000'000;  // 2025-09-29T10:00:00Z
  ASSERT_EQ(Call("POST", "/v1/events",
                 StatusEvent("e1", "alpha", "a1", "RUNNING", start) + "\n" +
                     StatusEvent("e2", "alpha", "a1", "SUCCEEDED", start, start + 4'000) + "\n" +
                     StatusEvent("e3", "alpha", "a2", "FAILED", start + 60'000, start + 70'000) + "\n" +
                     StatusEvent("e4", "beta", "b1", "TIMED_OUT", start, start + 1'000))
                .status,
            200);
  EXPECT_EQ(Call("GET", "/v1/executions/stats").status, 401);
  const HttpResponse response =
      Call("GET", "/v1/executions/stats?agentName=alpha&startDateFrom=2025-09-29&startDateTo=2025-09-29", "",
           {{"x-api-key", "r1"}});
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = json::parse(response.body).as_object();
  EXPECT_EQ(body.at("bucket").as_string(), "hour");
  const auto& totals = body.at("totals").as_object();
  EXPECT_EQ(totals.at("executions").as_int64(), 2);
  EXPECT_EQ(totals.at("counts").at("SUCCEEDED").as_int64(), 1);
  EXPECT_EQ(totals.at("counts").at("FAILED").as_int64(), 1);
  EXPECT_FALSE(totals.at("counts").as_object().contains("RUNNING")) << "the status change moved the record";
  EXPECT_EQ(body.at("buckets").as_array().size(), 24u);
  EXPECT_EQ(body.at("buckets").as_array().at(10).at("executions").as_int64(), 2);
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/v1/executions/stats?bucket=week", "", {{"x-api-key", "r1"}})),
            "InvalidParameter");
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/v1/executions/stats?maxResults=3", "", {{"x-api-key", "r1"}})),
            "InvalidParameter");
}

TEST_F(ExecutionServiceTest, StreamDeliversMatchingChangesAfterLastEventId) {
  SetUpService(nullptr);
  ASSERT_EQ(Call("POST", "/v1/events", StatusEvent("e1", "alpha", "a1", "RUNNING", 1'759'140'000'000)).status, 200);
  auto response = Call("GET", "/v1/executions/stream?agentName=beta");
  ASSERT_EQ(response.status, 200);
  ASSERT_NE(response.stream, nullptr);
  std::string text;
  ASSERT_FALSE(response.stream->Poll(text).value());
  EXPECT_EQ(text.find("event: execution"), std::string::npos) << "a new client starts at the latest change";

  ASSERT_EQ(Call("POST", "/v1/events",
                 StatusEvent("e2", "alpha", "a2", "RUNNING", 1'759'140'000'000) + "\n" +
                     StatusEvent("e3", "beta", "b1", "RUNNING", 1'759'140'000'000))
                .status,
            200);
  text.clear();
  ASSERT_FALSE(response.stream->Poll(text).value());
  EXPECT_EQ(text, "id: 3\nevent: execution\ndata: " +
                      RenderRecord(*store_.Get(testing::ExecutionArnOf("beta", "b1")).value()) + "\n\n");

  // Resume from id 1: the changes after it that match (a2 does not).
  auto resumed = Call("GET", "/v1/executions/stream", "", {{"Last-Event-ID", "1"}});
  ASSERT_EQ(resumed.status, 200);
  text.clear();
  ASSERT_FALSE(resumed.stream->Poll(text).value());
  EXPECT_NE(text.find("id: 2\nevent: execution\n"), std::string::npos);
  EXPECT_NE(text.find("id: 3\nevent: execution\n"), std::string::npos);
}

TEST_F(ExecutionServiceTest, StreamArgumentErrors) {
  SetUpService(nullptr);
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/v1/executions/stream?status=DONE")), "InvalidParameter");
  EXPECT_EQ(ErrorCodeOf(Call("GET", "/v1/executions/stream?lastEventId=abc")), "InvalidParameter");
  EXPECT_EQ(Call("GET", "/v1/executions/stream?maxResults=5").status, 400);
}

TEST_F(ExecutionServiceTest, StreamFromTrimmedFeedSendsReset) {
  testing::WrappingStore trimmed(store_);
  trimmed.TrimFeed(/*latest=*/100, /*oldest_kept=*/50);
  SetUpService(nullptr, {}, &trimmed);
  auto response = Call("GET", "/v1/executions/stream", "", {{"Last-Event-ID", "7"}});
  ASSERT_EQ(response.status, 200);
  std::string text;
  ASSERT_FALSE(response.stream->Poll(text).value());
  EXPECT_NE(text.find("id: 100\nevent: reset\ndata: "), std::string::npos) << text;
}

// CONTRACT.md section 5: a parameter the route does not know is invalid, so a
// typo never passes for a filter that was applied.
TEST_F(ExecutionServiceTest, UnknownParametersAreInvalidOnEveryRoute) {
  SetUpService(nullptr);
  for (const char* target :
       {"/v1/executions?executionName=x", "/v1/executions?agent=sql-agent", "/v1/executions/stream?agent=sql-agent",
        "/v1/executions/stats?agent=sql-agent", "/v1/executions/stream?bucket=day", "/v1/agents?agentName=a"}) {
    auto response = Call("GET", target);
    EXPECT_EQ(response.status, 400) << target;
    EXPECT_EQ(ErrorCodeOf(response), "InvalidParameter") << target;
    EXPECT_NE(response.body.find("unknown parameter"), std::string::npos) << response.body;
  }
  auto twice = Call("GET", "/v1/executions/stats?bucket=day&bucket=hour");
  EXPECT_EQ(twice.status, 400);
  EXPECT_NE(twice.body.find("bucket: given more than once"), std::string::npos) << twice.body;
  // Each route's own parameters are known.
  EXPECT_EQ(Call("GET", "/v1/executions/stats?bucket=day&agentName=a").status, 200);
  EXPECT_EQ(Call("GET", "/v1/executions/stream?lastEventId=0&apiKey=k&status=FAILED").status, 200);
}

// Whatever bytes a request holds, an error body is JSON (hence UTF-8).
TEST_F(ExecutionServiceTest, ErrorBodiesAreValidJsonWhateverTheInputBytes) {
  SetUpService(nullptr);
  std::string long_status = "x";
  for (int i = 0; i < 80; ++i) long_status += "%C3%A9";  // 'é': the 100-byte cut falls inside one
  for (const std::string& target :
       std::vector<std::string>{"/v1/executions?startDateFrom=%FF%FE", "/v1/executions?status=" + long_status,
                                "/v1/executions?agentName=%C0%AF&maxResults=%FF"}) {
    auto response = Call("GET", target);
    EXPECT_EQ(response.status, 400) << target;
    boost::system::error_code ec;
    json::parse(response.body, ec);
    EXPECT_FALSE(ec) << target << ": " << response.body;
  }
  std::string status = "x";
  for (int i = 0; i < 80; ++i) status += "\xC3\xA9";
  auto posted = Call("POST", "/v1/events", StatusEvent("e1", "alpha", "a1", status, 1'759'140'000'000));
  EXPECT_EQ(posted.status, 400);
  boost::system::error_code ec;
  json::parse(posted.body, ec);
  EXPECT_FALSE(ec) << posted.body;
  EXPECT_EQ(Call("GET", "/v1/executions").body.find("a1"), std::string::npos) << "nothing applied";
}

// A Last-Event-ID this feed never gave (a replaced store, or 2^64-1) gets a
// reset naming the newest id, then the changes after it: never silence.
TEST_F(ExecutionServiceTest, StreamFromAnIdBeyondTheFeedSendsResetThenDelivers) {
  SetUpService(nullptr);
  ASSERT_EQ(Call("POST", "/v1/events", StatusEvent("e1", "alpha", "a1", "RUNNING", 1'759'140'000'000)).status, 200);
  std::uint64_t latest = 1;
  for (const std::uint64_t id : {std::uint64_t{5}, std::numeric_limits<std::uint64_t>::max()}) {
    auto response = Call("GET", "/v1/executions/stream", "", {{"Last-Event-ID", std::to_string(id)}});
    ASSERT_EQ(response.status, 200);
    std::string text;
    ASSERT_FALSE(response.stream->Poll(text).value());
    const std::string head = "id: " + std::to_string(latest) + "\nevent: reset\ndata: ";
    const std::size_t reset = text.find(head);
    ASSERT_NE(reset, std::string::npos) << text;
    const std::size_t data = reset + head.size();
    const auto reason = json::parse(text.substr(data, text.find('\n', data) - data));
    EXPECT_EQ(reason.at("latest").to_number<std::uint64_t>(), latest);
    EXPECT_EQ(reason.at("lastEventId").to_number<std::uint64_t>(), id);

    const std::string name = "a" + std::to_string(latest + 1);
    ASSERT_EQ(Call("POST", "/v1/events", StatusEvent(name, "alpha", name, "RUNNING", 1'759'140'000'000)).status, 200);
    ++latest;
    text.clear();
    ASSERT_FALSE(response.stream->Poll(text).value());
    EXPECT_EQ(text, "id: " + std::to_string(latest) + "\nevent: execution\ndata: " +
                        RenderRecord(*store_.Get(testing::ExecutionArnOf("alpha", name)).value()) + "\n\n");
  }
}

TEST_F(ExecutionServiceTest, StoreWithoutFeedAnswers503ForStreams) {
  testing::WrappingStore no_feed(store_);
  no_feed.Remove(testing::WrappingStore::Capability::kChangeFeed);
  no_feed.Remove(testing::WrappingStore::Capability::kAgentCounts);
  SetUpService(nullptr, {}, &no_feed);
  EXPECT_EQ(Call("GET", "/v1/executions/stream").status, 503);
  EXPECT_EQ(Call("GET", "/v1/agents").status, 503);
}

}  // namespace
}  // namespace exidx::server
