#include "aws/sfn_client.h"

#include <boost/json.hpp>

#include <cmath>

namespace exidx::aws {
namespace {

namespace json = boost::json;

Result<json::object> ParseObject(const std::string& body, std::string_view operation) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) {
    return Fail(ErrorCode::kInternal, "states " + std::string(operation) + ": the answer is not a JSON object");
  }
  return std::move(value.get_object());
}

std::string StringField(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

std::optional<std::string> OptionalString(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (!value || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

// JSON 1.0 timestamps are epoch seconds, fractional.
std::optional<EpochMillis> TimestampField(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (!value) return std::nullopt;
  if (value->is_double()) return static_cast<EpochMillis>(std::llround(value->get_double() * 1000.0));
  if (value->is_int64()) return value->get_int64() * 1000;
  if (value->is_uint64()) return static_cast<EpochMillis>(value->get_uint64()) * 1000;
  return std::nullopt;
}

std::optional<std::int64_t> IntField(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (!value) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  return std::nullopt;
}

ExecutionSummary ParseExecution(const json::object& object) {
  return ExecutionSummary{
      .execution_arn = StringField(object, "executionArn"),
      .state_machine_arn = StringField(object, "stateMachineArn"),
      .name = StringField(object, "name"),
      .status = StringField(object, "status"),
      .start_date = TimestampField(object, "startDate").value_or(0),
      .stop_date = TimestampField(object, "stopDate"),
      .redrive_count = IntField(object, "redriveCount"),
  };
}

std::optional<std::string> NextToken(const json::object& object) { return OptionalString(object, "nextToken"); }

}  // namespace

Result<std::unique_ptr<StepFunctionsClient>> StepFunctionsClient::Create(std::shared_ptr<AwsContext> context,
                                                                         JsonClientOptions options) {
  auto client = JsonClient::Create(std::move(context), AwsService::kStepFunctions, "AWSStepFunctions", options);
  if (!client) return std::unexpected(client.error());
  return std::make_unique<StepFunctionsClient>(std::move(*client));
}

Result<Tags> StepFunctionsClient::ListTagsForResource(const std::string& resource_arn, const Deadline& deadline,
                                                      ServiceError* service_error) {
  auto body = client_->Call("ListTagsForResource", json::serialize(json::object{{"resourceArn", resource_arn}}),
                            deadline, service_error);
  if (!body) return std::unexpected(body.error());
  auto object = ParseObject(*body, "ListTagsForResource");
  if (!object) return std::unexpected(object.error());
  Tags tags;
  if (const auto* list = object->if_contains("tags"); list && list->is_array()) {
    for (const auto& tag : list->get_array()) {
      if (!tag.is_object()) continue;
      tags[StringField(tag.get_object(), "key")] = StringField(tag.get_object(), "value");
    }
  }
  return tags;
}

Result<ListPage<StateMachineSummary>> StepFunctionsClient::ListStateMachines(
    const std::optional<std::string>& next_token, int max_results) {
  json::object request{{"maxResults", max_results}};
  if (next_token) request["nextToken"] = *next_token;
  auto body = client_->Call("ListStateMachines", json::serialize(request));
  if (!body) return std::unexpected(body.error());
  auto object = ParseObject(*body, "ListStateMachines");
  if (!object) return std::unexpected(object.error());
  ListPage<StateMachineSummary> page;
  if (const auto* list = object->if_contains("stateMachines"); list && list->is_array()) {
    for (const auto& item : list->get_array()) {
      if (!item.is_object()) continue;
      const auto& machine = item.get_object();
      page.items.push_back(StateMachineSummary{.state_machine_arn = StringField(machine, "stateMachineArn"),
                                               .name = StringField(machine, "name"),
                                               .type = StringField(machine, "type")});
    }
  }
  page.next_token = NextToken(*object);
  return page;
}

Result<ListPage<ExecutionSummary>> StepFunctionsClient::ListExecutions(
    const std::string& state_machine_arn, const std::optional<std::string>& status_filter,
    const std::optional<std::string>& next_token, int max_results) {
  json::object request{{"stateMachineArn", state_machine_arn}, {"maxResults", max_results}};
  if (status_filter) request["statusFilter"] = *status_filter;
  if (next_token) request["nextToken"] = *next_token;
  auto body = client_->Call("ListExecutions", json::serialize(request));
  if (!body) return std::unexpected(body.error());
  auto object = ParseObject(*body, "ListExecutions");
  if (!object) return std::unexpected(object.error());
  ListPage<ExecutionSummary> page;
  if (const auto* list = object->if_contains("executions"); list && list->is_array()) {
    for (const auto& item : list->get_array()) {
      if (item.is_object()) page.items.push_back(ParseExecution(item.get_object()));
    }
  }
  page.next_token = NextToken(*object);
  return page;
}

Result<ExecutionDescription> StepFunctionsClient::DescribeExecution(const std::string& execution_arn,
                                                                    ServiceError* service_error) {
  auto body = client_->Call("DescribeExecution", json::serialize(json::object{{"executionArn", execution_arn}}),
                            service_error);
  if (!body) return std::unexpected(body.error());
  auto object = ParseObject(*body, "DescribeExecution");
  if (!object) return std::unexpected(object.error());
  return ExecutionDescription{.summary = ParseExecution(*object),
                              .error = OptionalString(*object, "error"),
                              .cause = OptionalString(*object, "cause")};
}

Result<Tags> StepFunctionsTagSource::TagsOf(const std::string& state_machine_arn, const Deadline& deadline) {
  ServiceError service_error;
  auto tags = client_->ListTagsForResource(state_machine_arn, deadline, &service_error);
  if (tags) return tags;
  const std::string& type = service_error.type;
  if (type == "ResourceNotFound" || type == "ResourceNotFoundException" || type == "StateMachineDoesNotExist" ||
      type == "InvalidArn") {
    return Tags{};
  }
  return Fail(ErrorCode::kUnavailable, "cannot read the tags of state machine " + Quoted(state_machine_arn) + ": " +
                                           tags.error().message);
}

}  // namespace exidx::aws
