#include "server/http_message.h"

#include <algorithm>

#include "core/json_render.h"

namespace exidx::server {
namespace {

char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return Lower(x) < Lower(y); });
}

std::optional<std::string_view> HttpRequest::Header(std::string_view name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

int HttpStatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidParameter:
    case ErrorCode::kInvalidEvent:
    case ErrorCode::kInvalidToken: return 400;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

HttpResponse JsonResponse(std::string body, int status) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse HealthyResponse() {
  return JsonResponse(R"({"status":"ok"})");
}

HttpResponse ErrorResponse(const Error& error) {
  HttpResponse response = JsonResponse(RenderErrorBody(error), HttpStatusOf(error.code));
  // EventBridge and well-behaved clients back off and retry a 503.
  if (error.code == ErrorCode::kUnavailable) response.headers.emplace_back("Retry-After", "1");
  if (error.code == ErrorCode::kUnauthorized) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

HttpResponse ProtocolErrorResponse(int status, std::string_view code, std::string_view message) {
  return JsonResponse(RenderErrorBody(code, message), status);
}

}  // namespace exidx::server
