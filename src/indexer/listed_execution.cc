#include "indexer/listed_execution.h"

#include <fmt/format.h>

#include "core/record.h"
#include "core/utf8.h"

namespace exidx {
namespace {

std::unexpected<Error> BadAnswer(const aws::ExecutionSummary& execution, std::string_view field,
                                 std::string_view problem) {
  return Fail(ErrorCode::kInternal,
              fmt::format("states: execution {}: {} {}", Quoted(execution.execution_arn), field, problem));
}

// Characters (UTF-8 sequences) in `text`, counting a stray byte as one.
std::size_t Characters(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t at = 0; at < text.size(); ++count) at += std::max<std::size_t>(1, Utf8SequenceLength(text, at));
  return count;
}

}  // namespace

Result<StatusChangeEvent> StatusChangeOf(const aws::ExecutionDescription& execution) {
  const aws::ExecutionSummary& listed = execution.summary;
  const auto status = ParseStatus(listed.status);
  if (!status) return BadAnswer(listed, "status", "is not one exidx knows: " + Quoted(listed.status));
  if (listed.execution_arn.empty() || listed.execution_arn.size() > kMaxArnBytes) {
    return BadAnswer(listed, "executionArn", "is empty or longer than " + std::to_string(kMaxArnBytes) + " bytes");
  }
  if (listed.state_machine_arn.empty() || listed.state_machine_arn.size() > kMaxArnBytes) {
    return BadAnswer(listed, "stateMachineArn", "is empty or longer than " + std::to_string(kMaxArnBytes) + " bytes");
  }
  if (Characters(listed.name) > kMaxNameCharacters) {
    return BadAnswer(listed, "name", "is longer than " + std::to_string(kMaxNameCharacters) + " characters");
  }
  if (listed.stop_date && *listed.stop_date < listed.start_date)
    return BadAnswer(listed, "stopDate", "is before startDate");
  if (execution.error && Characters(*execution.error) > kMaxErrorCharacters) {
    return BadAnswer(listed, "error", "is longer than " + std::to_string(kMaxErrorCharacters) + " characters");
  }
  StatusChangeEvent event{
      .execution_arn = listed.execution_arn,
      .state_machine_arn = listed.state_machine_arn,
      .execution_name = listed.name,
      .status = *status,
      .start_date = listed.start_date,
      .stop_date = listed.stop_date,
      .redrive_count = listed.redrive_count.value_or(0),
      .error = execution.error,
  };
  if (execution.cause) event.cause = CutUtf8(*execution.cause, kMaxCauseBytes);
  return event;
}

bool NeedsDescription(const aws::ExecutionSummary& listed) {
  return listed.status == "FAILED" || listed.status == "TIMED_OUT" || listed.status == "ABORTED";
}

}  // namespace exidx
