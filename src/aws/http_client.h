// HttpClient: the one way the AWS module talks HTTP, so that signing, the
// credentials chain and the service clients can be tested against fakes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace exidx::aws {

// Header fields in the order they are sent or were received. A name may occur
// more than once; names compare case-insensitively (HeaderValue below).
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  // Absolute: scheme://host[:port]/path[?query], path and query already
  // percent-encoded as they go on the wire.
  std::string url;
  // Sent as given, in order. The client adds only Host (when absent),
  // Content-Length and "Accept: */*"; it adds no Content-Type of its own and
  // never sends "Expect: 100-continue". So what SigV4 signed is what is sent.
  HttpHeaders headers;
  std::string body;
  // For the whole exchange: connecting, sending and receiving.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // True: connect directly even when the environment names a proxy. For
  // link-local metadata endpoints (container credentials, IMDS), which a proxy
  // would answer with its own host's identity or not at all.
  bool bypass_proxy = false;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // Of the final response, in the order received.
  std::string body;
};

// The value of the first header named `name` (case-insensitive), or nullopt.
std::optional<std::string_view> HeaderValue(const HttpHeaders& headers, std::string_view name);

// True when a and b are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

class HttpClient {
 public:
  virtual ~HttpClient() = default;

  // Sends `request` and returns the response, whatever its status: a 4xx or
  // 5xx is a response, not an error. Returns kUnavailable when no response
  // arrived (connection refused or reset, DNS or TLS failure, timeout) and
  // kInternal for a request that cannot be sent (malformed URL). Redirects are
  // not followed. Error messages name the method and the URL without its
  // query. Thread-safe.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace exidx::aws
