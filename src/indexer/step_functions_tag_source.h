// StepFunctionsTagSource: the TagSource behind "neither --tags-file nor
// --index-all" (CONTRACT.md section 3), over the Step Functions client.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "aws/sfn_regions.h"
#include "core/deadline.h"
#include "core/error.h"
#include "indexer/tag_source.h"

namespace exidx {

// Tags from ListTagsForResource. A state machine that does not exist
// (ResourceNotFound, StateMachineDoesNotExist, InvalidArn) has no tags; any
// other failure (throttled, network, denied) is kUnavailable, so the event
// that needed the tags fails and is retried rather than indexed by guess.
// The lookup goes to the state machine's region, and, retries included, ends
// by the deadline it is given. Caching is the AgentResolver's. Thread-safe.
class StepFunctionsTagSource final : public TagSource {
 public:
  explicit StepFunctionsTagSource(std::shared_ptr<aws::StepFunctionsRegions> regions) : regions_(std::move(regions)) {}
  Result<Tags> TagsOf(const std::string& state_machine_arn, const Deadline& deadline) override;
  TagSourceStats Stats() const override { return TagSourceStats{.throttled = throttled_.load()}; }

 private:
  const std::shared_ptr<aws::StepFunctionsRegions> regions_;
  std::atomic<std::uint64_t> throttled_{0};
};

}  // namespace exidx
