// CurlHttpClient: HttpClient on libcurl, for AWS endpoints and the credential
// endpoints of containers and EC2.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "aws/http_client.h"

namespace exidx::aws {

struct CurlHttpClientOptions {
  // Upper bound on connecting (TCP and TLS); a request's own timeout, when
  // shorter, bounds it too.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(3)};
  // A larger response body fails the request with kInternal.
  std::size_t max_response_bytes = std::size_t{64} << 20;
  // Idle handles kept for reuse; each keeps its own open connections.
  std::size_t max_idle_handles = 16;
  // A PEM file of CA certificates to verify TLS peers with; empty: the path
  // libcurl was built with (Debian's /etc/ssl/certs/ca-certificates.crt),
  // which other systems (Amazon Linux keeps its bundle under /etc/pki) lack.
  std::string ca_bundle;
};

// Connections are reused across requests through a pool of curl easy handles:
// a request takes an idle handle (or makes one) and gives it back when done,
// so concurrent requests never share a handle. Timeouts use no signals
// (CURLOPT_NOSIGNAL). Proxies come from the environment as curl reads them
// (http_proxy, HTTPS_PROXY, ALL_PROXY, NO_PROXY) unless the request sets
// bypass_proxy. Only http and https URLs are accepted. TLS peers are verified.
class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpClientOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  // Thread-safe.
  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace exidx::aws
