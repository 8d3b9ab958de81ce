// ServiceStartup: the request handler of `exidx serve` from the moment it
// listens, before its store has opened as well as after. Opening a store
// written by an older build converts it first, which takes about a minute
// per two million records; a supervisor that sees no listener meanwhile
// would restart the server in the middle of it.
//
// Until Open, GET /healthz answers 200 (the process is alive), and /readyz
// and every other route answer 503 Unavailable (Retry-After, the contract's
// error body) with a message saying what the server is waiting for
// (SetWaitingFor). From Open on, every request goes to the service.
//
// Thread-safe: Handle runs on many worker threads at once, SetWaitingFor
// and Open on any other.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "server/execution_service.h"
#include "server/http_message.h"
#include "server/metrics.h"

namespace exidx::server {

class ServiceStartup {
 public:
  // `metrics` must outlive it; `waiting_for` completes "the server is not
  // ready: ...", e.g. "the store is opening".
  ServiceStartup(ServerMetrics& metrics, std::string waiting_for);

  void SetWaitingFor(std::string waiting_for);

  // Hands every request from now on to `service`, which must outlive this
  // object (or at least every Handle call). REQUIRES: called once.
  void Open(ExecutionService& service);

  HttpResponse Handle(const HttpRequest& request);

 private:
  ServerMetrics& metrics_;
  std::atomic<ExecutionService*> service_{nullptr};
  std::mutex mu_;
  std::string waiting_for_;  // Guarded by mu_.
};

}  // namespace exidx::server
