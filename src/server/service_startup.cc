#include "server/service_startup.h"

#include <chrono>
#include <utility>

namespace exidx::server {

ServiceStartup::ServiceStartup(ServerMetrics& metrics, std::string waiting_for)
    : metrics_(metrics), waiting_for_(std::move(waiting_for)) {}

void ServiceStartup::SetWaitingFor(std::string waiting_for) {
  std::lock_guard lock(mu_);
  waiting_for_ = std::move(waiting_for);
}

void ServiceStartup::Open(ExecutionService& service) {
  service_.store(&service, std::memory_order_release);
}

HttpResponse ServiceStartup::Handle(const HttpRequest& request) {
  if (ExecutionService* service = service_.load(std::memory_order_acquire); service != nullptr) {
    return service->Handle(request);
  }
  const auto started = std::chrono::steady_clock::now();
  HttpResponse response;
  std::string_view route = "starting";
  if (request.method == "GET" && request.path == "/healthz") {
    route = "healthz";
    response = HealthyResponse();
  } else {
    if (request.path == "/readyz") route = "readyz";
    std::lock_guard lock(mu_);
    response = ErrorResponse({ErrorCode::kUnavailable, "the server is not ready: " + waiting_for_});
  }
  metrics_.RecordRequest(route, response.status,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return response;
}

}  // namespace exidx::server
