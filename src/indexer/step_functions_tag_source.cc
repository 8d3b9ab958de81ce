#include "indexer/step_functions_tag_source.h"

namespace exidx {

Result<Tags> StepFunctionsTagSource::TagsOf(const std::string& state_machine_arn, const Deadline& deadline) {
  auto client = regions_->ForArn(state_machine_arn);
  if (!client) return std::unexpected(client.error());
  aws::ServiceError service_error;
  auto tags = (*client)->ListTagsForResource(state_machine_arn, deadline, &service_error);
  if (tags) return tags;
  const std::string& type = service_error.type;
  if (type == "ResourceNotFound" || type == "ResourceNotFoundException" || type == "StateMachineDoesNotExist" ||
      type == "InvalidArn") {
    return Tags{};
  }
  if (aws::IsThrottlingError(type)) ++throttled_;
  return Fail(ErrorCode::kUnavailable,
              "cannot read the tags of state machine " + Quoted(state_machine_arn) + ": " + tags.error().message);
}

}  // namespace exidx
