// The value of a record in the records column family: a compact binary form
// of ExecutionRecord without its key (executionArn), led by a format version
// byte so that a later format can be read beside this one.
//
// Format version 2, in order:
//   version   1 byte (= 2)
//   flags     1 byte: bit 0 stopDate, bit 1 error, bit 2 cause, bit 3 ttl
//             present; bit 4 names derived (see below)
//   agentName: varint length + bytes
//   [stateMachineArn, executionName: varint length + bytes each; absent when
//    bit 4 is set]
//   status    1 byte (ExecutionStatus's stored value)
//   startDate zigzag varint
//   redriveCount zigzag varint
//   indexedAt zigzag varint of (indexedAt - startDate)
//   [stopDate zigzag varint of (stopDate - startDate)]
//   [error, cause: varint length + bytes]
//   [ttl zigzag varint]
// Differences are taken modulo 2^64, so every int64 value encodes; a value
// whose startDate, stopDate or indexedAt lies outside the timestamp range
// (kMinEpochMillis..kMaxEpochMillis, core/time.h) decodes as corrupt.
// Bit 4 says that stateMachineArn and executionName are those named by the
// executionArn ("arn:P:states:R:A:execution:M:N" names
// "arn:P:states:R:A:stateMachine:M" and "N"), as they are for every standard
// execution: they are not stored. The record is written five times (records
// and four covering index entries), so this saves about 100 bytes five times.
// Format version 1 is version 2 without bit 4; both are read.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/record.h"

namespace exidx {

inline constexpr char kRecordFormatVersion = 2;

// Appends the encoding of `record` (all fields but execution_arn) to `out`.
void EncodeRecordValue(const ExecutionRecord& record, std::string& out);

// The record stored under `execution_arn` with value `bytes`; kInternal,
// naming the key, when the bytes are not a complete record of a known format
// version or hold a time outside the timestamp range.
Result<ExecutionRecord> DecodeRecordValue(std::string_view execution_arn, std::string_view bytes);

}  // namespace exidx
