#include "aws/sqs_client.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <charconv>

namespace exidx::aws {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxBatch = 10;  // SQS's limit for ReceiveMessage and DeleteMessageBatch.

Result<json::object> ParseAnswer(const std::string& body, std::string_view operation) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) {
    return Fail(ErrorCode::kInternal, fmt::format("sqs {}: the answer is not a JSON object", operation));
  }
  return std::move(value.get_object());
}

std::string StringOf(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

MessageAttributes AttributesOf(const json::object& message) {
  MessageAttributes attributes;
  const json::value* all = message.if_contains("MessageAttributes");
  if (!all || !all->is_object()) return attributes;
  for (const auto& [name, attribute] : all->get_object()) {
    if (!attribute.is_object()) continue;
    if (const json::value* text = attribute.get_object().if_contains("StringValue"); text && text->is_string()) {
      attributes.emplace(std::string(name), std::string(text->get_string()));
    }
  }
  return attributes;
}

int ReceiveCountOf(const json::object& message) {
  const json::value* system = message.if_contains("Attributes");
  if (!system || !system->is_object()) return 0;
  const std::string text = StringOf(system->get_object(), "ApproximateReceiveCount");
  int count = 0;
  std::from_chars(text.data(), text.data() + text.size(), count);
  return count;
}

}  // namespace

std::string RegionOfQueueUrl(std::string_view queue_url) {
  const std::size_t scheme = queue_url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view host = queue_url.substr(scheme + 3);
  host = host.substr(0, host.find_first_of("/:"));
  if (!host.starts_with("sqs.")) return "";
  host.remove_prefix(4);
  for (std::string_view domain : {".amazonaws.com", ".amazonaws.com.cn"}) {
    if (host.ends_with(domain) && host.size() > domain.size()) {
      return std::string(host.substr(0, host.size() - domain.size()));
    }
  }
  return "";
}

Result<std::unique_ptr<SqsClient>> SqsClient::ForQueue(std::shared_ptr<AwsContext> context, std::string queue_url,
                                                       JsonClientOptions options) {
  if (!queue_url.starts_with("https://") && !queue_url.starts_with("http://")) {
    return Fail(ErrorCode::kInvalidParameter, "queue URL " + Quoted(queue_url) + " is not an http(s) URL");
  }
  std::string region = RegionOfQueueUrl(queue_url);
  if (region.empty()) {
    auto configured = ResolveRegion(context->env());
    if (!configured) return std::unexpected(configured.error());
    region = std::move(*configured);
  }
  auto endpoint = ResolveEndpoint(context->env(), AwsService::kSqs, region);
  if (!endpoint) return std::unexpected(endpoint.error());
  auto client = std::make_unique<JsonClient>(std::move(context), AwsService::kSqs, "AmazonSQS", std::move(region),
                                             std::move(*endpoint), options);
  return std::make_unique<SqsClient>(std::move(client), std::move(queue_url));
}

Result<std::vector<QueueMessage>> SqsClient::Receive(const ReceiveOptions& options, const Deadline& deadline) {
  if (options.max_messages < 1 || options.max_messages > static_cast<int>(kMaxBatch) || options.wait_seconds < 0 ||
      options.wait_seconds > 20 || options.visibility_timeout < 0 || options.visibility_timeout > 43200) {
    return Fail(ErrorCode::kInvalidParameter,
                "sqs ReceiveMessage: max messages 1..10, wait 0..20 s, visibility timeout 0..43200 s");
  }
  const json::object request{{"QueueUrl", queue_url_},
                             {"MaxNumberOfMessages", options.max_messages},
                             {"WaitTimeSeconds", options.wait_seconds},
                             {"VisibilityTimeout", options.visibility_timeout},
                             {"MessageAttributeNames", json::array{"All"}},
                             {"AttributeNames", json::array{"ApproximateReceiveCount"}},
                             {"MessageSystemAttributeNames", json::array{"ApproximateReceiveCount"}}};
  auto body = client_->Call("ReceiveMessage", json::serialize(request), deadline);
  if (!body) return std::unexpected(body.error());
  auto answer = ParseAnswer(*body, "ReceiveMessage");
  if (!answer) return std::unexpected(answer.error());
  std::vector<QueueMessage> messages;
  const json::value* list = answer->if_contains("Messages");
  if (!list) return messages;
  if (!list->is_array()) return Fail(ErrorCode::kInternal, "sqs ReceiveMessage: Messages is not an array");
  for (const json::value& item : list->get_array()) {
    if (!item.is_object()) return Fail(ErrorCode::kInternal, "sqs ReceiveMessage: a message is not an object");
    const json::object& message = item.get_object();
    QueueMessage received{.message_id = StringOf(message, "MessageId"),
                          .receipt_handle = StringOf(message, "ReceiptHandle"),
                          .body = StringOf(message, "Body"),
                          .attributes = AttributesOf(message),
                          .approximate_receive_count = ReceiveCountOf(message)};
    if (received.receipt_handle.empty()) {
      return Fail(ErrorCode::kInternal,
                  "sqs ReceiveMessage: message " + Quoted(received.message_id) + " has no ReceiptHandle");
    }
    messages.push_back(std::move(received));
  }
  return messages;
}

Status SqsClient::DeleteBatch(const std::vector<std::string>& receipt_handles, const Deadline& deadline) {
  if (receipt_handles.empty() || receipt_handles.size() > kMaxBatch) {
    return Fail(ErrorCode::kInvalidParameter, "sqs DeleteMessageBatch: 1 to 10 entries");
  }
  json::array entries;
  for (std::size_t i = 0; i < receipt_handles.size(); ++i) {
    entries.push_back(json::object{{"Id", std::to_string(i)}, {"ReceiptHandle", receipt_handles[i]}});
  }
  auto body =
      client_->Call("DeleteMessageBatch",
                    json::serialize(json::object{{"QueueUrl", queue_url_}, {"Entries", std::move(entries)}}), deadline);
  if (!body) return std::unexpected(body.error());
  auto answer = ParseAnswer(*body, "DeleteMessageBatch");
  if (!answer) return std::unexpected(answer.error());
  const json::value* failed = answer->if_contains("Failed");
  if (!failed || !failed->is_array() || failed->get_array().empty()) {
    const json::value* successful = answer->if_contains("Successful");
    if (successful && successful->is_array() && successful->get_array().size() == receipt_handles.size()) return {};
    return Fail(ErrorCode::kUnavailable,
                fmt::format("sqs DeleteMessageBatch: {} entries sent, not all confirmed", receipt_handles.size()));
  }
  bool sender_fault = false;
  std::string reasons;
  for (const json::value& entry : failed->get_array()) {
    if (!entry.is_object()) continue;
    const json::object& object = entry.get_object();
    const json::value* fault = object.if_contains("SenderFault");
    sender_fault = sender_fault || (fault && fault->is_bool() && fault->get_bool());
    reasons += fmt::format("{}entry {}: {} {}", reasons.empty() ? "" : "; ", StringOf(object, "Id"),
                           StringOf(object, "Code"), StringOf(object, "Message"));
  }
  return Fail(sender_fault ? ErrorCode::kInternal : ErrorCode::kUnavailable,
              fmt::format("sqs DeleteMessageBatch: {} of {} entries not deleted: {}", failed->get_array().size(),
                          receipt_handles.size(), reasons));
}

Result<std::string> SqsClient::Send(std::string_view body, const MessageAttributes& attributes,
                                    const Deadline& deadline) {
  json::object request{{"QueueUrl", queue_url_}, {"MessageBody", body}};
  if (!attributes.empty()) {
    json::object encoded;
    for (const auto& [name, value] : attributes) {
      encoded[name] = json::object{{"DataType", "String"}, {"StringValue", value}};
    }
    request["MessageAttributes"] = std::move(encoded);
  }
  auto answer_body = client_->Call("SendMessage", json::serialize(request), deadline);
  if (!answer_body) return std::unexpected(answer_body.error());
  auto answer = ParseAnswer(*answer_body, "SendMessage");
  if (!answer) return std::unexpected(answer.error());
  std::string id = StringOf(*answer, "MessageId");
  if (id.empty()) return Fail(ErrorCode::kInternal, "sqs SendMessage: the answer has no MessageId");
  return id;
}

}  // namespace exidx::aws
