#include "aws/sfn_client.h"

#include <boost/json.hpp>
#include <fmt/format.h>

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

// Names a field of one execution in an answer that cannot be used.
std::unexpected<Error> BadField(std::string_view operation, const json::object& execution, std::string_view key,
                                std::string_view problem) {
  return Fail(ErrorCode::kInternal, fmt::format("states {}: {} of execution {}: {}", operation, key,
                                                Quoted(StringField(execution, "executionArn")), problem));
}

// JSON 1.0 timestamps are epoch seconds, fractional. A time outside the
// range a record may hold (years 0000..9999, core/time.h) has no text form,
// and the largest overflow when turned into milliseconds: an answer with one
// is an error, never a value. nullopt when the field is absent or null.
Result<std::optional<EpochMillis>> TimestampField(std::string_view operation, const json::object& object,
                                                  std::string_view key) {
  const auto* value = object.if_contains(key);
  if (!value || value->is_null()) return std::nullopt;
  std::optional<EpochMillis> millis;
  if (value->is_double()) {
    // kMinEpochMillis and kMaxEpochMillis are exact in a double (< 2^53); NaN compares false.
    const double rounded = std::round(value->get_double() * 1000.0);
    if (rounded >= static_cast<double>(kMinEpochMillis) && rounded <= static_cast<double>(kMaxEpochMillis)) {
      millis = static_cast<EpochMillis>(rounded);
    }
  } else if (value->is_int64()) {
    const std::int64_t seconds = value->get_int64();
    if (seconds >= kMinEpochMillis / 1000 && seconds <= kMaxEpochMillis / 1000) millis = seconds * 1000;
  } else if (value->is_uint64()) {
    // Only integers above 2^63-1 are uint64 in Boost.JSON: out of range.
  } else {
    return BadField(operation, object, key, "expected epoch seconds, got " + Quoted(json::serialize(*value)));
  }
  if (!millis) {
    return BadField(operation, object, key, "out of range (years 0000 to 9999): " + Quoted(json::serialize(*value)));
  }
  return millis;
}

// redriveCount: a count, so an integer from 0 to 2^63-1; nullopt when absent or null.
Result<std::optional<std::int64_t>> CountField(std::string_view operation, const json::object& object,
                                               std::string_view key) {
  const auto* value = object.if_contains(key);
  if (!value || value->is_null()) return std::nullopt;
  if (value->is_int64() && value->get_int64() >= 0) return value->get_int64();
  return BadField(operation, object, key, "expected a count, got " + Quoted(json::serialize(*value)));
}

Result<ExecutionSummary> ParseExecution(std::string_view operation, const json::object& object) {
  auto start_date = TimestampField(operation, object, "startDate");
  if (!start_date) return std::unexpected(start_date.error());
  if (!*start_date) return BadField(operation, object, "startDate", "missing");
  auto stop_date = TimestampField(operation, object, "stopDate");
  if (!stop_date) return std::unexpected(stop_date.error());
  auto redrive_count = CountField(operation, object, "redriveCount");
  if (!redrive_count) return std::unexpected(redrive_count.error());
  return ExecutionSummary{
      .execution_arn = StringField(object, "executionArn"),
      .state_machine_arn = StringField(object, "stateMachineArn"),
      .name = StringField(object, "name"),
      .status = StringField(object, "status"),
      .start_date = **start_date,
      .stop_date = *stop_date,
      .redrive_count = *redrive_count,
  };
}

std::optional<std::string> NextToken(const json::object& object) {
  return OptionalString(object, "nextToken");
}

}  // namespace

Result<std::unique_ptr<StepFunctionsClient>> StepFunctionsClient::Create(std::shared_ptr<AwsContext> context,
                                                                         JsonClientOptions options) {
  auto client = JsonClient::Create(std::move(context), AwsService::kStepFunctions, "AWSStepFunctions", options);
  if (!client) return std::unexpected(client.error());
  return std::make_unique<StepFunctionsClient>(std::move(*client));
}

Result<ResourceTags> StepFunctionsClient::ListTagsForResource(const std::string& resource_arn, const Deadline& deadline,
                                                              ServiceError* service_error) {
  auto body = client_->Call("ListTagsForResource", json::serialize(json::object{{"resourceArn", resource_arn}}),
                            deadline, service_error);
  if (!body) return std::unexpected(body.error());
  auto object = ParseObject(*body, "ListTagsForResource");
  if (!object) return std::unexpected(object.error());
  ResourceTags tags;
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

Result<ListPage<ExecutionSummary>> StepFunctionsClient::ListExecutions(const std::string& state_machine_arn,
                                                                       const std::optional<std::string>& status_filter,
                                                                       const std::optional<std::string>& next_token,
                                                                       int max_results, ServiceError* service_error) {
  json::object request{{"stateMachineArn", state_machine_arn}, {"maxResults", max_results}};
  if (status_filter) request["statusFilter"] = *status_filter;
  if (next_token) request["nextToken"] = *next_token;
  auto body = client_->Call("ListExecutions", json::serialize(request), service_error);
  if (!body) return std::unexpected(body.error());
  auto object = ParseObject(*body, "ListExecutions");
  if (!object) return std::unexpected(object.error());
  ListPage<ExecutionSummary> page;
  if (const auto* list = object->if_contains("executions"); list && list->is_array()) {
    for (const auto& item : list->get_array()) {
      if (!item.is_object()) continue;
      auto execution = ParseExecution("ListExecutions", item.get_object());
      if (!execution) return std::unexpected(execution.error());
      page.items.push_back(std::move(*execution));
    }
  }
  page.next_token = NextToken(*object);
  return page;
}

Result<ExecutionDescription> StepFunctionsClient::DescribeExecution(const std::string& execution_arn,
                                                                    ServiceError* service_error) {
  auto body =
      client_->Call("DescribeExecution", json::serialize(json::object{{"executionArn", execution_arn}}), service_error);
  if (!body) return std::unexpected(body.error());
  auto object = ParseObject(*body, "DescribeExecution");
  if (!object) return std::unexpected(object.error());
  auto summary = ParseExecution("DescribeExecution", *object);
  if (!summary) return std::unexpected(summary.error());
  return ExecutionDescription{.summary = std::move(*summary),
                              .error = OptionalString(*object, "error"),
                              .cause = OptionalString(*object, "cause")};
}

Result<std::vector<StateMachineSummary>> ListAllStateMachines(StepFunctionsClient& client) {
  std::vector<StateMachineSummary> machines;
  std::optional<std::string> token;
  do {
    auto page = client.ListStateMachines(token);
    if (!page) return std::unexpected(page.error());
    machines.insert(machines.end(), page->items.begin(), page->items.end());
    token = page->next_token;
  } while (token);
  return machines;
}

}  // namespace exidx::aws
