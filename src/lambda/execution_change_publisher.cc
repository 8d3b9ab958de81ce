#include "lambda/execution_change_publisher.h"

#include "core/json_render.h"
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
  WriteRecord(w, record, "executionName");
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
