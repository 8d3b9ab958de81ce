#include "aws/curl_http_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "aws/loopback_http_server.h"

namespace exidx::aws {
namespace {

using testing::CannedResponse;
using testing::LoopbackHttpServer;
using testing::RecordedRequest;

CannedResponse Echo(const RecordedRequest& request) {
  return {.status = 200,
          .headers = {{"X-Echo-Method", request.method}, {"X-Multi", "a"}, {"X-Multi", "b"}},
          .body = request.body};
}

TEST(CurlHttpClient, SendsHeadersAndBodyAsGivenAndReturnsTheResponse) {
  LoopbackHttpServer server(Echo);
  CurlHttpClient client;
  HttpRequest request;
  request.method = "POST";
  request.url = server.url() + "/path/a%20b?x=1&y=%2F";
  request.headers = {
      {"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "DynamoDB_20120810.Query"}, {"X-Empty", ""}};
  request.body = std::string("{\"k\":\"\0binary\xff\"}", 16);
  Result<HttpResponse> response = client.Send(request);
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, request.body);
  EXPECT_EQ(HeaderValue(response->headers, "x-echo-method"), "POST");
  EXPECT_EQ(std::ranges::count(response->headers, std::pair<std::string, std::string>("X-Multi", "b")), 1);

  ASSERT_EQ(server.requests().size(), 1u);
  const RecordedRequest got = server.requests()[0];
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.target, "/path/a%20b?x=1&y=%2F");
  EXPECT_EQ(HeaderValue(got.headers, "Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(HeaderValue(got.headers, "X-Amz-Target"), "DynamoDB_20120810.Query");
  EXPECT_EQ(HeaderValue(got.headers, "X-Empty"), "");
  EXPECT_EQ(HeaderValue(got.headers, "Content-Length"), "16");
  EXPECT_EQ(HeaderValue(got.headers, "Expect"), std::nullopt);
}

TEST(CurlHttpClient, AddsNoContentTypeOfItsOwnAndSendsEmptyPutBodies) {
  LoopbackHttpServer server(Echo);
  CurlHttpClient client;
  HttpRequest put{.method = "PUT",
                  .url = server.url() + "/latest/api/token",
                  .headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}}};
  ASSERT_TRUE(client.Send(put).has_value());
  HttpRequest post{.method = "POST", .url = server.url() + "/", .body = std::string(5000, 'x')};
  ASSERT_TRUE(client.Send(post).has_value());
  HttpRequest del{.method = "DELETE", .url = server.url() + "/thing"};
  ASSERT_TRUE(client.Send(del).has_value());

  std::vector<RecordedRequest> got = server.requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].method, "PUT");
  EXPECT_EQ(HeaderValue(got[0].headers, "Content-Length"), "0");
  EXPECT_EQ(HeaderValue(got[0].headers, "Content-Type"), std::nullopt);
  EXPECT_EQ(HeaderValue(got[0].headers, "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(got[1].body.size(), 5000u);
  EXPECT_EQ(HeaderValue(got[1].headers, "Content-Type"), std::nullopt);
  EXPECT_EQ(HeaderValue(got[1].headers, "Expect"), std::nullopt);  // No 100-continue for large bodies.
  EXPECT_EQ(got[2].method, "DELETE");
}

TEST(CurlHttpClient, ErrorStatusIsAResponse) {
  LoopbackHttpServer server([](const RecordedRequest&) {
    return CannedResponse{.status = 400, .body = R"({"__type":"ValidationException"})"};
  });
  CurlHttpClient client;
  Result<HttpResponse> response = client.Send({.url = server.url() + "/"});
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->body, R"({"__type":"ValidationException"})");
}

TEST(CurlHttpClient, ReusesConnections) {
  LoopbackHttpServer server(Echo);
  CurlHttpClient client;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.Send({.method = "POST", .url = server.url() + "/", .body = "x"}).has_value());
  }
  EXPECT_EQ(server.requests().size(), 5u);
  EXPECT_EQ(server.connections(), 1);
}

TEST(CurlHttpClient, ConcurrentSendsEachGetTheirOwnAnswer) {
  LoopbackHttpServer server(Echo);
  CurlHttpClient client(CurlHttpClientOptions{.max_idle_handles = 4});
  std::atomic<int> right = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string body = std::to_string(t) + ":" + std::to_string(i);
        Result<HttpResponse> response = client.Send({.method = "POST", .url = server.url() + "/", .body = body});
        right += response && response->body == body ? 1 : 0;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(right, 200);
  EXPECT_LE(server.connections(), 8);  // Connections were reused, not one per request.
}

TEST(CurlHttpClient, RefusedConnectionIsUnavailable) {
  int port;
  {
    LoopbackHttpServer closed(Echo);
    port = closed.port();
  }
  CurlHttpClient client;
  Result<HttpResponse> response = client.Send({.url = "http://127.0.0.1:" + std::to_string(port) + "/x?secret=1"});
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("GET http://127.0.0.1:" + std::to_string(port) + "/x"), std::string::npos)
      << response.error().message;
  EXPECT_EQ(response.error().message.find("secret"), std::string::npos) << response.error().message;
}

TEST(CurlHttpClient, TimeoutIsUnavailable) {
  LoopbackHttpServer server([](const RecordedRequest&) {
    return CannedResponse{.status = 200, .body = "late", .delay = std::chrono::seconds(10)};
  });
  CurlHttpClient client;
  Result<HttpResponse> response =
      client.Send({.url = server.url() + "/slow", .timeout = std::chrono::milliseconds(200)});
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("GET " + server.url() + "/slow"), std::string::npos);
}

TEST(CurlHttpClient, OversizedResponseIsRefused) {
  LoopbackHttpServer server([](const RecordedRequest&) { return CannedResponse{.body = std::string(100, 'x')}; });
  CurlHttpClient client(CurlHttpClientOptions{.max_response_bytes = 10});
  Result<HttpResponse> response = client.Send({.url = server.url() + "/"});
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, ErrorCode::kInternal);
}

TEST(CurlHttpClient, UnusableRequestsAreInternalErrors) {
  CurlHttpClient client;
  EXPECT_EQ(client.Send({.url = "ftp://127.0.0.1/x"}).error().code, ErrorCode::kInternal);
  EXPECT_EQ(client.Send({.url = "not a url"}).error().code, ErrorCode::kInternal);
  EXPECT_EQ(client.Send({.url = "http://127.0.0.1:1/", .headers = {{"X-Bad", "a\r\nInjected: 1"}}}).error().code,
            ErrorCode::kInternal);
}

// Sets a process environment variable for one test and restores it after.
class ScopedProcessVariable {
 public:
  ScopedProcessVariable(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedProcessVariable() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// curl reads proxies from the process environment; bypass_proxy goes direct.
TEST(CurlHttpClient, UsesTheEnvironmentProxyUnlessBypassed) {
  LoopbackHttpServer origin(Echo);
  LoopbackHttpServer proxy([](const RecordedRequest&) { return CannedResponse{.body = "via proxy"}; });
  ScopedProcessVariable http_proxy("http_proxy", proxy.url());
  ScopedProcessVariable no_proxy("no_proxy", "");
  ScopedProcessVariable no_proxy_upper("NO_PROXY", "");
  CurlHttpClient client;

  Result<HttpResponse> proxied = client.Send({.url = origin.url() + "/a"});
  ASSERT_TRUE(proxied.has_value()) << proxied.error().message;
  EXPECT_EQ(proxied->body, "via proxy");
  ASSERT_EQ(proxy.requests().size(), 1u);
  EXPECT_EQ(proxy.requests()[0].target, origin.url() + "/a");  // Absolute form: a proxy request.

  Result<HttpResponse> direct = client.Send({.url = origin.url() + "/b", .bypass_proxy = true});
  ASSERT_TRUE(direct.has_value()) << direct.error().message;
  EXPECT_EQ(HeaderValue(direct->headers, "X-Echo-Method"), "GET");
  EXPECT_EQ(proxy.requests().size(), 1u);
  ASSERT_EQ(origin.requests().size(), 1u);
  EXPECT_EQ(origin.requests()[0].target, "/b");
}

}  // namespace
}  // namespace exidx::aws
