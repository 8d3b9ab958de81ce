// The value of a record in the records column family: a compact binary form
// of ExecutionRecord without its key (executionArn), led by a format version
// byte so that a later format can be read beside this one.
//
// Format version 1, in order:
//   version   1 byte (= 1)
//   flags     1 byte: bit 0 stopDate, bit 1 error, bit 2 cause, bit 3 ttl present
//   agentName, stateMachineArn, executionName: varint length + bytes each
//   status    1 byte (ExecutionStatus's stored value)
//   startDate zigzag varint
//   redriveCount zigzag varint
//   indexedAt zigzag varint of (indexedAt - startDate)
//   [stopDate zigzag varint of (stopDate - startDate)]
//   [error, cause: varint length + bytes]
//   [ttl zigzag varint]
// Differences are taken modulo 2^64, so every int64 value round-trips.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/record.h"

namespace exidx {

inline constexpr char kRecordFormatVersion = 1;

// Appends the encoding of `record` (all fields but execution_arn) to `out`.
void EncodeRecordValue(const ExecutionRecord& record, std::string& out);

// The record stored under `execution_arn` with value `bytes`; kInternal when
// the bytes are not a complete record of a known format version.
Result<ExecutionRecord> DecodeRecordValue(std::string_view execution_arn, std::string_view bytes);

}  // namespace exidx
