// EventBridge events for the server's tests, built from a few fields.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>

namespace exidx::testing {

inline constexpr std::string_view kTestAccountPrefix = "arn:aws:states:us-west-2:123456789012";

inline std::string ExecutionArnOf(const std::string& machine, const std::string& name) {
  return fmt::format("{}:execution:{}:{}", kTestAccountPrefix, machine, name);
}

// One "Step Functions Execution Status Change" envelope of `machine`'s
// execution `name`; stopDate only for a terminal status.
inline std::string StatusEvent(const std::string& id, const std::string& machine, const std::string& name,
                               const std::string& status, std::int64_t start_millis,
                               std::optional<std::int64_t> stop_millis = std::nullopt) {
  const std::string stop = stop_millis ? std::to_string(*stop_millis) : "null";
  return fmt::format(
      R"({{"version":"0","id":"{0}","detail-type":"Step Functions Execution Status Change","source":"aws.states",)"
      R"("account":"123456789012","time":"2025-09-29T10:00:00Z","region":"us-west-2","resources":["{1}"],)"
      R"("detail":{{"executionArn":"{1}","stateMachineArn":"{2}:stateMachine:{3}","name":"{4}","status":"{5}",)"
      R"("startDate":{6},"stopDate":{7}}}}})",
      id, ExecutionArnOf(machine, name), kTestAccountPrefix, machine, name, status, start_millis, stop);
}

}  // namespace exidx::testing
