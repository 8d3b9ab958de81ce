#include "core/json_render.h"

#include "core/json_writer.h"

namespace exidx {

void WriteRecord(JsonWriter& w, const ExecutionRecord& record, std::string_view name_field) {
  w.BeginObject();
  w.Key("executionArn");
  w.String(record.execution_arn);
  w.Key(name_field);
  w.String(record.execution_name);
  w.Key("agentName");
  w.String(record.agent_name);
  w.Key("stateMachineArn");
  w.String(record.state_machine_arn);
  w.Key("status");
  w.String(StatusName(record.status));
  w.Key("startDate");
  w.String(FormatTimestamp(record.start_date));
  if (record.stop_date) {
    w.Key("stopDate");
    w.String(FormatTimestamp(*record.stop_date));
    w.Key("durationSeconds");
    w.MillisAsSeconds(*record.stop_date - record.start_date);
  }
  w.Key("indexedAt");
  w.String(FormatTimestamp(record.indexed_at));
  if (record.error) {
    w.Key("error");
    w.String(*record.error);
  }
  if (record.cause) {
    w.Key("cause");
    w.String(*record.cause);
  }
  if (record.redrive_count > 0) {
    w.Key("redriveCount");
    w.Int(record.redrive_count);
  }
  w.EndObject();
}

std::string RenderRecord(const ExecutionRecord& record) {
  JsonWriter w;
  WriteRecord(w, record);
  return w.Take();
}

std::string RenderListResponse(const ExecutionPage& page, std::int64_t fetch_millis) {
  JsonWriter w;
  w.BeginObject();
  w.Key("executions");
  w.BeginArray();
  for (const ExecutionRecord& record : page.executions) WriteRecord(w, record);
  w.EndArray();
  w.Key("nextToken");
  if (page.next_token) {
    w.String(*page.next_token);
  } else {
    w.Null();
  }
  w.Key("hasMore");
  w.Bool(page.next_token.has_value());
  w.Key("totalCount");
  w.Int(static_cast<std::int64_t>(page.executions.size()));
  w.Key("metadata");
  w.BeginObject();
  w.Key("fromIndex");
  w.Bool(true);
  w.Key("fetchTime");
  w.Int(fetch_millis);
  w.EndObject();
  w.EndObject();
  return w.Take();
}

std::string RenderErrorBody(const Error& error) {
  return RenderErrorBody(ErrorCodeName(error.code), error.message);
}

std::string RenderErrorBody(std::string_view code, std::string_view message) {
  JsonWriter w;
  w.BeginObject();
  w.Key("error");
  w.BeginObject();
  w.Key("code");
  w.String(code);
  w.Key("message");
  w.String(message);
  w.EndObject();
  w.EndObject();
  return w.Take();
}

}  // namespace exidx
