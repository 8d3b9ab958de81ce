// JsonClient under a deadline, against a scripted HttpClient and a fake
// monotonic clock (no real time passes): every attempt's timeout is cut to
// what is left, no attempt or retry starts past the deadline, and the time
// spent never exceeds the budget.
#include <gtest/gtest.h>

#include <functional>
#include <mutex>

#include "aws/json_client.h"
#include "support/fake_monotonic_clock.h"
#include "support/scripted_aws.h"

namespace exidx::aws {
namespace {

using std::chrono::milliseconds;

// A JsonClient whose every attempt is answered with `answer` by a scripted
// HttpClient, after advancing the fake clock by the time `takes` gives (a
// hang takes the request's whole timeout). Records the timeout of each attempt
// and how much of the deadline was left at its start.
class Fixture {
 public:
  struct Attempt {
    milliseconds timeout;
    milliseconds left;
  };

  Fixture(std::function<milliseconds(const HttpRequest&)> takes, Result<HttpResponse> answer, milliseconds budget)
      : deadline(Deadline::After(budget, clock)) {
    // The client serialises calls of the script: attempts_ needs no lock of its own.
    auto http =
        std::make_unique<testing::ScriptedHttpClient>([this, takes = std::move(takes), answer = std::move(answer)](
                                                          const HttpRequest& request) -> Result<HttpResponse> {
          attempts_.push_back(Attempt{request.timeout, deadline.Remaining()});
          const milliseconds took = std::min(takes(request), request.timeout);
          clock.Advance(took);
          if (took == request.timeout)
            return Fail(ErrorCode::kUnavailable, "POST /: Timeout was reached (curl error 28)");
          return answer;
        });
    auto context =
        std::make_shared<AwsContext>(env, std::move(http),
                                     std::make_unique<StaticCredentialsProvider>(AwsCredentials{
                                         .access_key_id = "AKIDEXAMPLE", .secret_access_key = "SECRETSECRETSECRET"}),
                                     wall);
    client = std::make_unique<JsonClient>(context, AwsService::kDynamoDb, "DynamoDB_20120810", "us-east-1",
                                          "http://127.0.0.1:9", JsonClientOptions{});  // 10 s, 4 attempts.
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  std::vector<Attempt> attempts() const { return attempts_; }

  MapEnvironment env;
  testing::FixedClock wall;
  testing::FakeMonotonicClock clock;
  Deadline deadline;
  std::unique_ptr<JsonClient> client;

 private:
  std::vector<Attempt> attempts_;
};

HttpResponse Answer(int status, std::string body) {
  return HttpResponse{.status = status, .body = std::move(body)};
}

TEST(JsonClientDeadlineTest, AHangingAttemptEndsAtTheDeadline) {
  Fixture f([](const HttpRequest& r) { return r.timeout; }, Answer(200, "{}"), milliseconds(400));
  const auto started = f.clock.Now();
  auto body = f.client->Call("PutItem", "{}", f.deadline);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(body.error().message.find("deadline"), std::string::npos) << body.error().message;
  const auto attempts = f.attempts();
  ASSERT_EQ(attempts.size(), 1u);  // No retry starts once the deadline has passed.
  EXPECT_EQ(attempts[0].timeout, milliseconds(400));
  EXPECT_EQ(f.clock.Now() - started, milliseconds(400));
}

TEST(JsonClientDeadlineTest, RetriesOnlyWhileTimeIsLeftAndNeverPastIt) {
  for (int budget : {1, 60, 150, 700, 2500}) {
    Fixture f([](const HttpRequest&) { return milliseconds(30); },
              Answer(400, R"({"__type":"ThrottlingException","message":"slow down"})"), milliseconds(budget));
    const auto started = f.clock.Now();
    auto body = f.client->Call("PutItem", "{}", f.deadline);
    ASSERT_FALSE(body);
    EXPECT_EQ(body.error().code, ErrorCode::kUnavailable);
    const auto attempts = f.attempts();
    ASSERT_GE(attempts.size(), 1u) << budget;
    ASSERT_LE(attempts.size(), 4u) << budget;
    for (const auto& attempt : attempts) {
      EXPECT_GT(attempt.left, milliseconds(0)) << budget;  // Started before the deadline...
      EXPECT_LE(attempt.timeout, attempt.left) << budget;  // ...and may not outlive it.
    }
    EXPECT_LE(f.clock.Now() - started, milliseconds(budget)) << budget;
    EXPECT_EQ(f.client->Stats().requests, attempts.size());
  }
}

TEST(JsonClientDeadlineTest, NoDeadlineKeepsTheOptionsTimeoutAndAllAttempts) {
  Fixture f([](const HttpRequest&) { return milliseconds(5); }, Answer(500, R"({"__type":"InternalServerError"})"),
            milliseconds(1));
  auto body = f.client->Call("PutItem", "{}");
  ASSERT_FALSE(body);
  const auto attempts = f.attempts();
  ASSERT_EQ(attempts.size(), 4u);
  for (const auto& attempt : attempts) EXPECT_EQ(attempt.timeout, milliseconds(10'000));
}

TEST(JsonClientDeadlineTest, AnExpiredDeadlineSendsNothing) {
  Fixture f([](const HttpRequest&) { return milliseconds(5); }, Answer(200, "{}"), milliseconds(0));
  auto body = f.client->Call("GetItem", "{}", f.deadline);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(f.attempts().empty());
}

}  // namespace
}  // namespace exidx::aws
