#include "store/rocksdb/record_codec.h"

#include <fmt/format.h>

#include <cstdint>
#include <optional>

#include "store/rocksdb/key_coding.h"

namespace exidx {
namespace {

enum Flag : std::uint8_t {
  kHasStopDate = 1 << 0,
  kHasError = 1 << 1,
  kHasCause = 1 << 2,
  kHasTtl = 1 << 3,
  kNamesDerived = 1 << 4,
};
constexpr std::uint8_t kVersion1Flags = kHasStopDate | kHasError | kHasCause | kHasTtl;
constexpr std::uint8_t kVersion2Flags = kVersion1Flags | kNamesDerived;
constexpr std::string_view kExecutionResource = ":execution:";
constexpr std::string_view kStateMachineResource = ":stateMachine:";

// The stateMachineArn and executionName that `execution_arn` names; nullopt
// when it is not of the form "<head>:execution:<machine>:<name>".
struct DerivedNames {
  std::string state_machine_arn;
  std::string_view execution_name;
};
std::optional<DerivedNames> DeriveNames(std::string_view execution_arn) {
  const std::size_t resource = execution_arn.find(kExecutionResource);
  const std::size_t last_colon = execution_arn.rfind(':');
  if (resource == std::string_view::npos || last_colon < resource + kExecutionResource.size()) return std::nullopt;
  const std::size_t machine = resource + kExecutionResource.size();
  DerivedNames names;
  names.state_machine_arn.reserve(last_colon - machine + resource + kStateMachineResource.size());
  names.state_machine_arn.append(execution_arn.substr(0, resource));
  names.state_machine_arn.append(kStateMachineResource);
  names.state_machine_arn.append(execution_arn.substr(machine, last_colon - machine));
  names.execution_name = execution_arn.substr(last_colon + 1);
  return names;
}

bool NamesAreDerived(const ExecutionRecord& record) {
  const auto names = DeriveNames(record.execution_arn);
  return names && names->execution_name == record.execution_name &&
         names->state_machine_arn == record.state_machine_arn;
}

void AppendBytes(std::string& out, std::string_view bytes) {
  AppendVarint64(out, bytes.size());
  out.append(bytes);
}

void AppendSigned(std::string& out, std::int64_t value) {
  AppendVarint64(out, ZigZagEncode(value));
}

// a - b modulo 2^64: defined for every pair, and undone exactly by AddWrapping.
std::int64_t SubtractWrapping(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}

std::int64_t AddWrapping(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

// Reads fields from the front of the value; any shortfall makes it fail once.
class ValueReader {
 public:
  explicit ValueReader(std::string_view input) : input_(input) {}

  bool ok() const { return ok_; }
  bool AtEnd() const { return input_.empty(); }

  std::uint8_t Byte() {
    if (input_.empty()) return Failed(0);
    const auto byte = static_cast<std::uint8_t>(input_.front());
    input_.remove_prefix(1);
    return byte;
  }

  std::int64_t Signed() {
    auto value = ReadVarint64(input_);
    return value ? ZigZagDecode(*value) : Failed(0);
  }

  std::string Bytes() {
    auto size = ReadVarint64(input_);
    if (!size || *size > input_.size()) return Failed(std::string());
    std::string bytes(input_.substr(0, *size));
    input_.remove_prefix(*size);
    return bytes;
  }

 private:
  template <class T>
  T Failed(T value) {
    ok_ = false;
    input_ = {};
    return value;
  }

  std::string_view input_;
  bool ok_ = true;
};

std::unexpected<Error> Corrupt(std::string_view execution_arn, std::string_view problem) {
  return Fail(ErrorCode::kInternal, fmt::format("stored record of {} is corrupt: {}", Quoted(execution_arn), problem));
}

// Every record is created with its times within the timestamp range
// (core/time.h: events, DynamoDB items and Step Functions answers are checked
// against it), so a time outside it is a corrupt value. Rendering one would
// be wrong (no text form) and undefined (durationSeconds overflows).
std::optional<std::string> TimeOutOfRange(const ExecutionRecord& record) {
  auto check = [](std::string_view name, EpochMillis t) -> std::optional<std::string> {
    if (t >= kMinEpochMillis && t <= kMaxEpochMillis) return std::nullopt;
    return fmt::format("{} out of range: {}", name, t);
  };
  if (auto problem = check("startDate", record.start_date)) return problem;
  if (record.stop_date) {
    if (auto problem = check("stopDate", *record.stop_date)) return problem;
  }
  return check("indexedAt", record.indexed_at);
}

}  // namespace

void EncodeRecordValue(const ExecutionRecord& record, std::string& out) {
  std::uint8_t flags = 0;
  if (record.stop_date) flags |= kHasStopDate;
  if (record.error) flags |= kHasError;
  if (record.cause) flags |= kHasCause;
  if (record.ttl) flags |= kHasTtl;
  const bool derived = NamesAreDerived(record);
  if (derived) flags |= kNamesDerived;
  out.push_back(kRecordFormatVersion);
  out.push_back(static_cast<char>(flags));
  AppendBytes(out, record.agent_name);
  if (!derived) {
    AppendBytes(out, record.state_machine_arn);
    AppendBytes(out, record.execution_name);
  }
  out.push_back(static_cast<char>(record.status));
  AppendSigned(out, record.start_date);
  AppendSigned(out, record.redrive_count);
  AppendSigned(out, SubtractWrapping(record.indexed_at, record.start_date));
  if (record.stop_date) AppendSigned(out, SubtractWrapping(*record.stop_date, record.start_date));
  if (record.error) AppendBytes(out, *record.error);
  if (record.cause) AppendBytes(out, *record.cause);
  if (record.ttl) AppendSigned(out, *record.ttl);
}

Result<ExecutionRecord> DecodeRecordValue(std::string_view execution_arn, std::string_view bytes) {
  ValueReader in(bytes);
  const std::uint8_t version = in.Byte();
  if (!in.ok()) return Corrupt(execution_arn, "empty value");
  if (version != 1 && version != 2) {
    return Corrupt(execution_arn, fmt::format("unknown format version {} (this build reads 1 and 2)", version));
  }
  const std::uint8_t flags = in.Byte();
  const std::uint8_t known_flags = version == 1 ? kVersion1Flags : kVersion2Flags;
  if (in.ok() && (flags & ~known_flags) != 0) return Corrupt(execution_arn, "unknown flags");

  ExecutionRecord record;
  record.execution_arn = std::string(execution_arn);
  record.agent_name = in.Bytes();
  if (flags & kNamesDerived) {
    auto names = DeriveNames(execution_arn);
    if (!names) return Corrupt(execution_arn, "names marked derived, but the executionArn names none");
    record.state_machine_arn = std::move(names->state_machine_arn);
    record.execution_name = std::string(names->execution_name);
  } else {
    record.state_machine_arn = in.Bytes();
    record.execution_name = in.Bytes();
  }
  const std::uint8_t status = in.Byte();
  if (in.ok() && status > static_cast<std::uint8_t>(ExecutionStatus::kPendingRedrive)) {
    return Corrupt(execution_arn, fmt::format("unknown status {}", status));
  }
  record.status = static_cast<ExecutionStatus>(status);
  record.start_date = in.Signed();
  record.redrive_count = in.Signed();
  record.indexed_at = AddWrapping(record.start_date, in.Signed());
  if (flags & kHasStopDate) record.stop_date = AddWrapping(record.start_date, in.Signed());
  if (flags & kHasError) record.error = in.Bytes();
  if (flags & kHasCause) record.cause = in.Bytes();
  if (flags & kHasTtl) record.ttl = in.Signed();
  if (!in.ok()) return Corrupt(execution_arn, "truncated value");
  if (!in.AtEnd()) return Corrupt(execution_arn, "trailing bytes");
  if (auto problem = TimeOutOfRange(record)) return Corrupt(execution_arn, *problem);
  return record;
}

}  // namespace exidx
