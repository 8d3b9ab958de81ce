#include "aws/json_client.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>

#include "aws/curl_http_client.h"
#include "aws/signed_exchange.h"

namespace exidx::aws {
namespace {

std::string_view ServiceLabel(AwsService service) {
  return NamesOf(service).endpoint_prefix;
}

// Reads `__type` (e.g. "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException")
// and `message` (DynamoDB) or `Message` (some others) from an error body.
ServiceError ParseServiceError(const HttpResponse& response) {
  ServiceError error;
  error.http_status = response.status;
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(response.body, ec);
  if (!ec && body.is_object()) {
    const auto& object = body.get_object();
    if (const auto* type = object.if_contains("__type"); type && type->is_string()) {
      std::string_view text = type->get_string();
      if (const auto hash = text.rfind('#'); hash != std::string_view::npos) text.remove_prefix(hash + 1);
      error.type = std::string(text);
    }
    for (const char* key : {"message", "Message"}) {
      if (const auto* message = object.if_contains(key); message && message->is_string()) {
        error.message = std::string(message->get_string());
        break;
      }
    }
    if (const auto* reasons = object.if_contains("CancellationReasons"); reasons && reasons->is_array()) {
      for (const auto& reason : reasons->get_array()) {
        const auto* code = reason.is_object() ? reason.get_object().if_contains("Code") : nullptr;
        error.cancellation_reasons.emplace_back(code && code->is_string() ? code->get_string() : "None");
      }
    }
  }
  if (error.type.empty()) {
    // Some answers carry the type only in a header (x-amzn-ErrorType: Type:http://...).
    if (auto header = HeaderValue(response.headers, "x-amzn-ErrorType")) {
      std::string_view text = *header;
      text = text.substr(0, text.find(':'));
      error.type = std::string(text);
    }
  }
  if (error.message.size() > 300) error.message.resize(300);
  return error;
}

bool IsRetryable(const ServiceError& error) {
  return error.http_status >= 500 || error.http_status == 429 || IsThrottlingError(error.type);
}

}  // namespace

bool IsThrottlingError(std::string_view type) {
  // LimitExceededException: DynamoDB Streams' throttling (and DynamoDB's
  // for control-plane calls), retried as the AWS SDKs' standard mode does.
  static constexpr std::array<std::string_view, 11> kThrottling = {
      "ThrottlingException",
      "Throttling",
      "ThrottledException",
      "RequestThrottledException",
      "RequestThrottled",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "RequestLimitExceeded",
      "SlowDown",
      "TransactionInProgressException",
      "LimitExceededException",
  };
  return std::find(kThrottling.begin(), kThrottling.end(), type) != kThrottling.end();
}

std::shared_ptr<AwsContext> AwsContext::Default(const Environment& env) {
  static const SystemClock clock;
  // AWS_CA_BUNDLE is the variable the AWS SDKs and CLI read for the same purpose.
  auto http = std::make_unique<CurlHttpClient>(
      CurlHttpClientOptions{.ca_bundle = GetSetting(env, "AWS_CA_BUNDLE").value_or("")});
  auto credentials = std::make_unique<DefaultCredentialsChain>(env, *http, clock);
  return std::make_shared<AwsContext>(env, std::move(http), std::move(credentials), clock);
}

Result<std::unique_ptr<JsonClient>> JsonClient::Create(std::shared_ptr<AwsContext> context, AwsService service,
                                                       std::string target_prefix, JsonClientOptions options) {
  auto region = ResolveRegion(context->env());
  if (!region) return std::unexpected(region.error());
  auto endpoint = ResolveEndpoint(context->env(), service, *region);
  if (!endpoint) return std::unexpected(endpoint.error());
  return std::make_unique<JsonClient>(std::move(context), service, std::move(target_prefix), std::move(*region),
                                      std::move(*endpoint), options);
}

JsonClient::JsonClient(std::shared_ptr<AwsContext> context, AwsService service, std::string target_prefix,
                       std::string region, std::string endpoint, JsonClientOptions options)
    : context_(std::move(context)),
      service_(service),
      target_prefix_(std::move(target_prefix)),
      region_(std::move(region)),
      endpoint_(std::move(endpoint)),
      options_(options) {}

JsonClientStats JsonClient::Stats() const {
  return JsonClientStats{
      .calls = calls_.load(), .requests = requests_.load(), .retries = retries_.load(), .throttled = throttled_.load()};
}

Result<std::string> JsonClient::Call(std::string_view operation, std::string_view request_json,
                                     const Deadline& deadline, ServiceError* service_error) {
  ++calls_;
  const std::string what = std::string(ServiceLabel(service_)) + " " + std::string(operation);
  HttpRequest request;
  request.method = "POST";
  request.url = endpoint_ + "/";
  request.headers = {
      {"Content-Type", "application/x-amz-json-1.0"},
      {"X-Amz-Target", target_prefix_ + "." + std::string(operation)},
  };
  request.body = std::string(request_json);
  const RetryPolicy policy{.timeout = options_.timeout,
                           .max_attempts = options_.max_attempts,
                           .retry_base = options_.retry_base,
                           .retry_cap = options_.retry_cap};
  // Before each attempt: the previous attempt's error is no longer the answer.
  auto gate = [&](const Deadline& attempt_deadline) {
    if (service_error) *service_error = ServiceError{};
    return !options_.limiter || options_.limiter->Acquire(operation, attempt_deadline);
  };
  auto classify = [&](const HttpResponse& response) {
    if (response.status >= 200 && response.status < 300) return AnswerVerdict{};
    ServiceError error = ParseServiceError(response);
    if (IsThrottlingError(error.type)) ++throttled_;
    const bool retryable = IsRetryable(error);
    std::string message =
        (error.type.empty() ? "error" : error.type) + " (HTTP " + std::to_string(error.http_status) + ")";
    if (!error.message.empty()) message += ": " + error.message;
    if (service_error) *service_error = std::move(error);
    return AnswerVerdict{.kind = retryable ? AnswerVerdict::Kind::kRetryable : AnswerVerdict::Kind::kFinal,
                         .message = std::move(message)};
  };
  ExchangeTally tally;
  auto response = SendWithRetries(
      *context_, SignedExchange{.what = what, .region = region_, .service = NamesOf(service_).signing_name},
      std::move(request), policy, deadline, classify, gate, &tally);
  requests_ += tally.requests;
  retries_ += tally.retries;
  if (!response) return std::unexpected(response.error());
  return std::move(response->body);
}

}  // namespace exidx::aws
