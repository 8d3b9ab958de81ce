#include "store/rocksdb/record_codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "store/rocksdb/key_coding.h"

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

// A record whose stateMachineArn and executionName are not those its
// executionArn names, so the value holds them.
ExecutionRecord ExplicitNames() {
  ExecutionRecord record = Minimal();
  record.execution_name = "other";
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
  for (std::int64_t start : {kMinEpochMillis, std::int64_t{-1}, std::int64_t{0}, kMaxEpochMillis}) {
    ExecutionRecord record = Full();
    record.start_date = start;
    record.stop_date = start == kMinEpochMillis ? kMaxEpochMillis : kMinEpochMillis;
    record.indexed_at = start == kMaxEpochMillis ? kMinEpochMillis : kMaxEpochMillis;
    EXPECT_EQ(RoundTrip(record), record) << start;
  }
  for (std::int64_t number : {kMin, std::int64_t{-1}, kMax}) {
    ExecutionRecord record = Full();
    record.redrive_count = number;
    record.ttl = number;
    EXPECT_EQ(RoundTrip(record), record) << number;
  }
}

// A value no encoder of this store writes (a flipped bit, another writer)
// whose times lie outside years 0000..9999 has no text form, and rendering it
// would overflow: it is reported as a corrupt record, never handed out.
TEST(RecordCodecTest, RejectsTimesOutsideTheTimestampRange) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  struct Field {
    std::string_view name;
    void (*set)(ExecutionRecord&, EpochMillis);
  };
  const Field fields[] = {
      {"startDate", [](ExecutionRecord& r, EpochMillis t) { r.start_date = t; }},
      {"stopDate", [](ExecutionRecord& r, EpochMillis t) { r.stop_date = t; }},
      {"indexedAt", [](ExecutionRecord& r, EpochMillis t) { r.indexed_at = t; }},
  };
  for (const Field& field : fields) {
    for (EpochMillis t : {kMin, kMinEpochMillis - 1, kMaxEpochMillis + 1, kMax}) {
      ExecutionRecord record = Full();
      field.set(record, t);
      std::string bytes;
      EncodeRecordValue(record, bytes);
      auto decoded = DecodeRecordValue(record.execution_arn, bytes);
      ASSERT_FALSE(decoded.has_value()) << field.name << " = " << t;
      EXPECT_EQ(decoded.error().code, ErrorCode::kInternal);
      EXPECT_NE(decoded.error().message.find(record.execution_arn), std::string::npos) << decoded.error().message;
      EXPECT_NE(decoded.error().message.find(field.name), std::string::npos) << decoded.error().message;
    }
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
  ExecutionRecord record = Full();
  record.execution_name = "other";  // Stored, since the executionArn does not give it.
  EncodeRecordValue(record, bytes);
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

TEST(RecordCodecTest, NamesTheExecutionArnGivesAreNotStored) {
  std::string bytes;
  EncodeRecordValue(Minimal(), bytes);
  EXPECT_EQ(bytes.find("stateMachine"), std::string::npos);
  EXPECT_EQ(bytes.find("run-1"), std::string::npos);
  // version, flags, agent (1 + 5), status, three varints.
  EXPECT_LE(bytes.size(), 2u + 6u + 1u + 3u * 10u);
  EXPECT_EQ(RoundTrip(Minimal()), Minimal());

  std::string explicit_bytes;
  EncodeRecordValue(ExplicitNames(), explicit_bytes);
  EXPECT_NE(explicit_bytes.find("stateMachine:Agent"), std::string::npos);
}

TEST(RecordCodecTest, RoundTripsNamesTheExecutionArnDoesNotGive) {
  const std::string head = "arn:aws:states:us-east-1:123456789012:";
  struct Case {
    std::string execution_arn, state_machine_arn, execution_name;
  };
  const std::vector<Case> cases = {
      {head + "execution:M:n", head + "stateMachine:M", "other"},
      {head + "execution:M:n", head + "stateMachine:N", "n"},
      {head + "execution:M:n", "", ""},
      {head + "express:M:n:id", head + "stateMachine:M", "n"},       // Not ":execution:".
      {head + "execution:M:a:b", head + "stateMachine:M", "a:b"},    // The name would be "b".
      {head + "execution:M:a:b", head + "stateMachine:M:a", "b"},    // Derived, with a colon in the machine.
      {head + "execution:", head + "stateMachine:", ""},             // Nothing to derive from.
      {head + "execution::", head + "stateMachine:", ""},            // Derived, both empty.
      {"execution:M:n", "stateMachine:M", "n"},                      // Derived, no head.
      {"", "", ""},
  };
  for (const Case& c : cases) {
    ExecutionRecord record = Full();
    record.execution_arn = c.execution_arn;
    record.state_machine_arn = c.state_machine_arn;
    record.execution_name = c.execution_name;
    EXPECT_EQ(RoundTrip(record), record) << c.execution_arn << " / " << c.state_machine_arn << " / "
                                         << c.execution_name;
  }
}

// A value written by a build of record format 1 (explicit names, no bit 4).
TEST(RecordCodecTest, ReadsFormatVersion1) {
  const ExecutionRecord record = Minimal();
  std::string v1;
  v1.push_back(1);
  v1.push_back(0);  // No optional field.
  for (const std::string* field : {&record.agent_name, &record.state_machine_arn, &record.execution_name}) {
    v1.push_back(static_cast<char>(field->size()));
    v1.append(*field);
  }
  v1.push_back(static_cast<char>(record.status));
  AppendVarint64(v1, ZigZagEncode(record.start_date));
  AppendVarint64(v1, ZigZagEncode(record.redrive_count));
  AppendVarint64(v1, ZigZagEncode(record.indexed_at - record.start_date));
  auto decoded = DecodeRecordValue(record.execution_arn, v1);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(*decoded, record);

  // Bit 4 did not exist in format 1.
  v1[1] = 0x10;
  EXPECT_FALSE(DecodeRecordValue(record.execution_arn, v1).has_value());
}

TEST(RecordCodecTest, RejectsTrailingBytesUnknownVersionFlagsAndStatus) {
  std::string bytes;
  EncodeRecordValue(ExplicitNames(), bytes);

  auto decoded = DecodeRecordValue("arn", bytes + "x");
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message.find("trailing"), std::string::npos);

  std::string other_version = bytes;
  other_version[0] = 3;
  decoded = DecodeRecordValue("arn", other_version);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message.find("format version 3"), std::string::npos);

  std::string unknown_flag = bytes;
  unknown_flag[1] = static_cast<char>(0x80);
  EXPECT_FALSE(DecodeRecordValue("arn", unknown_flag).has_value());

  // ExplicitNames(): version, flags, 3 length-prefixed strings, then the status byte.
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
