// Router: maps (method, path) to a handler and says who may call it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_message.h"

namespace exidx::server {

// Who may call a route (CONTRACT.md section 8).
enum class Access {
  kPublic,  // No key: /healthz, /readyz.
  kRead,    // A read key, when read keys are configured.
  kIngest,  // An ingest key, when ingest keys are configured.
};

// Thread-safe, may block: handlers run on the server's worker threads.
using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct Route {
  std::string method;
  std::string path;  // Exact match, e.g. "/v1/executions".
  std::string name;  // Names the route in metrics and logs, e.g. "list_executions".
  Access access = Access::kRead;
  Handler handler;
};

// Built once, then read by many threads at once.
class Router {
 public:
  // REQUIRES: no route with the same method and path was added.
  void Add(Route route);

  struct Match {
    const Route* route = nullptr;  // Null when nothing matched.
    int status = 200;              // 404 (no such path) or 405 (path, other methods) when null.
    std::string allow;             // For 405: the path's methods, e.g. "GET, POST".
  };

  // The route for a request. Paths match exactly (a trailing '/' is another path).
  Match Find(std::string_view method, std::string_view path) const;

  // Every route, ordered by path, then method: the table that docs/openapi.yaml
  // must describe (tests/openapi checks it). Valid while the router lives.
  std::vector<const Route*> Routes() const;

 private:
  // path -> method -> route
  std::map<std::string, std::map<std::string, Route, std::less<>>, std::less<>> routes_;
};

}  // namespace exidx::server
