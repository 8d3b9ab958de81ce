#include "lambda/runtime_client.h"

#include <boost/json.hpp>

#include "core/json_writer.h"

#include <charconv>
#include <chrono>

namespace exidx::lambda {
namespace {

namespace json = boost::json;

// "No timeout" for the long poll: a year. Lambda freezes the process between
// invocations while the monotonic clock keeps running, so any real timeout
// would fire on the first thaw after a quiet spell.
constexpr std::chrono::milliseconds kNoTimeout = std::chrono::hours(24 * 365);
// Posting a response is a loopback round trip to the Lambda service agent.
constexpr std::chrono::milliseconds kPostTimeout = std::chrono::seconds(30);

std::string Header(const aws::HttpHeaders& headers, std::string_view name) {
  auto value = aws::HeaderValue(headers, name);
  return value ? std::string(*value) : std::string();
}

}  // namespace

RuntimeClient::RuntimeClient(aws::HttpClient& http, std::string api)
    : http_(http), base_url_("http://" + std::move(api) + "/2018-06-01/runtime") {}

Result<Invocation> RuntimeClient::Next() {
  aws::HttpRequest request{.method = "GET", .url = base_url_ + "/invocation/next", .timeout = kNoTimeout};
  auto response = http_.Send(request);
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) {
    return Fail(ErrorCode::kUnavailable,
                "lambda runtime API: invocation/next answered " + std::to_string(response->status));
  }
  Invocation invocation;
  invocation.request_id = Header(response->headers, "Lambda-Runtime-Aws-Request-Id");
  // It goes into URL paths: only the characters of a UUID and a few more.
  const bool safe = !invocation.request_id.empty() &&
                    invocation.request_id.find_first_not_of(
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == std::string::npos;
  if (!safe) {
    return Fail(ErrorCode::kInternal,
                "lambda runtime API: invocation/next with a missing or malformed "
                "Lambda-Runtime-Aws-Request-Id " +
                    Quoted(invocation.request_id));
  }
  const std::string deadline = Header(response->headers, "Lambda-Runtime-Deadline-Ms");
  if (!deadline.empty()) {
    auto [end, ec] = std::from_chars(deadline.data(), deadline.data() + deadline.size(), invocation.deadline);
    if (ec != std::errc() || end != deadline.data() + deadline.size()) invocation.deadline = 0;
  }
  invocation.trace_id = Header(response->headers, "Lambda-Runtime-Trace-Id");
  invocation.function_arn = Header(response->headers, "Lambda-Runtime-Invoked-Function-Arn");
  invocation.payload = std::move(response->body);
  return invocation;
}

Status RuntimeClient::Post(const std::string& path, std::string body, const Error* error) {
  aws::HttpRequest request{.method = "POST", .url = base_url_ + path, .timeout = kPostTimeout};
  request.headers.emplace_back("Content-Type", "application/json");
  if (error != nullptr) {
    request.headers.emplace_back("Lambda-Runtime-Function-Error-Type", std::string(ErrorCodeName(error->code)));
  }
  request.body = std::move(body);
  auto response = http_.Send(request);
  if (!response) return std::unexpected(response.error());
  if (response->status / 100 != 2) {
    return Fail(ErrorCode::kUnavailable, "lambda runtime API: POST " + path + " answered " +
                                             std::to_string(response->status) + ": " + Quoted(response->body));
  }
  return {};
}

Status RuntimeClient::Respond(const std::string& request_id, std::string_view body) {
  return Post("/invocation/" + request_id + "/response", std::string(body), nullptr);
}

Status RuntimeClient::ReportError(const std::string& request_id, const Error& error) {
  return Post("/invocation/" + request_id + "/error", RenderLambdaError(error), &error);
}

Status RuntimeClient::ReportInitError(const Error& error) {
  return Post("/init/error", RenderLambdaError(error), &error);
}

std::string RenderLambdaError(const Error& error) {
  // JsonWriter keeps the text valid UTF-8 whatever the message quotes.
  JsonWriter w;
  w.BeginObject();
  w.Key("errorMessage");
  w.String(error.message);
  w.Key("errorType");
  w.String(ErrorCodeName(error.code));
  w.Key("stackTrace");
  w.BeginArray();
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace exidx::lambda
