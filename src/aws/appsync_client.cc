#include "aws/appsync_client.h"

#include <boost/json.hpp>

#include "aws/service_endpoint.h"

namespace exidx::aws {
namespace {

namespace json = boost::json;

// Messages quote at most this much of what the service said.
constexpr std::size_t kMaxQuoted = 300;

std::string Shortened(std::string_view text) {
  return std::string(text.substr(0, kMaxQuoted));
}

// The first entry of a non-empty "errors" array, as "<errorType>: <message>",
// and whether its errorType means throttling. AppSync names types such as
// "UnauthorizedException" or, from a resolver, "DynamoDB:ConditionalCheckFailedException".
struct GraphQlError {
  std::string text;
  bool throttling = false;
};

std::optional<GraphQlError> FirstError(const json::object& body) {
  const json::value* errors = body.if_contains("errors");
  if (errors == nullptr || !errors->is_array() || errors->get_array().empty()) return std::nullopt;
  GraphQlError out;
  const json::value& first = errors->get_array().front();
  std::string type, message;
  if (first.is_object()) {
    if (const auto* t = first.get_object().if_contains("errorType"); t && t->is_string()) type = t->get_string();
    if (const auto* m = first.get_object().if_contains("message"); m && m->is_string()) message = m->get_string();
  } else {
    message = json::serialize(first);
  }
  std::string_view last_part = type;
  if (const auto colon = last_part.rfind(':'); colon != std::string_view::npos) last_part.remove_prefix(colon + 1);
  out.throttling = IsThrottlingError(last_part);
  out.text = (type.empty() ? std::string("GraphQL error") : type) + (message.empty() ? "" : ": " + Shortened(message));
  const std::size_t count = errors->get_array().size();
  if (count > 1) out.text += " (and " + std::to_string(count - 1) + " more)";
  return out;
}

// The host of an absolute http(s) URL, empty when it has none.
std::string_view HostOf(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return {};
  }
  return rest.substr(0, rest.find_first_of("/?#"));
}

}  // namespace

AnswerVerdict ClassifyGraphQlAnswer(const HttpResponse& response) {
  using Kind = AnswerVerdict::Kind;
  const std::string status = "HTTP " + std::to_string(response.status);
  boost::system::error_code ec;
  const json::value body = json::parse(response.body, ec);
  const json::object* object = !ec && body.is_object() ? &body.get_object() : nullptr;
  const std::optional<GraphQlError> error = object ? FirstError(*object) : std::nullopt;
  const bool success_status = response.status >= 200 && response.status < 300;
  if (success_status) {
    if (object == nullptr) {
      return {.kind = Kind::kFinal, .message = "the answer is not a JSON object (" + status + ")"};
    }
    if (!error) return {};
    return {.kind = error->throttling ? Kind::kRetryable : Kind::kFinal,
            .message = "GraphQL error " + error->text + " (" + status + ")"};
  }
  const bool retryable = response.status >= 500 || response.status == 429 || (error && error->throttling);
  std::string message = status;
  if (error) {
    message += ": " + error->text;
  } else if (!response.body.empty()) {
    message += ": " + Shortened(response.body);
  }
  return {.kind = retryable ? Kind::kRetryable : Kind::kFinal, .message = std::move(message)};
}

Result<std::unique_ptr<AppSyncClient>> AppSyncClient::Create(std::shared_ptr<AwsContext> context,
                                                             std::string endpoint_url, RetryPolicy policy) {
  if (HostOf(endpoint_url).empty()) {
    return Fail(ErrorCode::kInvalidParameter,
                "appsync: expected an http(s) URL such as https://<id>.appsync-api.<region>.amazonaws.com/graphql, "
                "got " +
                    Quoted(endpoint_url));
  }
  auto region = ResolveRegion(context->env());
  if (!region) return std::unexpected(region.error());
  return std::make_unique<AppSyncClient>(std::move(context), std::move(endpoint_url), std::move(*region), policy);
}

AppSyncClient::AppSyncClient(std::shared_ptr<AwsContext> context, std::string endpoint_url, std::string region,
                             RetryPolicy policy)
    : context_(std::move(context)),
      endpoint_url_(std::move(endpoint_url)),
      region_(std::move(region)),
      what_("appsync " + std::string(HostOf(endpoint_url_))),
      policy_(policy) {}

Result<std::string> AppSyncClient::Execute(std::string_view document, std::string_view variables_json,
                                           const Deadline& deadline) {
  boost::system::error_code ec;
  json::value variables = json::parse(variables_json, ec);
  if (ec || !variables.is_object()) {
    return Fail(ErrorCode::kInternal, "appsync: the variables are not a JSON object");
  }
  HttpRequest request;
  request.method = "POST";
  request.url = endpoint_url_;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = json::serialize(json::object{{"query", document}, {"variables", std::move(variables)}});
  auto response = SendWithRetries(*context_, SignedExchange{.what = what_, .region = region_, .service = "appsync"},
                                  std::move(request), policy_, deadline, ClassifyGraphQlAnswer);
  if (!response) return std::unexpected(response.error());
  // Accepted: a JSON object without errors.
  const json::value body = json::parse(response->body, ec);
  const json::value* data = body.get_object().if_contains("data");
  return data ? json::serialize(*data) : std::string("null");
}

}  // namespace exidx::aws
