#include "core/status.h"

namespace exidx {

std::string_view StatusName(ExecutionStatus status) {
  switch (status) {
    case ExecutionStatus::kRunning: return "RUNNING";
    case ExecutionStatus::kSucceeded: return "SUCCEEDED";
    case ExecutionStatus::kFailed: return "FAILED";
    case ExecutionStatus::kTimedOut: return "TIMED_OUT";
    case ExecutionStatus::kAborted: return "ABORTED";
    case ExecutionStatus::kPendingRedrive: return "PENDING_REDRIVE";
  }
  return "RUNNING";
}

std::optional<ExecutionStatus> ParseStatus(std::string_view name) {
  for (ExecutionStatus status : kAllStatuses) {
    if (StatusName(status) == name) return status;
  }
  return std::nullopt;
}

bool IsTerminal(ExecutionStatus status) {
  return status != ExecutionStatus::kRunning && status != ExecutionStatus::kPendingRedrive;
}

}  // namespace exidx
