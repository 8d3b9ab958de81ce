#include "server/query_string.h"

#include <gtest/gtest.h>

namespace exidx::server {
namespace {

TEST(PercentDecodeTest, DecodesEscapesAndPlus) {
  EXPECT_EQ(PercentDecode("a%20b+c%2Bd%3a").value(), "a b c+d:");
  EXPECT_EQ(PercentDecode("2025-09-29T10%3A00%3A00%2B02%3A00").value(), "2025-09-29T10:00:00+02:00");
  EXPECT_EQ(PercentDecode("").value(), "");
}

TEST(PercentDecodeTest, BadEscapesAreInvalidParameter) {
  for (const char* bad : {"%", "%2", "%zz", "a%g0", "abc%"}) {
    auto decoded = PercentDecode(bad);
    ASSERT_FALSE(decoded) << bad;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidParameter);
  }
}

TEST(ParseQueryStringTest, PairsInOrder) {
  auto params = ParseQueryString("agentName=sql-agent&&status=FAILED&flag&x=a%3Db").value();
  EXPECT_EQ(params, (QueryParams{{"agentName", "sql-agent"}, {"status", "FAILED"}, {"flag", ""}, {"x", "a=b"}}));
  EXPECT_TRUE(ParseQueryString("").value().empty());
}

TEST(QueryArgumentsOfTest, MapsContractNames) {
  auto arguments = QueryArgumentsOf({{"agentName", "a"},
                                     {"status", "RUNNING"},
                                     {"startDateFrom", "2025-01-01"},
                                     {"startDateTo", "2025-01-02"},
                                     {"maxResults", "5"},
                                     {"nextToken", "t"},
                                     {"order", "asc"}})
                       .value();
  EXPECT_EQ(arguments.agent_name, "a");
  EXPECT_EQ(arguments.status, "RUNNING");
  EXPECT_EQ(arguments.start_date_from, "2025-01-01");
  EXPECT_EQ(arguments.start_date_to, "2025-01-02");
  EXPECT_EQ(arguments.max_results, "5");
  EXPECT_EQ(arguments.next_token, "t");
  EXPECT_EQ(arguments.order, "asc");
}

// CONTRACT.md section 5: an argument the operation does not know is invalid,
// never ignored: a typo must not pass for a filter that was applied.
TEST(QueryArgumentsOfTest, UnknownParameterIsInvalid) {
  for (const char* name : {"executionName", "agent", "_", "AgentName", ""}) {
    auto arguments = QueryArgumentsOf({{"status", "RUNNING"}, {name, "x"}});
    ASSERT_FALSE(arguments) << name;
    EXPECT_EQ(arguments.error().code, ErrorCode::kInvalidParameter);
    EXPECT_EQ(arguments.error().message,
              "unknown parameter '" + std::string(name) +
                  "'; expected agentName, status, startDateFrom, startDateTo, maxResults, nextToken, order");
  }
}

TEST(QueryArgumentsOfTest, AcceptsTheRoutesOwnNames) {
  const std::string_view accepted[] = {"agentName", "bucket"};
  auto arguments = QueryArgumentsOf({{"agentName", "a"}, {"bucket", "day"}}, accepted).value();
  EXPECT_EQ(arguments.agent_name, "a");
  auto refused = QueryArgumentsOf({{"status", "FAILED"}}, accepted);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "unknown parameter 'status'; expected agentName, bucket");
  auto twice = QueryArgumentsOf({{"bucket", "day"}, {"bucket", "hour"}}, accepted);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message, "bucket: given more than once");
}

TEST(QueryArgumentsOfTest, RepeatedArgumentIsInvalid) {
  auto arguments = QueryArgumentsOf({{"status", "RUNNING"}, {"status", "FAILED"}});
  ASSERT_FALSE(arguments);
  EXPECT_EQ(arguments.error().code, ErrorCode::kInvalidParameter);
  EXPECT_EQ(arguments.error().message, "status: given more than once");
}

}  // namespace
}  // namespace exidx::server
