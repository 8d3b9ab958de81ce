#include "aws/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace exidx::aws {
namespace {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The URL for an error message: without user info and query, which are where
// a URL can carry secrets.
std::string UrlForMessage(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  std::size_t authority = url.find("://");
  authority = authority == std::string_view::npos ? 0 : authority + 3;
  std::size_t path = url.find('/', authority);
  std::size_t at = url.substr(0, path).rfind('@');
  std::string out(url);
  if (at != std::string_view::npos && at >= authority) out.erase(authority, at + 1 - authority);
  return out;
}

std::string_view TrimHttpSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// What one Send collects from curl's callbacks.
struct Transfer {
  HttpResponse response;
  std::size_t max_body_bytes = 0;
  bool body_too_large = false;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t length = size * count;
  if (transfer->response.body.size() + length > transfer->max_body_bytes) {
    transfer->body_too_large = true;
    return 0;  // Makes curl abort with CURLE_WRITE_ERROR.
  }
  transfer->response.body.append(data, length);
  return length;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t length = size * count;
  std::string_view line(data, length);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  HttpHeaders& headers = transfer->response.headers;
  if (line.starts_with("HTTP/")) {
    headers.clear();  // A new response begins (after a 1xx): keep only the final one's.
  } else if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    if (!headers.empty()) {  // Obsolete line folding: continues the previous value.
      headers.back().second += ' ';
      headers.back().second += TrimHttpSpace(line);
    }
  } else if (std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    headers.emplace_back(std::string(line.substr(0, colon)), std::string(TrimHttpSpace(line.substr(colon + 1))));
  }
  return length;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

Result<Slist> BuildHeaderList(const HttpRequest& request, bool sends_body) {
  std::vector<std::string> lines;
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || name.find_first_of(":\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return Fail(ErrorCode::kInternal, "HTTP request header " + Quoted(name) + " is not a valid field");
    }
    // "Name;" is curl's way to send a header with an empty value.
    lines.push_back(value.empty() ? name + ";" : name + ": " + value);
  }
  lines.emplace_back("Expect:");  // Never wait for 100-continue.
  if (sends_body && !HeaderValue(request.headers, "Content-Type")) {
    lines.emplace_back("Content-Type:");  // No default form content type from curl.
  }
  Slist list;
  for (const std::string& line : lines) {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (next == nullptr) return Fail(ErrorCode::kInternal, "out of memory building HTTP headers");
    (void)list.release();
    list.reset(next);
  }
  return list;
}

ErrorCode CodeFor(CURLcode code) {
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION: return ErrorCode::kInternal;
    default: return ErrorCode::kUnavailable;  // No answer now; a later try may get one.
  }
}

long Millis(std::chrono::milliseconds d) {
  return static_cast<long>(std::max<std::int64_t>(d.count(), 1));
}

}  // namespace

struct CurlHttpClient::Impl {
  explicit Impl(CurlHttpClientOptions o) : options(o) {}
  ~Impl() {
    for (CURL* handle : idle) curl_easy_cleanup(handle);
  }

  CURL* Acquire() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* handle) {
    {
      std::lock_guard lock(mu);
      if (idle.size() < options.max_idle_handles) {
        idle.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }

  const CurlHttpClientOptions options;
  std::mutex mu;
  std::vector<CURL*> idle;  // Guarded by mu.
};

CurlHttpClient::CurlHttpClient(CurlHttpClientOptions options) : impl_(std::make_unique<Impl>(options)) {
  InitCurlOnce();
}

CurlHttpClient::~CurlHttpClient() = default;

Result<HttpResponse> CurlHttpClient::Send(const HttpRequest& request) {
  const std::string what = request.method + " " + UrlForMessage(request.url);
  if (request.method.empty() || request.method.find_first_of(" \r\n") != std::string::npos) {
    return Fail(ErrorCode::kInternal, "HTTP method " + Quoted(request.method) + " is not valid");
  }
  const bool is_get = request.method == "GET" && request.body.empty();
  const bool is_head = request.method == "HEAD";
  // POST and PUT always send a body, if empty then with Content-Length: 0.
  const bool sends_body =
      !is_get && !is_head && (!request.body.empty() || request.method == "POST" || request.method == "PUT");
  Result<Slist> headers = BuildHeaderList(request, sends_body);
  if (!headers) return std::unexpected(headers.error());

  CURL* handle = impl_->Acquire();
  if (handle == nullptr) return Fail(ErrorCode::kInternal, what + ": curl_easy_init failed");
  // Reset forgets the options of the last request but keeps its connections.
  curl_easy_reset(handle);

  Transfer transfer;
  transfer.max_body_bytes = impl_->options.max_response_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {};
  const std::chrono::milliseconds connect_timeout = std::min(impl_->options.connect_timeout, request.timeout);

  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, Millis(connect_timeout));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, Millis(request.timeout));
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
  if (!impl_->options.ca_bundle.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, impl_->options.ca_bundle.c_str());
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers->get());
  if (request.bypass_proxy) curl_easy_setopt(handle, CURLOPT_NOPROXY, "*");
  if (is_get) {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else if (is_head) {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else {
    if (sends_body) {
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
    }
    if (request.method != "POST") curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  const CURLcode code = curl_easy_perform(handle);
  long status = 0;
  if (code == CURLE_OK) curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  // The handle points at this frame's buffers; unhook them before it is reused.
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
  impl_->Release(handle);

  if (transfer.body_too_large) {
    return Fail(ErrorCode::kInternal,
                what + ": response body larger than " + std::to_string(impl_->options.max_response_bytes) + " bytes");
  }
  if (code != CURLE_OK) {
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    return Fail(CodeFor(code), what + ": " + detail + " (curl error " + std::to_string(code) + ")");
  }
  transfer.response.status = static_cast<int>(status);
  return std::move(transfer.response);
}

}  // namespace exidx::aws
