// RuntimeClient: the AWS Lambda Runtime API (2018-06-01) as a custom runtime
// (provided.al2023) speaks it: fetch the next invocation, post its response or
// its error, or report that initialisation failed.
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
#pragma once

#include <string>
#include <string_view>

#include "aws/http_client.h"
#include "core/error.h"
#include "core/time.h"

namespace exidx::lambda {

// One invocation as the Runtime API hands it out.
struct Invocation {
  std::string request_id;      // Lambda-Runtime-Aws-Request-Id; never empty.
  EpochMillis deadline = 0;    // Lambda-Runtime-Deadline-Ms (epoch ms); 0 when absent.
  std::string trace_id;        // Lambda-Runtime-Trace-Id; "" when absent.
  std::string function_arn;    // Lambda-Runtime-Invoked-Function-Arn.
  std::string payload;         // The event, as sent.
};

// Not thread-safe: the runtime loop is its only user. Connections are kept
// alive between calls by the HttpClient.
class RuntimeClient {
 public:
  // `api` is AWS_LAMBDA_RUNTIME_API ("host:port"). `http` must outlive this.
  RuntimeClient(aws::HttpClient& http, std::string api);

  // Blocks until Lambda has an invocation (a long poll without timeout: Lambda
  // freezes the process while it waits). kUnavailable when the Runtime API
  // cannot be reached or answers with an error status; kInternal when its
  // answer lacks a request id.
  Result<Invocation> Next();

  // Posts the handler's answer, a JSON text, for `request_id`. kUnavailable
  // when not accepted (Lambda answers 413 for a response over 6 MB).
  Status Respond(const std::string& request_id, std::string_view body);

  // Posts a failed invocation: errorType = the contract's code name
  // (InvalidParameter, InvalidEvent, Unavailable, ...), errorMessage = the
  // message; the same type in Lambda-Runtime-Function-Error-Type.
  Status ReportError(const std::string& request_id, const Error& error);

  // Reports that the function could not start; the caller must then exit.
  Status ReportInitError(const Error& error);

 private:
  Status Post(const std::string& path, std::string body, const Error* error);

  aws::HttpClient& http_;
  const std::string base_url_;  // http://<api>/2018-06-01/runtime
};

// {"errorMessage": "...", "errorType": "...", "stackTrace": []}
std::string RenderLambdaError(const Error& error);

}  // namespace exidx::lambda
