// StepFunctionsClient: the few Step Functions operations exidx uses (tags for
// the agent rule; state machines and executions for backfill).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/json_client.h"
#include "core/deadline.h"
#include "core/error.h"
#include "core/status.h"
#include "core/time.h"

namespace exidx::aws {

// A resource's tags, key -> value.
using ResourceTags = std::map<std::string, std::string, std::less<>>;

struct StateMachineSummary {
  std::string state_machine_arn;
  std::string name;
  std::string type;  // "STANDARD" or "EXPRESS".
};

struct ExecutionSummary {
  std::string execution_arn;
  std::string state_machine_arn;
  std::string name;
  std::string status;  // As Step Functions names it.
  EpochMillis start_date = 0;
  std::optional<EpochMillis> stop_date;
  std::optional<std::int64_t> redrive_count;
};

struct ExecutionDescription {
  ExecutionSummary summary;
  std::optional<std::string> error;
  std::optional<std::string> cause;
};

// One page of a listing; next_token is present when more pages follow.
template <class T>
struct ListPage {
  std::vector<T> items;
  std::optional<std::string> next_token;
};

// Thread-safe. Errors as JsonClient::Call gives them; `service_error`, when
// given, receives the service's error answer.
class StepFunctionsClient {
 public:
  // For the region and endpoint (AWS_ENDPOINT_URL_SFN, ...) of `context`.
  static Result<std::unique_ptr<StepFunctionsClient>> Create(std::shared_ptr<AwsContext> context,
                                                             JsonClientOptions options = {});
  explicit StepFunctionsClient(std::unique_ptr<JsonClient> client) : client_(std::move(client)) {}

  // Within `deadline` (JsonClient::Call).
  Result<ResourceTags> ListTagsForResource(const std::string& resource_arn, const Deadline& deadline,
                                           ServiceError* service_error = nullptr);
  Result<ResourceTags> ListTagsForResource(const std::string& resource_arn, ServiceError* service_error = nullptr) {
    return ListTagsForResource(resource_arn, Deadline::Never(), service_error);
  }

  // One page of at most `max_results` (1..1000) items after `next_token`.
  Result<ListPage<StateMachineSummary>> ListStateMachines(const std::optional<std::string>& next_token,
                                                          int max_results = 1000);
  // `status_filter`: only executions of this status (e.g. "RUNNING").
  // A next_token older than 24 hours is refused (ServiceError InvalidToken).
  Result<ListPage<ExecutionSummary>> ListExecutions(const std::string& state_machine_arn,
                                                    const std::optional<std::string>& status_filter,
                                                    const std::optional<std::string>& next_token,
                                                    int max_results = 1000, ServiceError* service_error = nullptr);
  Result<ExecutionDescription> DescribeExecution(const std::string& execution_arn,
                                                 ServiceError* service_error = nullptr);

  JsonClient& json_client() { return *client_; }

 private:
  const std::unique_ptr<JsonClient> client_;
};

// Every state machine of the client's region, page by page.
Result<std::vector<StateMachineSummary>> ListAllStateMachines(StepFunctionsClient& client);

}  // namespace exidx::aws
