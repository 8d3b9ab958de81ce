#include "query/list_executions.h"

#include <fmt/format.h>

#include <charconv>

namespace exidx {
namespace {

bool Given(const std::optional<std::string>& argument) {
  return argument && !argument->empty();
}

std::unexpected<Error> InvalidParameter(std::string_view name, std::string_view problem) {
  return Fail(ErrorCode::kInvalidParameter, fmt::format("{}: {}", name, problem));
}

Result<EpochMillis> ValidateBound(std::string_view name, const std::string& text, BoundSide side) {
  auto bound = ParseDateBound(text, side);
  if (!bound) return InvalidParameter(name, bound.error().message);
  return *bound;
}

}  // namespace

Result<ValidatedQuery> ValidateQuery(const QueryArguments& arguments, const PageTokenCodec& tokens) {
  ValidatedQuery query;
  if (Given(arguments.agent_name)) query.filter.agent_name = *arguments.agent_name;
  if (Given(arguments.status)) {
    auto status = ParseStatus(*arguments.status);
    if (!status) {
      return InvalidParameter("status",
                              "expected one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE, got " +
                                  Quoted(*arguments.status));
    }
    query.filter.status = *status;
  }
  if (Given(arguments.start_date_from)) {
    auto from = ValidateBound("startDateFrom", *arguments.start_date_from, BoundSide::kFrom);
    if (!from) return std::unexpected(from.error());
    query.filter.start_from = *from;
  }
  if (Given(arguments.start_date_to)) {
    auto to = ValidateBound("startDateTo", *arguments.start_date_to, BoundSide::kTo);
    if (!to) return std::unexpected(to.error());
    query.filter.start_to = *to;
  }
  if (query.filter.start_from > query.filter.start_to) {
    return InvalidParameter("startDateFrom",
                            fmt::format("{} is after startDateTo {}", FormatTimestamp(query.filter.start_from),
                                        FormatTimestamp(query.filter.start_to)));
  }
  if (Given(arguments.max_results)) {
    const std::string& text = *arguments.max_results;
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > kMaxMaxResults) {
      return InvalidParameter("maxResults",
                              fmt::format("expected an integer from 1 to {}, got {}", kMaxMaxResults, Quoted(text)));
    }
    query.max_results = value;
  }
  if (Given(arguments.order)) {
    if (*arguments.order == "desc") {
      query.order = SortOrder::kDesc;
    } else if (*arguments.order == "asc") {
      query.order = SortOrder::kAsc;
    } else {
      return InvalidParameter("order", "expected 'desc' or 'asc', got " + Quoted(*arguments.order));
    }
  }
  if (Given(arguments.next_token)) {
    auto cursor = tokens.Decode(*arguments.next_token, query.filter, query.order);
    if (!cursor) return std::unexpected(cursor.error());
    query.after = std::move(*cursor);
  }
  return query;
}

Result<ExecutionPage> ListExecutions(ExecutionStore& store, const PageTokenCodec& tokens, const ValidatedQuery& query) {
  const auto page_size = static_cast<std::size_t>(query.max_results);
  auto records = store.Scan(ScanRequest{
      .filter = query.filter,
      .order = query.order,
      .after = query.after,
      .limit = page_size + 1,
  });
  if (!records) return std::unexpected(records.error());
  ExecutionPage page;
  page.executions = std::move(*records);
  if (page.executions.size() > page_size) {
    page.executions.resize(page_size);
    page.next_token = tokens.Encode(query.filter, query.order, CursorOf(page.executions.back()));
  }
  return page;
}

Result<ExecutionPage> ListExecutions(ExecutionStore& store, const PageTokenCodec& tokens,
                                     const QueryArguments& arguments) {
  auto query = ValidateQuery(arguments, tokens);
  if (!query) return std::unexpected(query.error());
  return ListExecutions(store, tokens, *query);
}

}  // namespace exidx
