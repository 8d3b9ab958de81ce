// The HTTP request and response of exidx's own server interface: what route
// handlers see and return. Plain values, no Beast: handlers, the router and
// their tests know nothing of the transport (http_server.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace exidx::server {

// Orders header names case-insensitively, as HTTP compares them.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

using HeaderMap = std::multimap<std::string, std::string, CaseInsensitiveLess>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // The target before '?', as received (not decoded).
  std::string query;   // The target after '?', as received; "" when none.
  HeaderMap headers;
  std::string body;
  std::string request_id;  // Set by the server; echoed as x-request-id.

  // The first value of a header, or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// The body of a Server-Sent Events response: the server pulls text from it
// whenever the change hub says something may have changed (and on every
// heartbeat), and writes it to the client asynchronously.
class EventStream {
 public:
  virtual ~EventStream() = default;

  // Appends the SSE text of what happened since the previous call to `out`.
  // May block (it reads the store): the server calls it on a worker thread,
  // never twice at once for one stream. Returns true when more is available
  // right away (call again without waiting), false when caught up; an error
  // ends the stream.
  virtual Result<bool> Poll(std::string& out) = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // Extra headers.
  std::string body;
  // When set, the response is a text/event-stream fed by `stream`; `body` and
  // `content_type` are ignored.
  std::shared_ptr<EventStream> stream;
};

// The HTTP status of a contract error code (CONTRACT.md section 6).
int HttpStatusOf(ErrorCode code);

// 200 (or `status`) with a JSON body.
HttpResponse JsonResponse(std::string body, int status = 200);

// GET /healthz's answer: 200 {"status":"ok"}, the process is alive.
HttpResponse HealthyResponse();

// The error's status and RenderErrorBody; 503 answers carry Retry-After.
HttpResponse ErrorResponse(const Error& error);

// An error whose code is not one of the contract's (404 NotFound, 405 ...):
// the same body shape with a code of its own.
HttpResponse ProtocolErrorResponse(int status, std::string_view code, std::string_view message);

}  // namespace exidx::server
