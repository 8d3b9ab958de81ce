// The JSON texts of the external contract: records, the list response
// (CONTRACT.md section 5), error bodies (section 6) and ingestion counts (section 7).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/json_writer.h"
#include "core/query.h"
#include "core/record.h"

namespace exidx {

// One execution as the History page reads it; absent optional fields omitted.
// REQUIRES: the record's times within [kMinEpochMillis, kMaxEpochMillis], as
// those of every record created (events) or read back (record_codec.h,
// DynamoDB items) are; outside it durationSeconds could overflow.
std::string RenderRecord(const ExecutionRecord& record);

// The same object written into `w`, the execution's name under `name_field`
// ("name" in the API; "executionName" where a schema names it so).
void WriteRecord(JsonWriter& w, const ExecutionRecord& record, std::string_view name_field = "name");

// {"executions": [...], "nextToken": ..., "hasMore": ..., "totalCount": ..., "metadata": {...}}
std::string RenderListResponse(const ExecutionPage& page, std::int64_t fetch_millis);

// {"error": {"code": "InvalidParameter", "message": "..."}}
std::string RenderErrorBody(const Error& error);
// The same shape with a code that is not one of the contract's ("NotFound").
std::string RenderErrorBody(std::string_view code, std::string_view message);

}  // namespace exidx
