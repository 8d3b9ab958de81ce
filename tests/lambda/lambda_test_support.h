// What the `exidx lambda` tests share: the binary, the sample events, and a
// way to run the runtime against a FakeRuntimeApi.
#pragma once

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "lambda/fake_runtime_api.h"
#include "lambda/lambda_process.h"
#include "support/process.h"

namespace exidx::lambda::testing {

inline const std::string kExidx = EXIDX_BINARY_DIR "/src/cli/exidx";
inline const std::string kSamplesPath = EXIDX_SOURCE_DIR "/../shared/samples/sfn-status-change-events.ndjson";

// The sample events, one per line: RUNNING and SUCCEEDED of sql-agent-prod,
// FAILED and a redriven RUNNING of research-agent-prod, a foreign detail-type.
inline std::vector<std::string> SampleEvents() {
  std::vector<std::string> events;
  const std::string text = exidx::testing::ReadFile(kSamplesPath);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) events.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return events;
}

// `event` with every occurrence of `from` replaced by `to` (another state
// machine, another execution).
inline std::string Replace(std::string event, const std::string& from, const std::string& to) {
  for (std::size_t at = 0; (at = event.find(from, at)) != std::string::npos; at += to.size()) {
    event.replace(at, from.size(), to);
  }
  return event;
}

inline constexpr std::string_view kSampleTags = R"({
  "arn:aws:states:us-west-2:123456789012:stateMachine:sql-agent-prod":
    {"Type": "Agent", "Application": "StepFunctionsAgent", "AgentName": "sql-agent"},
  "arn:aws:states:us-west-2:123456789012:stateMachine:research-agent-prod":
    {"Type": "Agent", "Application": "StepFunctionsAgent"}
})";

inline boost::json::object ParseObject(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  return !ec && v.is_object() ? v.get_object() : boost::json::object{};
}

}  // namespace exidx::lambda::testing
