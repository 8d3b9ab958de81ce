// ExecutionChangePublisher: where the stream handler sends each changed
// record, and its AppSync implementation, the GraphQL mutation
// publishExecutionChange(input: ExecutionChangeInput!) that the
// onExecutionChange subscription of deploy/amplify/data/resource.ts follows.
#pragma once

#include <memory>
#include <string>

#include "aws/appsync_client.h"
#include "core/deadline.h"
#include "core/error.h"
#include "core/record.h"

namespace exidx::lambda {

class ExecutionChangePublisher {
 public:
  virtual ~ExecutionChangePublisher() = default;

  // Publishes `record` as it now is, within `deadline`. An error means the
  // change may not have reached subscribers (the caller retries or reports
  // it): kUnavailable when a retry later may succeed, kInternal otherwise.
  // Thread-safe.
  virtual Status Publish(const ExecutionRecord& record, const Deadline& deadline) = 0;
};

// The mutation's document. Its selection set is every field of the input:
// AppSync hands subscribers only the fields the mutation selected.
extern const std::string_view kPublishExecutionChangeMutation;

// The mutation's variables for `record`: {"input": {...}} with the record's
// attributes as CONTRACT.md section 4 names them (executionArn, agentName,
// stateMachineArn, executionName, status, startDate, stopDate,
// durationSeconds, indexedAt, error, cause, redriveCount), rendered as the API
// renders records (core/json_render.h): timestamps as text, durationSeconds
// as a number, optional attributes absent (redriveCount when 0). `ttl` is
// left out: when the store forgets a record is no news of its execution.
// REQUIRES: the record's times within [kMinEpochMillis, kMaxEpochMillis].
std::string ExecutionChangeVariables(const ExecutionRecord& record);

class AppSyncExecutionChangePublisher final : public ExecutionChangePublisher {
 public:
  explicit AppSyncExecutionChangePublisher(std::unique_ptr<aws::AppSyncClient> client) : client_(std::move(client)) {}
  // Errors as AppSyncClient::Execute's, the message naming the execution.
  Status Publish(const ExecutionRecord& record, const Deadline& deadline) override;

 private:
  const std::unique_ptr<aws::AppSyncClient> client_;
};

}  // namespace exidx::lambda
