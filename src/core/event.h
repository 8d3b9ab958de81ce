// EventBridge "Step Functions Execution Status Change" events (CONTRACT.md
// section 2): parsing and validation of one envelope or a batch of them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "core/record.h"
#include "core/status.h"
#include "core/time.h"

namespace exidx {

// The fields of an indexed event that the record is built from.
struct StatusChangeEvent {
  std::string event_id;  // The envelope's id; "" when absent.
  std::string execution_arn;
  std::string state_machine_arn;
  std::string execution_name;
  ExecutionStatus status = ExecutionStatus::kRunning;
  EpochMillis start_date = 0;
  std::optional<EpochMillis> stop_date;
  std::int64_t redrive_count = 0;
  std::optional<std::string> error;
  std::optional<std::string> cause;  // Already cut to kMaxCauseBytes.
};

// A well-formed event of another source or detail-type: counted, not indexed.
struct SkippedEvent {
  std::string event_id;
};

using ParsedEvent = std::variant<StatusChangeEvent, SkippedEvent>;

// The record a status change makes for an execution of agent `agent_name`,
// stamped indexed_at = now.
ExecutionRecord RecordOf(const StatusChangeEvent& event, std::string agent_name, EpochMillis now);

// Parses one envelope. `position` (1-based) names the event in messages, e.g.
// "event 3 (id 'a8b2...'): detail.status: expected one of RUNNING, ..., got 'DONE'".
// Errors are kInvalidEvent.
Result<ParsedEvent> ParseEvent(std::string_view json, std::size_t position);

// Parses a request body or file: one event object, a JSON array of them, or a
// sequence of objects separated by white space (NDJSON). All or nothing: the
// first invalid event fails the whole batch. Events are numbered in messages
// from `first_position`, so a caller reading a stream in pieces names them right.
Result<std::vector<ParsedEvent>> ParseEventBatch(std::string_view body, std::size_t first_position = 1);

}  // namespace exidx
