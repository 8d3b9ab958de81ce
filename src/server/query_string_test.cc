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

TEST(QueryArgumentsOfTest, MapsContractNamesAndIgnoresOthers) {
  auto arguments = QueryArgumentsOf({{"agentName", "a"},
                                     {"status", "RUNNING"},
                                     {"startDateFrom", "2025-01-01"},
                                     {"startDateTo", "2025-01-02"},
                                     {"maxResults", "5"},
                                     {"nextToken", "t"},
                                     {"order", "asc"},
                                     {"_", "123"}})
                       .value();
  EXPECT_EQ(arguments.agent_name, "a");
  EXPECT_EQ(arguments.status, "RUNNING");
  EXPECT_EQ(arguments.start_date_from, "2025-01-01");
  EXPECT_EQ(arguments.start_date_to, "2025-01-02");
  EXPECT_EQ(arguments.max_results, "5");
  EXPECT_EQ(arguments.next_token, "t");
  EXPECT_EQ(arguments.order, "asc");
}

TEST(QueryArgumentsOfTest, RepeatedArgumentIsInvalid) {
  auto arguments = QueryArgumentsOf({{"status", "RUNNING"}, {"status", "FAILED"}});
  ASSERT_FALSE(arguments);
  EXPECT_EQ(arguments.error().code, ErrorCode::kInvalidParameter);
  EXPECT_EQ(arguments.error().message, "status: given more than once");
}

}  // namespace
}  // namespace exidx::server
