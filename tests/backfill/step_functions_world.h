// Test helpers over moto_server's Step Functions: clients with fast retries,
// state machines and executions made through the API, and a store's records
// in a form to compare.
#pragma once

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/sfn_regions.h"
#include "indexer/tag_source.h"
#include "store/execution_store.h"

namespace exidx::testing {

namespace json = boost::json;

inline constexpr const char* kDefinition = R"({"StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}})";
inline const Tags kAgentTags = {{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}};

inline aws::StepFunctionsRegionsOptions FastRetries() {
  return {.client = {.max_attempts = 12,
                     .retry_base = std::chrono::milliseconds(1),
                     .retry_cap = std::chrono::milliseconds(20)}};
}

inline std::shared_ptr<aws::StepFunctionsRegions> RegionsOver(
    std::shared_ptr<aws::AwsContext> context, aws::StepFunctionsRegionsOptions options = FastRetries()) {
  auto regions = aws::StepFunctionsRegions::Create(std::move(context), options);
  EXPECT_TRUE(regions) << regions.error().message;
  return regions ? *regions : nullptr;
}

// Creates state machines and executions in moto.
class StepFunctionsWorld {
 public:
  explicit StepFunctionsWorld(aws::StepFunctionsClient& client) : client_(client) {}

  std::string StateMachine(const std::string& name, const Tags& tags, const std::string& type = "STANDARD") {
    json::array tag_list;
    for (const auto& [key, value] : tags) tag_list.push_back(json::object{{"key", key}, {"value", value}});
    const json::object request{{"name", name},
                               {"definition", kDefinition},
                               {"roleArn", "arn:aws:iam::123456789012:role/exidx-test"},
                               {"type", type},
                               {"tags", tag_list}};
    return Field(Call("CreateStateMachine", request), "stateMachineArn");
  }

  // Starts `count` executions; every `stop_every`-th one (from the first) is stopped (ABORTED).
  std::vector<std::string> Executions(const std::string& state_machine, int count, int stop_every = 0) {
    std::vector<std::string> arns;
    for (int i = 0; i < count; ++i) {
      const json::object start{{"stateMachineArn", state_machine}, {"name", "run-" + std::to_string(i)}};
      arns.push_back(Field(Call("StartExecution", start), "executionArn"));
      if (stop_every > 0 && i % stop_every == 0) Call("StopExecution", json::object{{"executionArn", arns.back()}});
    }
    return arns;
  }

  // Every execution Step Functions lists for the state machine, newest first.
  std::vector<aws::ExecutionSummary> Listing(const std::string& state_machine) {
    std::vector<aws::ExecutionSummary> all;
    std::optional<std::string> token;
    do {
      auto page = client_.ListExecutions(state_machine, std::nullopt, token);
      EXPECT_TRUE(page) << page.error().message;
      if (!page) return all;
      all.insert(all.end(), page->items.begin(), page->items.end());
      token = page->next_token;
    } while (token);
    return all;
  }

 private:
  std::string Call(const std::string& operation, const json::object& request) {
    auto body = client_.json_client().Call(operation, json::serialize(request));
    EXPECT_TRUE(body) << body.error().message;
    return body ? *body : "{}";
  }
  static std::string Field(const std::string& body, const char* key) {
    const json::value value = json::parse(body);
    return value.is_object() && value.as_object().contains(key) ? std::string(value.at(key).as_string()) : "";
  }

  aws::StepFunctionsClient& client_;
};

// Every record, oldest first, indexedAt cleared (when it changed may differ; what it says may not).
inline std::vector<ExecutionRecord> AllRecords(ExecutionStore& store) {
  auto all = store.Scan(ScanRequest{.order = SortOrder::kAsc, .limit = 1'000'000});
  EXPECT_TRUE(all) << all.error().message;
  if (!all) return {};
  for (auto& record : *all) record.indexed_at = 0;
  return *all;
}

}  // namespace exidx::testing
