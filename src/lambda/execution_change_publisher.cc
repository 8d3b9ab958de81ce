#include "lambda/execution_change_publisher.h"

#include "core/json_writer.h"
#include "core/time.h"

namespace exidx::lambda {

const std::string_view kPublishExecutionChangeMutation =
    "mutation PublishExecutionChange($input: ExecutionChangeInput!) {\n"
    "  publishExecutionChange(input: $input) {\n"
    "    executionArn agentName stateMachineArn executionName status startDate stopDate durationSeconds indexedAt\n"
    "    error cause redriveCount\n"
    "  }\n"
    "}\n";

std::string ExecutionChangeVariables(const ExecutionRecord& record) {
  JsonWriter w;
  w.BeginObject();
  w.Key("input");
  w.BeginObject();
  w.Key("executionArn");
  w.String(record.execution_arn);
  w.Key("agentName");
  w.String(record.agent_name);
  w.Key("stateMachineArn");
  w.String(record.state_machine_arn);
  w.Key("executionName");
  w.String(record.execution_name);
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
  w.EndObject();
  return w.Take();
}

Status AppSyncExecutionChangePublisher::Publish(const ExecutionRecord& record, const Deadline& deadline) {
  auto data = client_->Execute(kPublishExecutionChangeMutation, ExecutionChangeVariables(record), deadline);
  if (!data) {
    return Fail(data.error().code,
                "publishExecutionChange of " + Quoted(record.execution_arn) + ": " + data.error().message);
  }
  return {};
}

}  // namespace exidx::lambda
