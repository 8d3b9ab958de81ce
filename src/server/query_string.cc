#include "server/query_string.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>

namespace exidx::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      const int high = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return Fail(ErrorCode::kInvalidParameter,
                    "query string: '%' must be followed by two hex digits in " + Quoted(text));
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    }
  }
  return out;
}

Result<QueryParams> ParseQueryString(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    const std::size_t eq = piece.find('=');
    auto name = PercentDecode(piece.substr(0, eq));
    if (!name) return std::unexpected(name.error());
    auto value = PercentDecode(eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1));
    if (!value) return std::unexpected(value.error());
    params.emplace_back(std::move(*name), std::move(*value));
  }
  return params;
}

Result<QueryArguments> QueryArgumentsOf(const QueryParams& params, std::span<const std::string_view> accepted) {
  QueryArguments arguments;
  std::vector<std::string_view> seen;
  for (const auto& [name, value] : params) {
    if (std::find(accepted.begin(), accepted.end(), name) == accepted.end()) {
      return Fail(ErrorCode::kInvalidParameter,
                  accepted.empty()
                      ? fmt::format("unknown parameter {}; this route takes none", Quoted(name))
                      : fmt::format("unknown parameter {}; expected {}", Quoted(name), fmt::join(accepted, ", ")));
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return Fail(ErrorCode::kInvalidParameter, fmt::format("{}: given more than once", name));
    }
    seen.push_back(name);
    if (std::optional<std::string>* argument = ArgumentNamed(arguments, name)) *argument = value;
  }
  return arguments;
}

std::string ParamOr(const QueryParams& params, std::string_view name, std::string_view fallback) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return std::string(fallback);
}

}  // namespace exidx::server
