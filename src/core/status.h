// The statuses of a Step Functions execution, as CONTRACT.md section 2 lists them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace exidx {

// The numeric values are stored (index keys, page tokens): never renumber.
// Their order is also the version rule's last tie-breaker.
enum class ExecutionStatus : std::uint8_t {
  kRunning = 0,
  kSucceeded = 1,
  kFailed = 2,
  kTimedOut = 3,
  kAborted = 4,
  kPendingRedrive = 5,
};

inline constexpr std::array<ExecutionStatus, 6> kAllStatuses = {
    ExecutionStatus::kRunning,  ExecutionStatus::kSucceeded, ExecutionStatus::kFailed,
    ExecutionStatus::kTimedOut, ExecutionStatus::kAborted,   ExecutionStatus::kPendingRedrive,
};

// "RUNNING", "SUCCEEDED", ...
std::string_view StatusName(ExecutionStatus status);

// The status named exactly (upper case), or nullopt.
std::optional<ExecutionStatus> ParseStatus(std::string_view name);

// True for the statuses an execution ends in: SUCCEEDED, FAILED, TIMED_OUT, ABORTED.
bool IsTerminal(ExecutionStatus status);

}  // namespace exidx
