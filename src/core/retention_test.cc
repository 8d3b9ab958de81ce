#include "core/retention.h"

#include <gtest/gtest.h>

namespace exidx {
namespace {

constexpr std::int64_t kDay = 86'400;

std::string ErrorOf(std::string_view days, std::string_view retain) {
  auto policy = ParseRetentionPolicy(days, retain);
  EXPECT_FALSE(policy) << "accepted --retention-days " << Quoted(days) << " --retain " << Quoted(retain);
  if (policy) return "";
  EXPECT_EQ(policy.error().code, ErrorCode::kInvalidParameter);
  return policy.error().message;
}

TEST(ParseRetentionPolicy, NothingGivenKeepsEverything) {
  auto policy = ParseRetentionPolicy("", "");
  ASSERT_TRUE(policy);
  EXPECT_TRUE(policy->Empty());
  EXPECT_EQ(policy->SecondsFor(ExecutionStatus::kFailed), std::nullopt);
  EXPECT_EQ(DescribeRetention(*policy), "none");
}

TEST(ParseRetentionPolicy, PerStatusOverridesTheDefault) {
  auto policy = ParseRetentionPolicy("30", "FAILED=180d,TIMED_OUT=12h");
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->SecondsFor(ExecutionStatus::kSucceeded), 30 * kDay);
  EXPECT_EQ(policy->SecondsFor(ExecutionStatus::kRunning), 30 * kDay);
  EXPECT_EQ(policy->SecondsFor(ExecutionStatus::kFailed), 180 * kDay);
  EXPECT_EQ(policy->SecondsFor(ExecutionStatus::kTimedOut), 12 * 3600);
  EXPECT_EQ(DescribeRetention(*policy), "default 30d, FAILED 180d, TIMED_OUT 12h");
}

TEST(ParseRetentionPolicy, StatusesWithoutARuleAreKeptWhenThereIsNoDefault) {
  auto policy = ParseRetentionPolicy("", "SUCCEEDED=7d");
  ASSERT_TRUE(policy);
  EXPECT_FALSE(policy->Empty());
  EXPECT_EQ(policy->SecondsFor(ExecutionStatus::kSucceeded), 7 * kDay);
  EXPECT_EQ(policy->SecondsFor(ExecutionStatus::kFailed), std::nullopt);
}

TEST(ParseRetentionPolicy, BadValuesNameTheOption) {
  EXPECT_NE(ErrorOf("0", "").find("--retention-days"), std::string::npos);
  EXPECT_NE(ErrorOf("-3", "").find("--retention-days"), std::string::npos);
  EXPECT_NE(ErrorOf("30d", "").find("'30d'"), std::string::npos);
  EXPECT_NE(ErrorOf("36501", "").find("--retention-days"), std::string::npos);
  EXPECT_NE(ErrorOf("", "SUCCEEDED").find("--retain"), std::string::npos);
  EXPECT_NE(ErrorOf("", "DONE=3d").find("unknown status 'DONE'"), std::string::npos);
  EXPECT_NE(ErrorOf("", "FAILED=3").find("'FAILED=3'"), std::string::npos);
  EXPECT_NE(ErrorOf("", "FAILED=0d").find("--retain"), std::string::npos);
  EXPECT_NE(ErrorOf("", "FAILED=3w").find("--retain"), std::string::npos);
  EXPECT_NE(ErrorOf("", "FAILED=+3d").find("--retain"), std::string::npos);
  EXPECT_NE(ErrorOf("", "FAILED=3d,FAILED=4d").find("FAILED is given twice"), std::string::npos);
  EXPECT_NE(ErrorOf("", "FAILED=3d,").find("trailing comma"), std::string::npos);
  EXPECT_NE(ErrorOf("", "failed=3d").find("unknown status"), std::string::npos);
  EXPECT_NE(ErrorOf("", "FAILED=99999999999999999999d").find("--retain"), std::string::npos);
}

ExecutionRecord Record(ExecutionStatus status, EpochMillis start, std::optional<EpochMillis> stop,
                       EpochMillis indexed_at) {
  return ExecutionRecord{.execution_arn = "arn:aws:states:us-west-2:1:execution:m:e",
                         .agent_name = "a",
                         .status = status,
                         .start_date = start,
                         .stop_date = stop,
                         .indexed_at = indexed_at};
}

TEST(ExpiryOf, CountsFromStopDateRoundedUp) {
  auto policy = ParseRetentionPolicy("1", "FAILED=3d");
  ASSERT_TRUE(policy);
  EXPECT_EQ(ExpiryOf(*policy, Record(ExecutionStatus::kSucceeded, 1'000'000, 2'000'001, 3'000'000)), 2001 + kDay);
  EXPECT_EQ(ExpiryOf(*policy, Record(ExecutionStatus::kFailed, 1'000'000, 2'000'000, 3'000'000)), 2000 + 3 * kDay);
  EXPECT_EQ(ExpiryOf(*policy, Record(ExecutionStatus::kFailed, -5'000, -1'500, 0)), -1 + 3 * kDay);
}

TEST(ExpiryOf, ARunningRecordCountsFromWhenItWasLastHeardOf) {
  auto policy = ParseRetentionPolicy("1", "");
  ASSERT_TRUE(policy);
  EXPECT_EQ(ExpiryOf(*policy, Record(ExecutionStatus::kRunning, 5'000'000, std::nullopt, 0)), 5000 + kDay);
  // Redriven: startDate is the first run's, indexedAt the redrive's.
  EXPECT_EQ(ExpiryOf(*policy, Record(ExecutionStatus::kRunning, 5'000'000, std::nullopt, 9'000'000)), 9000 + kDay);
  EXPECT_EQ(ExpiryOf(*policy, Record(ExecutionStatus::kPendingRedrive, 5'000'000, std::nullopt, 7'000'000)),
            7000 + kDay);
}

TEST(ExpiryOf, NoneForAStatusKeptForEver) {
  auto policy = ParseRetentionPolicy("", "SUCCEEDED=1d");
  ASSERT_TRUE(policy);
  EXPECT_EQ(ExpiryOf(*policy, Record(ExecutionStatus::kFailed, 1000, 2000, 2000)), std::nullopt);
  EXPECT_EQ(ExpiryOf(RetentionPolicy{}, Record(ExecutionStatus::kSucceeded, 1000, 2000, 2000)), std::nullopt);
}

TEST(IsExpired, AtItsTtlAndAfter) {
  ExecutionRecord record = Record(ExecutionStatus::kSucceeded, 1000, 2000, 2000);
  EXPECT_FALSE(IsExpired(record, 1'000'000));
  record.ttl = 100;
  EXPECT_FALSE(IsExpired(record, 99));
  EXPECT_TRUE(IsExpired(record, 100));
  EXPECT_TRUE(IsExpired(record, 101));
  EXPECT_EQ(SecondsOf(-1), -1);
  EXPECT_EQ(SecondsOf(-1000), -1);
  EXPECT_EQ(SecondsOf(1999), 1);
}

}  // namespace
}  // namespace exidx
