#include "store/rocksdb/record_codec.h"

#include <gtest/gtest.h>

#include <limits>

namespace exidx {
namespace {

ExecutionRecord Minimal() {
  ExecutionRecord record;
  record.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:Agent:run-1";
  record.agent_name = "Agent";
  record.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:Agent";
  record.execution_name = "run-1";
  record.status = ExecutionStatus::kRunning;
  record.start_date = 1759140000000;
  record.indexed_at = 1759140000123;
  return record;
}

ExecutionRecord Full() {
  ExecutionRecord record = Minimal();
  record.status = ExecutionStatus::kFailed;
  record.stop_date = 1759140012345;
  record.redrive_count = 3;
  record.error = "States.TaskFailed";
  record.cause = std::string("cause with \0 a NUL and \xff bytes", 31);
  record.ttl = 1790676000;
  return record;
}

ExecutionRecord RoundTrip(const ExecutionRecord& record) {
  std::string bytes;
  EncodeRecordValue(record, bytes);
  auto decoded = DecodeRecordValue(record.execution_arn, bytes);
  EXPECT_TRUE(decoded.has_value()) << decoded.error().message;
  return decoded.value_or(ExecutionRecord{});
}

TEST(RecordCodecTest, RoundTripsWithoutOptionalFields) {
  const ExecutionRecord record = Minimal();
  const ExecutionRecord decoded = RoundTrip(record);
  EXPECT_EQ(decoded, record);
  EXPECT_FALSE(decoded.stop_date.has_value());
  EXPECT_FALSE(decoded.error.has_value());
  EXPECT_FALSE(decoded.cause.has_value());
  EXPECT_FALSE(decoded.ttl.has_value());
}

TEST(RecordCodecTest, RoundTripsEveryOptionalField) {
  EXPECT_EQ(RoundTrip(Full()), Full());
}

TEST(RecordCodecTest, RoundTripsEachOptionalFieldAlone) {
  for (int field = 0; field < 4; ++field) {
    ExecutionRecord record = Minimal();
    if (field == 0) record.stop_date = record.start_date - 5;  // Even before startDate.
    if (field == 1) record.error = "";                         // Present but empty is not absent.
    if (field == 2) record.cause = "c";
    if (field == 3) record.ttl = -1;
    EXPECT_EQ(RoundTrip(record), record) << "field " << field;
  }
}

TEST(RecordCodecTest, RoundTripsEveryStatus) {
  for (ExecutionStatus status : kAllStatuses) {
    ExecutionRecord record = Full();
    record.status = status;
    EXPECT_EQ(RoundTrip(record), record) << StatusName(status);
  }
}

TEST(RecordCodecTest, RoundTripsExtremeNumbers) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  for (std::int64_t start : {kMin, std::int64_t{-1}, std::int64_t{0}, kMinEpochMillis, kMaxEpochMillis, kMax}) {
    ExecutionRecord record = Full();
    record.start_date = start;
    record.stop_date = start == kMin ? kMax : kMin;  // Differences wrap around.
    record.indexed_at = ~start;
    record.redrive_count = start;
    record.ttl = start;
    EXPECT_EQ(RoundTrip(record), record) << start;
  }
}

TEST(RecordCodecTest, RoundTripsBinaryStringsAndEmptyOnes) {
  ExecutionRecord record = Full();
  record.agent_name = std::string("a\0b", 3);
  record.state_machine_arn = "";
  record.execution_name = std::string(300, '\xff');  // A multi-byte length.
  EXPECT_EQ(RoundTrip(record), record);
}

TEST(RecordCodecTest, LeavesTheKeyOutAndStartsWithTheVersion) {
  std::string bytes;
  EncodeRecordValue(Full(), bytes);
  EXPECT_EQ(bytes[0], kRecordFormatVersion);
  EXPECT_EQ(bytes.find("execution:Agent:run-1"), std::string::npos);
  auto decoded = DecodeRecordValue("other-arn", bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->execution_arn, "other-arn");
}

TEST(RecordCodecTest, RejectsEveryTruncation) {
  std::string bytes;
  EncodeRecordValue(Full(), bytes);
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    auto decoded = DecodeRecordValue("arn", std::string_view(bytes).substr(0, size));
    ASSERT_FALSE(decoded.has_value()) << "size " << size;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInternal);
  }
}

TEST(RecordCodecTest, RejectsTrailingBytesUnknownVersionFlagsAndStatus) {
  std::string bytes;
  EncodeRecordValue(Minimal(), bytes);

  auto decoded = DecodeRecordValue("arn", bytes + "x");
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message.find("trailing"), std::string::npos);

  std::string other_version = bytes;
  other_version[0] = 2;
  decoded = DecodeRecordValue("arn", other_version);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message.find("format version 2"), std::string::npos);

  std::string unknown_flag = bytes;
  unknown_flag[1] = static_cast<char>(0x80);
  EXPECT_FALSE(DecodeRecordValue("arn", unknown_flag).has_value());

  // Minimal(): version, flags, 3 length-prefixed strings, then the status byte.
  const std::size_t status_at = 2 + 1 + 5 + 1 + 56 + 1 + 5;
  ASSERT_EQ(bytes[status_at], static_cast<char>(ExecutionStatus::kRunning));
  std::string unknown_status = bytes;
  unknown_status[status_at] = 6;
  decoded = DecodeRecordValue("arn", unknown_status);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message.find("unknown status 6"), std::string::npos);
}

TEST(RecordCodecTest, IsCompact) {
  std::string bytes;
  EncodeRecordValue(Full(), bytes);
  const ExecutionRecord r = Full();
  const std::size_t strings =
      r.agent_name.size() + r.state_machine_arn.size() + r.execution_name.size() + r.error->size() + r.cause->size();
  // Numbers take varints and differences: 6 numbers in at most 20 bytes beyond the strings.
  EXPECT_LE(bytes.size(), strings + 5 /*lengths*/ + 3 /*version, flags, status*/ + 20);
}

}  // namespace
}  // namespace exidx
