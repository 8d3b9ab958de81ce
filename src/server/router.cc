#include "server/router.h"

#include <cstdlib>
#include <iostream>

namespace exidx::server {

void Router::Add(Route route) {
  auto& methods = routes_[route.path];
  if (methods.contains(route.method)) {
    std::cerr << "Router::Add: " << route.method << ' ' << route.path << " added twice\n";
    std::abort();  // A programming error: crash loudly rather than shadow a route.
  }
  std::string method = route.method;
  methods.emplace(std::move(method), std::move(route));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  auto by_path = routes_.find(path);
  if (by_path == routes_.end()) {
    match.status = 404;
    return match;
  }
  auto by_method = by_path->second.find(method);
  if (by_method != by_path->second.end()) {
    match.route = &by_method->second;
    return match;
  }
  match.status = 405;
  for (const auto& [name, route] : by_path->second) {
    if (!match.allow.empty()) match.allow += ", ";
    match.allow += name;
  }
  return match;
}

std::vector<const Route*> Router::Routes() const {
  std::vector<const Route*> routes;
  for (const auto& [path, methods] : routes_) {
    for (const auto& [method, route] : methods) routes.push_back(&route);
  }
  return routes;
}

}  // namespace exidx::server
