// Executions as Step Functions' API describes them (ListExecutions,
// DescribeExecution), turned into the status changes that ingestion merges,
// so that a record filled from the API and one fed by events are built,
// bounded and merged by the one path (Indexer).
#pragma once

#include <optional>
#include <string>

#include "aws/sfn_client.h"
#include "core/error.h"
#include "core/event.h"

namespace exidx {

// The status change an execution's listing (or description) stands for,
// with the same bounds as an event's (CONTRACT.md section 2: names, ARNs,
// error names; cause cut to kMaxCauseBytes). kInternal naming the execution
// and the field when Step Functions' answer breaks them (an unknown status,
// a stopDate before startDate).
Result<StatusChangeEvent> StatusChangeOf(const aws::ExecutionDescription& execution);

// True when the listing lacks what the record of this execution holds: the
// error and cause of a FAILED, TIMED_OUT or ABORTED execution, which only
// DescribeExecution gives.
bool NeedsDescription(const aws::ExecutionSummary& listed);

}  // namespace exidx
