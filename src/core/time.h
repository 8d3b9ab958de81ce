// Time as exidx stores and accepts it: epoch milliseconds inside, and the text
// form YYYY-MM-DDTHH:MM:SS.sssZ (UTC, milliseconds) outside, which sorts as text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace exidx {

using EpochMillis = std::int64_t;

// The range a record's timestamps may take: years 0000 to 9999, so that the
// text form always has four year digits and sorts as text.
inline constexpr EpochMillis kMinEpochMillis = -62167219200000;  // 0000-01-01
inline constexpr EpochMillis kMaxEpochMillis = 253402300799999;  // 9999-12-31T23:59:59.999

// REQUIRES: kMinEpochMillis <= t <= kMaxEpochMillis.
std::string FormatTimestamp(EpochMillis t);

// Parses an RFC 3339 timestamp: date, 'T' (or 't' or a space), time, optional
// fraction (truncated to milliseconds), and 'Z' or a numeric offset.
// On failure the message says what was expected and quotes the input.
Result<EpochMillis> ParseTimestamp(std::string_view text);

// Which end of an inclusive range a bound is.
enum class BoundSide { kFrom, kTo };

// Parses a query bound: an RFC 3339 timestamp, or a date YYYY-MM-DD that stands
// for its first millisecond (kFrom) or its last (kTo), in UTC.
Result<EpochMillis> ParseDateBound(std::string_view text, BoundSide side);

// A duration written as a whole number and its unit: "90s", "15m", "2h",
// "7d"; at most a century. kInvalidParameter otherwise, saying what it got.
Result<std::int64_t> ParseDurationMillis(std::string_view text);

}  // namespace exidx
