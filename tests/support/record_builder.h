// Exec: the record builder of the tests. Fields other than those given are
// derived from them: the names from the executionArn and the agent, indexedAt
// from the version (so that equal versions are equal records), and a FAILED
// execution carries an error and a cause.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/record.h"

namespace exidx::testing {

inline ExecutionRecord Exec(std::string arn, std::string agent, ExecutionStatus status, EpochMillis start,
                            std::optional<EpochMillis> stop = std::nullopt, std::int64_t redrive_count = 0) {
  ExecutionRecord record;
  record.execution_arn = std::move(arn);
  record.agent_name = std::move(agent);
  record.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:" + record.agent_name;
  record.execution_name = record.execution_arn.substr(record.execution_arn.rfind(':') + 1);
  record.status = status;
  record.start_date = start;
  record.stop_date = stop;
  record.redrive_count = redrive_count;
  // Wraps around instead of overflowing: tests use the extreme dates too.
  const auto wrapped = [](std::int64_t n) { return static_cast<std::uint64_t>(n); };
  record.indexed_at = static_cast<EpochMillis>(wrapped(start) + wrapped(stop.value_or(0)) + 7 * wrapped(redrive_count) +
                                               static_cast<std::uint64_t>(status));
  if (status == ExecutionStatus::kFailed) {
    record.error = "States.TaskFailed";
    record.cause = "boom";
  }
  return record;
}

}  // namespace exidx::testing
