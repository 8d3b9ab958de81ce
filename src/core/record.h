// The indexed record of one execution and the version rule that decides which
// of two records of the same execution is newer (CONTRACT.md section 4).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "core/time.h"

namespace exidx {

struct ExecutionRecord {
  std::string execution_arn;  // The key.
  std::string agent_name;
  std::string state_machine_arn;
  std::string execution_name;
  ExecutionStatus status = ExecutionStatus::kRunning;
  EpochMillis start_date = 0;
  std::optional<EpochMillis> stop_date;
  std::int64_t redrive_count = 0;
  std::optional<std::string> error;
  std::optional<std::string> cause;  // At most kMaxCauseBytes.
  EpochMillis indexed_at = 0;        // When the record last changed.
  std::optional<std::int64_t> ttl;   // Epoch seconds; only with retention configured.

  bool operator==(const ExecutionRecord&) const = default;
};

// `cause` is kept up to this many bytes (cut on a UTF-8 character boundary).
inline constexpr std::size_t kMaxCauseBytes = 4096;

// What Step Functions itself allows (its API's shapes Arn, LongArn, Name and
// SensitiveError: 256 and 2,000 characters for ARNs, 80 for names, 256 for
// error names), so that no real execution is refused. The ARN bound is the
// larger one, in bytes: every executionArn the index holds fits in a page
// token (page_token.cc checks it) and in a store key.
inline constexpr std::size_t kMaxArnBytes = 2000;
inline constexpr std::size_t kMaxNameCharacters = 80;
inline constexpr std::size_t kMaxErrorCharacters = 256;

// (stopDate - startDate) in seconds with millisecond precision; nullopt while
// the record has no stopDate.
std::optional<double> DurationSeconds(const ExecutionRecord& record);

// The version of a record: (redriveCount, phase, stopDate, status) compared
// left to right. phase is 0 for RUNNING and PENDING_REDRIVE, 1 for terminal
// statuses; an absent stopDate compares below every present one; status
// breaks a tie by its enum order.
struct RecordVersion {
  std::int64_t redrive_count;
  int phase;
  EpochMillis stop_date;
  int status_rank;

  auto operator<=>(const RecordVersion&) const = default;
};

RecordVersion VersionOf(const ExecutionRecord& record);

// True when `candidate` may replace `current` (nullptr: nothing stored yet):
// exactly when its version is greater. Equal or smaller versions change nothing,
// so duplicates and any order of arrival end in the same record.
bool Supersedes(const ExecutionRecord& candidate, const ExecutionRecord* current);

}  // namespace exidx
