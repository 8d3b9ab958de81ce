// The runtime loop in process, over the real RuntimeClient and CurlHttpClient
// against the fake Runtime API: deadlines that a handler overruns, trace ids,
// and a Runtime API that goes away.
#include "lambda/runtime_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "aws/curl_http_client.h"
#include "core/clock.h"
#include "lambda/fake_runtime_api.h"

namespace exidx::lambda {
namespace {

using testing::FakeRuntimeApi;
using testing::QueuedInvocation;

// Answers "ok:<payload>" after sleeping the number of ms the payload names,
// and records the trace id it saw.
class SleepyHandler final : public InvocationHandler {
 public:
  Result<std::string> Handle(std::string_view payload, const Deadline& deadline) override {
    deadline_bounded_ = deadline.bounded();
    deadline_left_ = deadline.Remaining();
    const char* trace = std::getenv("_X_AMZN_TRACE_ID");
    last_trace_ = trace ? trace : "";
    std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(std::string(payload))));
    ++finished_;
    return "\"ok:" + std::string(payload) + "\"";
  }
  std::string last_trace_;
  std::atomic<int> finished_{0};
  std::atomic<bool> deadline_bounded_{false};               // Of the last invocation.
  std::atomic<std::chrono::milliseconds> deadline_left_{};  // At its start.
};

std::int64_t NowMillis() {
  return SystemClock().NowMillis();
}

TEST(RuntimeLoopTest, OverrunIsUnavailableAndTheLoopCarriesOn) {
  FakeRuntimeApi runtime;
  aws::CurlHttpClient http;
  RuntimeClient client(http, runtime.address());
  SleepyHandler handler;
  runtime.Enqueue(QueuedInvocation{.payload = "1500", .deadline = NowMillis() + 800});
  runtime.Enqueue(QueuedInvocation{.payload = "0", .trace_id = "Root=1-abc;Sampled=0"});
  SystemClock clock;
  std::vector<std::string> log;
  const auto started = std::chrono::steady_clock::now();
  auto status = RunRuntimeLoop(client, handler, clock,
                               {.deadline_margin = std::chrono::milliseconds(300),
                                .max_invocations = 2,
                                .log = [&](LogKind, const std::string& line) { log.push_back(line); }});
  ASSERT_TRUE(status) << status.error().message;
  auto results = runtime.WaitForResults(2, std::chrono::seconds(5));
  ASSERT_EQ(results.size(), 2u);
  ASSERT_TRUE(results[0].is_error);
  EXPECT_NE(results[0].body.find(R"("errorType":"Unavailable")"), std::string::npos) << results[0].body;
  EXPECT_FALSE(results[1].is_error) << results[1].body;
  EXPECT_EQ(results[1].body, "\"ok:0\"");
  // The overrunning handler was allowed to finish before the next invocation.
  EXPECT_EQ(handler.finished_.load(), 2);
  EXPECT_EQ(handler.last_trace_, "Root=1-abc;Sampled=0");
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500));
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log[0].find("deadline"), std::string::npos) << log[0];
}

TEST(RuntimeLoopTest, TheHandlerIsGivenTheInvocationDeadlineLessTheMargin) {
  FakeRuntimeApi runtime;
  aws::CurlHttpClient http;
  RuntimeClient client(http, runtime.address());
  SleepyHandler handler;
  runtime.Enqueue(QueuedInvocation{.payload = "0", .deadline = NowMillis() + 5000});
  SystemClock clock;
  auto status =
      RunRuntimeLoop(client, handler, clock, {.deadline_margin = std::chrono::milliseconds(300), .max_invocations = 1});
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_EQ(runtime.WaitForResults(1).size(), 1u);
  EXPECT_TRUE(handler.deadline_bounded_.load());
  EXPECT_LE(handler.deadline_left_.load(), std::chrono::milliseconds(4700));
  EXPECT_GT(handler.deadline_left_.load(), std::chrono::milliseconds(0));
}

TEST(RuntimeLoopTest, ErrorIsPostedBeforeTheDeadline) {
  FakeRuntimeApi runtime;
  aws::CurlHttpClient http;
  RuntimeClient client(http, runtime.address());
  SleepyHandler handler;
  const std::int64_t deadline = NowMillis() + 700;
  runtime.Enqueue(QueuedInvocation{.payload = "2000", .deadline = deadline});
  std::thread loop([&] {
    SystemClock clock;
    // The test checks what the runtime API received, not how the loop ended.
    (void)RunRuntimeLoop(client, handler, clock,
                         {.deadline_margin = std::chrono::milliseconds(200), .max_invocations = 1});
  });
  auto results = runtime.WaitForResults(1, std::chrono::seconds(5));
  const std::int64_t posted_at = NowMillis();
  loop.join();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].is_error);
  EXPECT_LT(posted_at, deadline) << "the error arrived after the deadline";
}

TEST(RuntimeLoopTest, ReturnsTheErrorWhenTheRuntimeApiIsGone) {
  std::string address;
  {
    FakeRuntimeApi runtime;
    address = runtime.address();
  }
  aws::CurlHttpClient http;
  RuntimeClient client(http, address);
  SleepyHandler handler;
  SystemClock clock;
  auto status = RunRuntimeLoop(client, handler, clock, {});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace exidx::lambda
