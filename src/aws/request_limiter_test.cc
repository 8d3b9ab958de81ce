#include "aws/request_limiter.h"

#include <gtest/gtest.h>

#include "support/fake_monotonic_clock.h"

namespace exidx::aws {
namespace {

using std::chrono::milliseconds;
using testing::FakeMonotonicClock;

TEST(RequestLimiter, ABurstPassesThenRequestsSpreadAtTheRefillRate) {
  FakeMonotonicClock clock;
  RequestLimiter limiter({{"ListExecutions", {3, 2}}}, std::nullopt, clock);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.Acquire("ListExecutions", Deadline::Never()));
  EXPECT_EQ(clock.slept(), milliseconds(0));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limiter.Acquire("ListExecutions", Deadline::Never()));
  EXPECT_EQ(clock.slept(), milliseconds(2000));  // Four more at 2 per second.
  const RequestLimiterStats stats = limiter.Stats();
  EXPECT_EQ(stats.acquired, 7u);
  EXPECT_EQ(stats.waited, 4u);
  EXPECT_EQ(stats.wait_time, milliseconds(2000));
}

TEST(RequestLimiter, TokensRefillWhileIdleUpToTheBurst) {
  FakeMonotonicClock clock;
  RequestLimiter limiter({{"DescribeExecution", {2, 10}}}, std::nullopt, clock);
  ASSERT_TRUE(limiter.Acquire("DescribeExecution", Deadline::Never()));
  ASSERT_TRUE(limiter.Acquire("DescribeExecution", Deadline::Never()));
  clock.Advance(milliseconds(60'000));  // Refills 600 tokens' worth, kept to 2.
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(limiter.Acquire("DescribeExecution", Deadline::Never()));
  EXPECT_EQ(clock.slept(), milliseconds(0));
  ASSERT_TRUE(limiter.Acquire("DescribeExecution", Deadline::Never()));
  EXPECT_EQ(clock.slept(), milliseconds(100));
}

TEST(RequestLimiter, TheOverallBucketBoundsEveryOperationTogether) {
  FakeMonotonicClock clock;
  RequestLimiter limiter({{"ListExecutions", {100, 100}}}, BucketRate{1, 4}, clock);
  ASSERT_TRUE(limiter.Acquire("ListExecutions", Deadline::Never()));
  ASSERT_TRUE(limiter.Acquire("DescribeExecution", Deadline::Never()));  // No bucket of its own.
  ASSERT_TRUE(limiter.Acquire("ListExecutions", Deadline::Never()));
  EXPECT_EQ(clock.slept(), milliseconds(500));  // 4 per second over both.
}

TEST(RequestLimiter, OperationsWithoutABucketAndNoOverallOneNeverWait) {
  FakeMonotonicClock clock;
  RequestLimiter limiter({{"ListExecutions", {1, 1}}}, std::nullopt, clock);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(limiter.Acquire("GetItem", Deadline::Never()));
  EXPECT_EQ(clock.slept(), milliseconds(0));
}

TEST(RequestLimiter, AWaitPastTheDeadlineFailsAndTakesNothing) {
  FakeMonotonicClock clock;
  RequestLimiter limiter({{"ListTagsForResource", {1, 1}}}, std::nullopt, clock);
  ASSERT_TRUE(limiter.Acquire("ListTagsForResource", Deadline::Never()));
  auto late = limiter.Acquire("ListTagsForResource", Deadline::After(milliseconds(300), clock));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(clock.slept(), milliseconds(0));
  // Nothing was reserved by the refused call: the next one waits one token's time only.
  ASSERT_TRUE(limiter.Acquire("ListTagsForResource", Deadline::Never()));
  EXPECT_EQ(clock.slept(), milliseconds(1000));
}

TEST(RequestLimiter, PublishedStepFunctionsQuotasByRegion) {
  EXPECT_EQ(StepFunctionsQuotas("us-east-1").at("ListExecutions").per_second, 5);
  EXPECT_EQ(StepFunctionsQuotas("ap-south-1").at("ListExecutions").per_second, 2);
  EXPECT_EQ(StepFunctionsQuotas("eu-west-1").at("DescribeExecution").burst, 300);
  EXPECT_EQ(StepFunctionsQuotas("eu-central-1").at("DescribeExecution").per_second, 10);
  EXPECT_EQ(StepFunctionsQuotas("us-west-2").at("ListTagsForResource").per_second, 1);
}

}  // namespace
}  // namespace exidx::aws
