// Timestamps and date bounds (src/core/time.h) on arbitrary text, and
// FormatTimestamp over the whole range. Properties: an accepted timestamp or
// bound is within years 0000..9999 and formats back to a timestamp that parses
// to the same instant; a timestamp is the same bound on both sides; a date is
// the whole UTC day, 00:00:00.000 to 23:59:59.999 of that date; both sides
// accept the same texts; the text form sorts as the instants do.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/time.h"
#include "fuzz_check.h"
#include "record_checks.h"

namespace exidx::fuzz {
namespace {

constexpr EpochMillis kMillisPerDay = 86'400'000;

// Maps 8 bytes onto [kMinEpochMillis, kMaxEpochMillis].
EpochMillis InRange(const std::uint8_t* bytes) {
  std::uint64_t raw;
  std::memcpy(&raw, bytes, sizeof(raw));
  const auto span = static_cast<std::uint64_t>(kMaxEpochMillis - kMinEpochMillis) + 1;
  return kMinEpochMillis + static_cast<EpochMillis>(raw % span);
}

void CheckText(std::string_view text) {
  auto timestamp = ParseTimestamp(text);
  auto from = ParseDateBound(text, BoundSide::kFrom);
  auto to = ParseDateBound(text, BoundSide::kTo);
  FUZZ_CHECK(from.has_value() == to.has_value());
  if (timestamp) {
    FUZZ_CHECK(InTimestampRange(*timestamp));
    CheckTimestampRoundTrip(*timestamp);
    FUZZ_CHECK(from && *from == *timestamp && to && *to == *timestamp);
  } else {
    FUZZ_CHECK(timestamp.error().code == ErrorCode::kInvalidParameter);
  }
  if (!from) {
    FUZZ_CHECK(from.error().code == ErrorCode::kInvalidParameter && to.error().code == ErrorCode::kInvalidParameter);
    return;
  }
  FUZZ_CHECK(InTimestampRange(*from) && InTimestampRange(*to) && *from <= *to);
  CheckTimestampRoundTrip(*from);
  CheckTimestampRoundTrip(*to);
  if (!timestamp) {
    // A date YYYY-MM-DD: the day it names, in UTC.
    FUZZ_CHECK(text.size() == 10);
    FUZZ_CHECK(*to - *from == kMillisPerDay - 1);
    FUZZ_CHECK(FormatTimestamp(*from) == std::string(text) + "T00:00:00.000Z");
    FUZZ_CHECK(FormatTimestamp(*to) == std::string(text) + "T23:59:59.999Z");
  }
}

}  // namespace
}  // namespace exidx::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace exidx;
  using namespace exidx::fuzz;
  CheckText(std::string_view(reinterpret_cast<const char*>(data), size));
  if (size >= 16) {
    const EpochMillis a = InRange(data);
    const EpochMillis b = InRange(data + 8);
    CheckTimestampRoundTrip(a);
    CheckTimestampRoundTrip(b);
    FUZZ_CHECK((a < b) == (FormatTimestamp(a) < FormatTimestamp(b)));
  }
  return 0;
}
