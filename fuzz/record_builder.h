// ConsumeRecord: an ExecutionRecord such as the indexer can create, read from
// fuzz input: any strings, one of the six statuses, times within range.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <string>

#include "core/record.h"
#include "core/status.h"
#include "core/time.h"

namespace exidx::fuzz {

inline EpochMillis ConsumeTimestamp(FuzzedDataProvider& in) {
  return in.ConsumeIntegralInRange<EpochMillis>(kMinEpochMillis, kMaxEpochMillis);
}

// Text as JSON and DynamoDB carry it: valid UTF-8 (here: bytes below 0x80,
// control characters and NUL included).
inline std::string ConsumeText(FuzzedDataProvider& in, std::size_t max_length) {
  std::string text = in.ConsumeRandomLengthString(max_length);
  for (char& c : text) c = static_cast<char>(c & 0x7F);
  return text;
}

// `utf8`: every string valid UTF-8, as records that came through JSON are.
inline ExecutionRecord ConsumeRecord(FuzzedDataProvider& in, bool utf8) {
  auto text = [&in, utf8](std::size_t max_length) {
    return utf8 ? ConsumeText(in, max_length) : in.ConsumeRandomLengthString(max_length);
  };
  ExecutionRecord record;
  record.agent_name = text(32);
  if (in.ConsumeBool()) {
    // The names a standard executionArn gives (record_codec.h leaves them out).
    const std::string head = "arn:aws:states:" + text(24);
    const std::string machine = text(24);
    record.execution_name = text(40);
    record.execution_arn = head + ":execution:" + machine + ":" + record.execution_name;
    record.state_machine_arn = head + ":stateMachine:" + machine;
  } else {
    record.execution_arn = text(80);
    record.state_machine_arn = text(40);
    record.execution_name = text(40);
  }
  record.status = in.PickValueInArray(kAllStatuses);
  record.start_date = ConsumeTimestamp(in);
  if (in.ConsumeBool()) record.stop_date = ConsumeTimestamp(in);
  record.redrive_count = in.ConsumeIntegralInRange<std::int64_t>(0, std::numeric_limits<std::int64_t>::max());
  if (in.ConsumeBool()) record.error = text(32);
  if (in.ConsumeBool()) record.cause = text(kMaxCauseBytes);
  record.indexed_at = ConsumeTimestamp(in);
  if (in.ConsumeBool()) record.ttl = in.ConsumeIntegral<std::int64_t>();
  return record;
}

}  // namespace exidx::fuzz
