#include "query/list_executions.h"

#include <gtest/gtest.h>

#include "support/reference_store.h"

namespace exidx {
namespace {

using testing::ReferenceStore;

class ListExecutionsTest : public ::testing::Test {
 protected:
  void Add(std::string agent, ExecutionStatus status, EpochMillis start, int n = 1) {
    std::vector<ExecutionRecord> records;
    for (int i = 0; i < n; ++i) {
      records.push_back(ExecutionRecord{
          .execution_arn = "arn:e:" + agent + ":" + std::to_string(start) + ":" + std::to_string(i),
          .agent_name = agent,
          .status = status,
          .start_date = start,
          .stop_date = IsTerminal(status) ? std::optional<EpochMillis>(start + 10) : std::nullopt,
      });
    }
    ASSERT_TRUE(store_.Apply(records));
  }

  Result<ExecutionPage> List(QueryArguments args) { return ListExecutions(store_, tokens_, args); }

  Error ListError(QueryArguments args) {
    auto page = List(std::move(args));
    EXPECT_FALSE(page);
    return page ? Error{} : page.error();
  }

  ReferenceStore store_;
  PageTokenCodec tokens_{std::string(32, 'k')};
};

TEST_F(ListExecutionsTest, NoFilterReturnsEverythingNewestFirst) {
  Add("a", ExecutionStatus::kSucceeded, 100);
  Add("b", ExecutionStatus::kFailed, 300);
  Add("c", ExecutionStatus::kRunning, 200);
  auto page = List({});
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->executions.size(), 3u);
  EXPECT_EQ(page->executions[0].start_date, 300);
  EXPECT_EQ(page->executions[1].start_date, 200);
  EXPECT_EQ(page->executions[2].start_date, 100);
  EXPECT_FALSE(page->next_token);
}

TEST_F(ListExecutionsTest, EmptyStringsMeanNotGiven) {
  Add("a", ExecutionStatus::kSucceeded, 100);
  auto page = List({.agent_name = "", .status = "", .start_date_from = "", .max_results = "", .order = ""});
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->executions.size(), 1u);
}

TEST_F(ListExecutionsTest, PagesAreFullAndHasMoreIsExact) {
  Add("a", ExecutionStatus::kFailed, 100, 10);
  Add("a", ExecutionStatus::kSucceeded, 100, 10);
  QueryArguments args{.agent_name = "a", .status = "FAILED", .max_results = "5"};
  auto first = List(args);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->executions.size(), 5u);
  ASSERT_TRUE(first->next_token);
  args.next_token = first->next_token;
  auto second = List(args);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->executions.size(), 5u);
  EXPECT_FALSE(second->next_token) << "exactly 10 items: no empty trailing page";
  EXPECT_NE(first->executions.back().execution_arn, second->executions.front().execution_arn);
}

TEST_F(ListExecutionsTest, TokenReusedWithOtherFiltersIsInvalid) {
  Add("a", ExecutionStatus::kFailed, 100, 3);
  auto first = List({.agent_name = "a", .max_results = "1"});
  ASSERT_TRUE(first && first->next_token);
  Error e = ListError({.agent_name = "b", .max_results = "1", .next_token = first->next_token});
  EXPECT_EQ(e.code, ErrorCode::kInvalidToken);
  e = ListError({.agent_name = "a", .max_results = "1", .next_token = first->next_token, .order = "asc"});
  EXPECT_EQ(e.code, ErrorCode::kInvalidToken);
  // The page size may change between pages.
  EXPECT_TRUE(List({.agent_name = "a", .max_results = "2", .next_token = first->next_token}));
}

TEST_F(ListExecutionsTest, DateBoundsAreInclusive) {
  Add("a", ExecutionStatus::kSucceeded, 1759104000000);  // 2025-09-29T00:00:00.000Z
  Add("a", ExecutionStatus::kSucceeded, 1759190399999);  // 2025-09-29T23:59:59.999Z
  Add("a", ExecutionStatus::kSucceeded, 1759190400000);  // 2025-09-30T00:00:00.000Z
  auto page = List({.start_date_from = "2025-09-29", .start_date_to = "2025-09-29"});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->executions.size(), 2u);
  page = List({.start_date_from = "2025-09-29T23:59:59.999Z", .start_date_to = "2025-09-30T00:00:00Z"});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->executions.size(), 2u);
}

TEST_F(ListExecutionsTest, InvalidArgumentsNameTheParameter) {
  struct Case {
    QueryArguments args;
    ErrorCode code;
    std::string message_start;
  };
  const std::vector<Case> cases = {
      {{.start_date_from = "yesterday"},
       ErrorCode::kInvalidParameter,
       "startDateFrom: expected RFC 3339 timestamp or YYYY-MM-DD, got 'yesterday'"},
      {{.start_date_to = "2025-13-01"}, ErrorCode::kInvalidParameter, "startDateTo:"},
      {{.start_date_from = "2025-09-30", .start_date_to = "2025-09-29"},
       ErrorCode::kInvalidParameter,
       "startDateFrom: 2025-09-30T00:00:00.000Z is after startDateTo"},
      {{.status = "DONE"}, ErrorCode::kInvalidParameter, "status:"},
      {{.max_results = "0"}, ErrorCode::kInvalidParameter, "maxResults:"},
      {{.max_results = "1001"}, ErrorCode::kInvalidParameter, "maxResults:"},
      {{.max_results = "5x"}, ErrorCode::kInvalidParameter, "maxResults:"},
      {{.max_results = "-3"}, ErrorCode::kInvalidParameter, "maxResults:"},
      {{.order = "newest"}, ErrorCode::kInvalidParameter, "order:"},
      {{.next_token = "garbage"}, ErrorCode::kInvalidToken, "nextToken:"},
  };
  for (const auto& c : cases) {
    Error e = ListError(c.args);
    EXPECT_EQ(e.code, c.code) << e.message;
    EXPECT_EQ(e.message.rfind(c.message_start, 0), 0u) << e.message;
  }
}

TEST_F(ListExecutionsTest, MaxResultsBoundsAccepted) {
  Add("a", ExecutionStatus::kSucceeded, 100, 3);
  EXPECT_EQ(List({.max_results = "1"})->executions.size(), 1u);
  EXPECT_EQ(List({.max_results = "1000"})->executions.size(), 3u);
}

TEST_F(ListExecutionsTest, AscendingOrder) {
  Add("a", ExecutionStatus::kSucceeded, 300);
  Add("a", ExecutionStatus::kSucceeded, 100);
  auto page = List({.order = "asc"});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->executions.front().start_date, 100);
}

}  // namespace
}  // namespace exidx
