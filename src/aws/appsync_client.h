// AppSyncClient: GraphQL requests to an AWS AppSync API with IAM
// authorisation: POST <endpoint> with {"query": ..., "variables": ...},
// signed with SigV4 (service "appsync") for every attempt, retried like
// JsonClient's calls (SendWithRetries).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "aws/json_client.h"
#include "aws/signed_exchange.h"
#include "core/deadline.h"
#include "core/error.h"

namespace exidx::aws {

class AppSyncClient {
 public:
  // For the GraphQL endpoint `endpoint_url`
  // (https://<id>.appsync-api.<region>.amazonaws.com/graphql, or any http(s)
  // URL), signed for the region of the environment of `context`
  // (ResolveRegion). kInvalidParameter for a URL that is not http(s) with a
  // host; kInternal when no region is found.
  static Result<std::unique_ptr<AppSyncClient>> Create(std::shared_ptr<AwsContext> context, std::string endpoint_url,
                                                       RetryPolicy policy = {});

  // REQUIRES: endpoint_url is an absolute http(s) URL, path percent-encoded.
  AppSyncClient(std::shared_ptr<AwsContext> context, std::string endpoint_url, std::string region, RetryPolicy policy);

  // Sends the GraphQL `document` with `variables_json` (a JSON object's
  // text) and returns the text of the answer's "data" member ("null" when it
  // has none). Success is a 2xx answer whose body is a JSON object with no
  // non-empty "errors" array.
  //
  // Retried (then kUnavailable): network errors, 5xx, 429, and errors whose
  // errorType names throttling. Errors: kUnavailable as above or when the
  // deadline stopped the call (bounded as JsonClient::Call's); kInternal for
  // every other non-2xx answer (401/403: the signature or the role's
  // permissions; 400: a malformed request), for a 2xx body that is not a JSON
  // object, and for a GraphQL error answer; the message names the HTTP status
  // and the first error's errorType and message. Thread-safe.
  Result<std::string> Execute(std::string_view document, std::string_view variables_json, const Deadline& deadline);

  const std::string& endpoint_url() const { return endpoint_url_; }
  const std::string& region() const { return region_; }

 private:
  const std::shared_ptr<AwsContext> context_;
  const std::string endpoint_url_;
  const std::string region_;
  const std::string what_;  // "appsync <host>": how messages name the endpoint.
  const RetryPolicy policy_;
};

// What an AppSync answer means (the classification Execute uses), exposed for
// tests: kAccept for a 2xx JSON object without errors; otherwise the verdict
// and the message naming the error.
AnswerVerdict ClassifyGraphQlAnswer(const HttpResponse& response);

}  // namespace exidx::aws
