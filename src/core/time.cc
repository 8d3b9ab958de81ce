#include "core/time.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

namespace exidx {
namespace {

constexpr std::int64_t kMillisPerDay = 86'400'000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

CivilDate CivilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool IsLeapYear(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned DaysInMonth(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// A cursor over the text being parsed; each Read* consumes on success only.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::optional<unsigned> ReadDigits(std::size_t count) {
    if (text_.size() - pos_ < count) return std::nullopt;
    unsigned value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text_[pos_ + i];
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    pos_ += count;
    return value;
  }

  bool ReadChar(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool ReadAnyOf(std::string_view chars) {
    if (pos_ < text_.size() && chars.find(text_[pos_]) != std::string_view::npos) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool AtEnd() const { return pos_ == text_.size(); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

std::optional<std::int64_t> ReadDate(Scanner& in) {
  auto y = in.ReadDigits(4);
  if (!y || !in.ReadChar('-')) return std::nullopt;
  auto m = in.ReadDigits(2);
  if (!m || !in.ReadChar('-')) return std::nullopt;
  auto d = in.ReadDigits(2);
  if (!d || *m < 1 || *m > 12 || *d < 1 || *d > DaysInMonth(*y, *m)) return std::nullopt;
  return DaysFromCivil(*y, *m, *d);
}

std::optional<EpochMillis> ReadTimestamp(Scanner& in) {
  auto days = ReadDate(in);
  if (!days || !in.ReadAnyOf("Tt ")) return std::nullopt;
  auto hh = in.ReadDigits(2);
  if (!hh || !in.ReadChar(':')) return std::nullopt;
  auto mi = in.ReadDigits(2);
  if (!mi || !in.ReadChar(':')) return std::nullopt;
  auto ss = in.ReadDigits(2);
  // A leap second (ss == 60) is not representable in epoch time; refuse it.
  if (!ss || *hh > 23 || *mi > 59 || *ss > 59) return std::nullopt;
  std::int64_t millis = 0;
  if (in.ReadChar('.')) {
    int digits = 0;
    while (auto digit = in.ReadDigits(1)) {
      if (digits < 3) millis = millis * 10 + *digit;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (!in.ReadAnyOf("Zz")) {
    int sign = 0;
    if (in.ReadChar('+')) {
      sign = 1;
    } else if (in.ReadChar('-')) {
      sign = -1;
    } else {
      return std::nullopt;
    }
    auto oh = in.ReadDigits(2);
    if (!oh || !in.ReadChar(':')) return std::nullopt;
    auto om = in.ReadDigits(2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = sign * static_cast<std::int64_t>(*oh * 60 + *om);
  }
  if (!in.AtEnd()) return std::nullopt;
  const std::int64_t seconds = *hh * 3600 + *mi * 60 + *ss - offset_minutes * 60;
  const EpochMillis t = *days * kMillisPerDay + seconds * 1000 + millis;
  if (t < kMinEpochMillis || t > kMaxEpochMillis) return std::nullopt;
  return t;
}

}  // namespace

std::string FormatTimestamp(EpochMillis t) {
  std::int64_t days = t / kMillisPerDay;
  std::int64_t rest = t % kMillisPerDay;
  if (rest < 0) {
    rest += kMillisPerDay;
    --days;
  }
  const CivilDate date = CivilFromDays(days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", date.year, date.month, date.day, rest / 3'600'000,
                     rest / 60'000 % 60, rest / 1000 % 60, rest % 1000);
}

Result<EpochMillis> ParseTimestamp(std::string_view text) {
  Scanner in(text);
  if (auto t = ReadTimestamp(in)) return *t;
  return Fail(ErrorCode::kInvalidParameter, "expected RFC 3339 timestamp, got " + Quoted(text));
}

Result<EpochMillis> ParseDateBound(std::string_view text, BoundSide side) {
  {
    Scanner in(text);
    if (auto days = ReadDate(in); days && in.AtEnd()) {
      const EpochMillis day_start = *days * kMillisPerDay;
      return side == BoundSide::kFrom ? day_start : day_start + kMillisPerDay - 1;
    }
  }
  Scanner in(text);
  if (auto t = ReadTimestamp(in)) return *t;
  return Fail(ErrorCode::kInvalidParameter, "expected RFC 3339 timestamp or YYYY-MM-DD, got " + Quoted(text));
}

Result<std::int64_t> ParseDurationMillis(std::string_view text) {
  std::int64_t count = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  static constexpr std::pair<std::string_view, std::int64_t> kUnits[] = {
      {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  constexpr std::int64_t kCentury = std::int64_t{36'500} * 86'400'000;
  for (const auto& [name, millis] : kUnits) {
    if (ec == std::errc() && end != text.data() && count >= 0 && count <= kCentury / millis && unit == name) {
      return count * millis;
    }
  }
  return Fail(ErrorCode::kInvalidParameter, "expected a duration such as 90s, 15m, 2h or 7d, got " + Quoted(text));
}

}  // namespace exidx
