// URL query strings (application/x-www-form-urlencoded) and the query
// arguments of listExecutionsFromIndex read from them.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/query.h"

namespace exidx::server {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Decodes %XX escapes, and '+' as a space. kInvalidParameter for a '%' not
// followed by two hex digits.
Result<std::string> PercentDecode(std::string_view text);

// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}}, in order, names and values
// decoded. A piece without '=' is a name with an empty value; empty pieces
// are ignored. kInvalidParameter for bad percent-encoding.
Result<QueryParams> ParseQueryString(std::string_view query);

// The listExecutionsFromIndex arguments among `params`, whose names must all
// be among `accepted` (the route's parameters: query arguments and names of
// its own, such as "bucket"), each at most once. kInvalidParameter names an
// unknown parameter (a typo must not pass for a filter that was applied) or
// one given twice (which one was meant is unknown).
Result<QueryArguments> QueryArgumentsOf(const QueryParams& params,
                                        std::span<const std::string_view> accepted = kQueryArgumentNames);

// The value of `name`, or "" when absent.
std::string ParamOr(const QueryParams& params, std::string_view name, std::string_view fallback = "");

}  // namespace exidx::server
