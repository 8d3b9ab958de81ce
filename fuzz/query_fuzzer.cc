// The query string of GET /v1/executions (src/server/query_string.h) and the
// validation of listExecutionsFromIndex's arguments (ValidateQuery,
// src/query/list_executions.h), on arbitrary text. Properties: parsed
// parameters percent-encoded again parse to the same parameters; they are
// accepted exactly when every name is an argument's, given once; each
// argument is the value its parameter had; a valid query has maxResults in
// 1..1000, bounds within range with from <= to, and validates to the same
// query when its arguments are given again in canonical form, with or without
// a token issued for it; a rejection names the parameter, with the code the
// contract gives it, in a short message.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/page_token.h"
#include "fuzz_check.h"
#include "query/list_executions.h"
#include "record_checks.h"
#include "server/query_string.h"

namespace exidx::fuzz {
namespace {

// A message quotes at most one value: at most 100 bytes of it, each written as
// up to 4 characters (\xHH, when not UTF-8), beside the list of argument names.
constexpr std::size_t kMaxMessageBytes = 1024;

const PageTokenCodec& Codec() {
  static const PageTokenCodec codec("fuzz-page-token-secret-0123456789");
  return codec;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out += {'%', kHex[byte >> 4], kHex[byte & 15]};
    }
  }
  return out;
}

std::string QueryStringOf(const server::QueryParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += PercentEncode(name) + "=" + PercentEncode(value);
  }
  return out;
}

// The first value of `name`, as QueryArgumentsOf must have read it.
std::optional<std::string> ValueOf(const server::QueryParams& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return std::nullopt;
}

// What QueryArgumentsOf accepts: names of the operation's arguments, each at most once.
bool OnlyKnownNamesOnce(const server::QueryParams& params) {
  std::set<std::string_view> seen;
  for (const auto& [name, value] : params) {
    const auto* end = std::end(kQueryArgumentNames);
    if (std::find(std::begin(kQueryArgumentNames), end, name) == end || !seen.insert(name).second) return false;
  }
  return true;
}

bool SameQuery(const ValidatedQuery& a, const ValidatedQuery& b) {
  return a.filter == b.filter && a.order == b.order && a.max_results == b.max_results && a.after == b.after;
}

// The arguments a client would send for `query`, in canonical form.
QueryArguments CanonicalArguments(const ValidatedQuery& query) {
  QueryArguments arguments;
  arguments.agent_name = query.filter.agent_name;
  if (query.filter.status) arguments.status = std::string(StatusName(*query.filter.status));
  arguments.start_date_from = FormatTimestamp(query.filter.start_from);
  arguments.start_date_to = FormatTimestamp(query.filter.start_to);
  arguments.max_results = std::to_string(query.max_results);
  arguments.order = query.order == SortOrder::kAsc ? "asc" : "desc";
  return arguments;
}

void CheckRejection(const Error& error) {
  FUZZ_CHECK(error.message.size() <= kMaxMessageBytes);
  if (error.code == ErrorCode::kInvalidToken) {
    FUZZ_CHECK(error.message.starts_with("nextToken: "));
    return;
  }
  FUZZ_CHECK(error.code == ErrorCode::kInvalidParameter);
  bool named = false;
  for (std::string_view name :
       {"agentName", "status", "startDateFrom", "startDateTo", "maxResults", "nextToken", "order"}) {
    named |= error.message.starts_with(std::string(name) + ": ");
  }
  FUZZ_CHECK(named);
}

void CheckValid(const ValidatedQuery& query, const QueryArguments& arguments) {
  FUZZ_CHECK(query.max_results >= 1 && query.max_results <= kMaxMaxResults);
  FUZZ_CHECK(InTimestampRange(query.filter.start_from) && InTimestampRange(query.filter.start_to));
  FUZZ_CHECK(query.filter.start_from <= query.filter.start_to);
  FUZZ_CHECK(!query.filter.agent_name || !query.filter.agent_name->empty());
  FUZZ_CHECK(
      query.filter.agent_name ==
      (arguments.agent_name && !arguments.agent_name->empty() ? arguments.agent_name : std::optional<std::string>()));
  if (query.filter.status) FUZZ_CHECK(IsKnownStatus(*query.filter.status));

  QueryArguments again = CanonicalArguments(query);
  again.next_token = arguments.next_token;
  auto revalidated = ValidateQuery(again, Codec());
  FUZZ_CHECK(revalidated.has_value() && SameQuery(*revalidated, query));

  // A token issued for this query, at a cursor taken from the query itself.
  const Cursor cursor{query.filter.start_from, query.filter.agent_name.value_or("arn")};
  again.next_token = Codec().Encode(query.filter, query.order, cursor);
  auto paged = ValidateQuery(again, Codec());
  FUZZ_CHECK(paged.has_value() && paged->after == cursor);
}

}  // namespace
}  // namespace exidx::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace exidx;
  using namespace exidx::fuzz;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto params = server::ParseQueryString(text);
  if (!params) {
    FUZZ_CHECK(params.error().code == ErrorCode::kInvalidParameter);
    FUZZ_CHECK(params.error().message.starts_with("query string: "));
    FUZZ_CHECK(params.error().message.size() <= kMaxMessageBytes);
    return 0;
  }
  for (const auto& [name, value] : *params) FUZZ_CHECK(name.size() + value.size() <= size);
  auto reparsed = server::ParseQueryString(QueryStringOf(*params));
  FUZZ_CHECK(reparsed.has_value() && *reparsed == *params);

  auto arguments = server::QueryArgumentsOf(*params);
  if (!arguments) {
    const Error& error = arguments.error();
    FUZZ_CHECK(error.code == ErrorCode::kInvalidParameter && error.message.size() <= kMaxMessageBytes);
    FUZZ_CHECK(error.message.starts_with("unknown parameter ") || error.message.ends_with(": given more than once"));
    FUZZ_CHECK(!OnlyKnownNamesOnce(*params));
    return 0;
  }
  FUZZ_CHECK(OnlyKnownNamesOnce(*params));
  FUZZ_CHECK(arguments->agent_name == ValueOf(*params, "agentName"));
  FUZZ_CHECK(arguments->status == ValueOf(*params, "status"));
  FUZZ_CHECK(arguments->start_date_from == ValueOf(*params, "startDateFrom"));
  FUZZ_CHECK(arguments->start_date_to == ValueOf(*params, "startDateTo"));
  FUZZ_CHECK(arguments->max_results == ValueOf(*params, "maxResults"));
  FUZZ_CHECK(arguments->next_token == ValueOf(*params, "nextToken"));
  FUZZ_CHECK(arguments->order == ValueOf(*params, "order"));

  auto query = ValidateQuery(*arguments, Codec());
  if (query) {
    CheckValid(*query, *arguments);
  } else {
    CheckRejection(query.error());
  }
  return 0;
}
