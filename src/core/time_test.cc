#include "core/time.h"

#include <gtest/gtest.h>

namespace exidx {
namespace {

TEST(FormatTimestamp, MillisecondsInUtc) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(1759140000123), "2025-09-29T10:00:00.123Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimestamp(kMaxEpochMillis), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimestamp(kMinEpochMillis), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(951782400000), "2000-02-29T00:00:00.000Z");
}

TEST(FormatTimestamp, SortsAsText) {
  const EpochMillis times[] = {kMinEpochMillis, -86400001, -1, 0, 1, 999, 1000, 1759140000123, kMaxEpochMillis};
  for (std::size_t i = 1; i < std::size(times); ++i) {
    EXPECT_LT(FormatTimestamp(times[i - 1]), FormatTimestamp(times[i]));
  }
}

TEST(ParseTimestamp, RoundTripsFormatted) {
  for (EpochMillis t : {EpochMillis{0}, EpochMillis{1759140000123}, EpochMillis{-5}, kMaxEpochMillis}) {
    auto parsed = ParseTimestamp(FormatTimestamp(t));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, t);
  }
}

TEST(ParseTimestamp, AcceptsRfc3339Variants) {
  EXPECT_EQ(ParseTimestamp("2025-09-29T10:00:00Z").value(), 1759140000000);
  EXPECT_EQ(ParseTimestamp("2025-09-29t10:00:00z").value(), 1759140000000);
  EXPECT_EQ(ParseTimestamp("2025-09-29 10:00:00Z").value(), 1759140000000);
  EXPECT_EQ(ParseTimestamp("2025-09-29T10:00:00.5Z").value(), 1759140000500);
  EXPECT_EQ(ParseTimestamp("2025-09-29T10:00:00.123456789Z").value(), 1759140000123);
  EXPECT_EQ(ParseTimestamp("2025-09-29T12:00:00+02:00").value(), 1759140000000);
  EXPECT_EQ(ParseTimestamp("2025-09-29T05:30:00-04:30").value(), 1759140000000);
}

TEST(ParseTimestamp, RejectsWithQuotedInput) {
  for (const char* bad :
       {"yesterday", "", "2025-09-29", "2025-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2025-09-29T24:00:00Z",
        "2025-09-29T10:60:00Z", "2025-09-29T10:00:60Z", "2025-09-29T10:00:00", "2025-09-29T10:00:00.Z",
        "2025-09-29T10:00:00+0200", "2025-9-29T10:00:00Z", "2025-09-29T10:00:00Zjunk", "+2025-09-29T10:00:00Z"}) {
    auto parsed = ParseTimestamp(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidParameter);
    EXPECT_NE(parsed.error().message.find(std::string("'") + bad + "'"), std::string::npos) << parsed.error().message;
  }
}

TEST(ParseDateBound, DateMeansWholeDayInclusive) {
  EXPECT_EQ(ParseDateBound("2025-09-29", BoundSide::kFrom).value(), 1759104000000);
  EXPECT_EQ(ParseDateBound("2025-09-29", BoundSide::kTo).value(), 1759190399999);
  EXPECT_EQ(ParseDateBound("2024-02-29", BoundSide::kTo).value(), ParseTimestamp("2024-02-29T23:59:59.999Z").value());
}

TEST(ParseDateBound, TimestampIsExact) {
  EXPECT_EQ(ParseDateBound("2025-09-29T10:00:00.123Z", BoundSide::kTo).value(), 1759140000123);
  EXPECT_EQ(ParseDateBound("2025-09-29T10:00:00.123Z", BoundSide::kFrom).value(), 1759140000123);
}

TEST(ParseDateBound, MessageMatchesContract) {
  auto parsed = ParseDateBound("yesterday", BoundSide::kFrom);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message, "expected RFC 3339 timestamp or YYYY-MM-DD, got 'yesterday'");
  EXPECT_FALSE(ParseDateBound("2025-02-30", BoundSide::kFrom));
}

TEST(Quoted, CutsLongInput) {
  const std::string huge(10000, 'x');
  const std::string quoted = Quoted(huge);
  EXPECT_LT(quoted.size(), 150u);
  EXPECT_NE(quoted.find("10000 bytes"), std::string::npos);
}

TEST(ParseDurationMillis, AWholeNumberAndItsUnit) {
  EXPECT_EQ(ParseDurationMillis("90s").value(), 90'000);
  EXPECT_EQ(ParseDurationMillis("15m").value(), 900'000);
  EXPECT_EQ(ParseDurationMillis("2h").value(), 7'200'000);
  EXPECT_EQ(ParseDurationMillis("30d").value(), 2'592'000'000);
  EXPECT_EQ(ParseDurationMillis("0m").value(), 0);
  for (const char* bad : {"", "m", "15", "15x", "-1m", "1.5h", " 1m", "1m ", "99999999999d", "15M"}) {
    auto parsed = ParseDurationMillis(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidParameter);
  }
}

}  // namespace
}  // namespace exidx
