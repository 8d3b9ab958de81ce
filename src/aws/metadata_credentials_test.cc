// The container endpoint and IMDSv2 sources, and the default chain, against
// fakes of those endpoints served on 127.0.0.1 by the test itself.
#include <gtest/gtest.h>

#include "aws/credentials.h"
#include "aws/curl_http_client.h"
#include "aws/loopback_http_server.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace exidx::aws {
namespace {

using exidx::testing::FakeClock;
using exidx::testing::TempDir;
using testing::CannedResponse;
using testing::LoopbackHttpServer;
using testing::RecordedRequest;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr EpochMillis kHour = 3600 * 1000;

std::string CredentialsJson(std::string_view key_id, EpochMillis expiration) {
  return R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":")" + std::string(key_id) + R"(","SecretAccessKey":")" +
         std::string(kSecret) + R"(","Token":"TOKEN-)" + std::string(key_id) + R"(","Expiration":")" +
         FormatTimestamp(expiration) + R"("})";
}

// ---------------------------------------------------------------- container

TEST(ContainerCredentialsSource, FullUriWithAuthorizationToken) {
  const EpochMillis expiration = 1'900'000'000'000;
  LoopbackHttpServer server(
      [&](const RecordedRequest&) { return CannedResponse{.body = CredentialsJson("ASIACONTAINER", expiration)}; });
  CurlHttpClient http;
  MapEnvironment env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/v1/credentials"},
                      {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abcd"}});
  Result<std::optional<AwsCredentials>> found = ContainerCredentialsSource(env, http).Load();
  ASSERT_TRUE(found.has_value()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->access_key_id, "ASIACONTAINER");
  EXPECT_EQ((*found)->secret_access_key, kSecret);
  EXPECT_EQ((*found)->session_token, "TOKEN-ASIACONTAINER");
  EXPECT_EQ((*found)->expiration, expiration);

  ASSERT_EQ(server.requests().size(), 1u);
  const RecordedRequest request = server.requests()[0];
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target, "/v1/credentials");
  EXPECT_EQ(HeaderValue(request.headers, "Authorization"), "Basic abcd");
}

TEST(ContainerCredentialsSource, TokenFileWinsAndIsReadAtEachFetch) {
  LoopbackHttpServer server(
      [](const RecordedRequest&) { return CannedResponse{.body = CredentialsJson("ASIAPOD", 1'900'000'000'000)}; });
  TempDir dir;
  const std::string token_file = dir.Write("token", "eks-token-1\n");
  CurlHttpClient http;
  MapEnvironment env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/v1/credentials"},
                      {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-variable"},
                      {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file}});
  ContainerCredentialsSource source(env, http);
  ASSERT_TRUE(source.Load().has_value());
  dir.Write("token", "eks-token-2");  // Rotated.
  ASSERT_TRUE(source.Load().has_value());
  std::vector<RecordedRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(HeaderValue(requests[0].headers, "Authorization"), "eks-token-1");
  EXPECT_EQ(HeaderValue(requests[1].headers, "Authorization"), "eks-token-2");
}

TEST(ContainerCredentialsSource, NoTokenSendsNoAuthorization) {
  LoopbackHttpServer server(
      [](const RecordedRequest&) { return CannedResponse{.body = CredentialsJson("ASIA", 1'900'000'000'000)}; });
  CurlHttpClient http;
  MapEnvironment env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds"}});
  ASSERT_TRUE(ContainerCredentialsSource(env, http).Load().has_value());
  EXPECT_EQ(HeaderValue(server.requests().at(0).headers, "Authorization"), std::nullopt);
}

TEST(ContainerCredentialsSource, NotSetIsNotFound) {
  CurlHttpClient http;
  MapEnvironment env;
  Result<std::optional<AwsCredentials>> found = ContainerCredentialsSource(env, http).Load();
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->has_value());
}

TEST(ContainerCredentialsSource, PlainHttpToAnotherHostIsRefused) {
  CurlHttpClient http;
  MapEnvironment env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://attacker.example:8080/creds"}});
  Result<std::optional<AwsCredentials>> found = ContainerCredentialsSource(env, http).Load();
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::kInternal);
}

TEST(ContainerCredentialsSource, ServerErrorsAreRetriedThenReported) {
  LoopbackHttpServer server([](const RecordedRequest&) { return CannedResponse{.status = 500, .body = "boom"}; });
  CurlHttpClient http;
  MapEnvironment env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds"}});
  Result<std::optional<AwsCredentials>> found = ContainerCredentialsSource(env, http).Load();
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(found.error().message.find("500"), std::string::npos) << found.error().message;
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(ContainerCredentialsSource, ClientErrorIsNotRetried) {
  LoopbackHttpServer server(
      [](const RecordedRequest&) { return CannedResponse{.status = 403, .body = R"({"message":"bad token"})"}; });
  CurlHttpClient http;
  MapEnvironment env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds"}});
  Result<std::optional<AwsCredentials>> found = ContainerCredentialsSource(env, http).Load();
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::kInternal);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(ContainerCredentialsSource, MalformedDocumentIsAnErrorThatDoesNotQuoteIt) {
  LoopbackHttpServer server([](const RecordedRequest&) {
    return CannedResponse{.body = R"({"AccessKeyId":"ASIA","SecretAccessKey":")" + std::string(kSecret) +
                                  R"(","Expiration":"soon"})"};
  });
  CurlHttpClient http;
  MapEnvironment env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds"}});
  Result<std::optional<AwsCredentials>> found = ContainerCredentialsSource(env, http).Load();
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().message.find(kSecret), std::string::npos) << found.error().message;
}

TEST(ContainerCredentialsSource, UnreachableIsUnavailable) {
  int port;
  {
    LoopbackHttpServer closed([](const RecordedRequest&) { return CannedResponse{}; });
    port = closed.port();
  }
  CurlHttpClient http;
  MapEnvironment env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:" + std::to_string(port) + "/c"}});
  Result<std::optional<AwsCredentials>> found = ContainerCredentialsSource(env, http).Load();
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::kUnavailable);
}

// ---------------------------------------------------------------- IMDSv2

// A fake IMDSv2: a token from PUT, required by the GETs; one role whose
// credentials change (a new key id, an hour more) each time they are fetched.
class FakeImds {
 public:
  explicit FakeImds(const FakeClock& clock)
      : clock_(clock), server_([this](const RecordedRequest& r) { return Answer(r); }) {}

  std::string url() const { return server_.url(); }
  std::vector<RecordedRequest> requests() const { return server_.requests(); }
  int fetches() const { return fetches_; }

  bool has_role = true;
  int token_status = 200;
  std::string code = "Success";

 private:
  CannedResponse Answer(const RecordedRequest& request) {
    if (request.target == "/latest/api/token") {
      if (request.method != "PUT" || !HeaderValue(request.headers, "X-aws-ec2-metadata-token-ttl-seconds")) {
        return {.status = 400};
      }
      return {.status = token_status, .body = "IMDS-SESSION-TOKEN"};
    }
    if (HeaderValue(request.headers, "X-aws-ec2-metadata-token") != "IMDS-SESSION-TOKEN") return {.status = 401};
    if (request.target == "/latest/meta-data/iam/security-credentials/") {
      if (!has_role) return {.status = 404};
      return {.body = "exidx-instance-role"};
    }
    if (request.target == "/latest/meta-data/iam/security-credentials/exidx-instance-role") {
      ++fetches_;
      std::string body = CredentialsJson("ASIAIMDS" + std::to_string(fetches_), clock_.NowMillis() + kHour);
      if (code != "Success") body = R"({"Code":")" + code + R"(","Message":"no"})";
      return {.body = body};
    }
    return {.status = 404};
  }

  const FakeClock& clock_;
  int fetches_ = 0;
  LoopbackHttpServer server_;
};

TEST(InstanceMetadataCredentialsSource, TokenThenRoleThenCredentials) {
  FakeClock clock;
  FakeImds imds(clock);
  CurlHttpClient http;
  MapEnvironment env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url() + "/"}});
  Result<std::optional<AwsCredentials>> found = InstanceMetadataCredentialsSource(env, http).Load();
  ASSERT_TRUE(found.has_value()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->access_key_id, "ASIAIMDS1");
  EXPECT_EQ((*found)->secret_access_key, kSecret);
  EXPECT_EQ((*found)->session_token, "TOKEN-ASIAIMDS1");
  EXPECT_EQ((*found)->expiration, clock.NowMillis() + kHour);

  std::vector<RecordedRequest> requests = imds.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].target, "/latest/api/token");
  EXPECT_EQ(HeaderValue(requests[0].headers, "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].target, "/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(HeaderValue(requests[1].headers, "X-aws-ec2-metadata-token"), "IMDS-SESSION-TOKEN");
  EXPECT_EQ(requests[2].method, "GET");
  EXPECT_EQ(requests[2].target, "/latest/meta-data/iam/security-credentials/exidx-instance-role");
  EXPECT_EQ(HeaderValue(requests[2].headers, "X-aws-ec2-metadata-token"), "IMDS-SESSION-TOKEN");
}

TEST(InstanceMetadataCredentialsSource, NoRoleIsNotFound) {
  FakeClock clock;
  FakeImds imds(clock);
  imds.has_role = false;
  CurlHttpClient http;
  MapEnvironment env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()}});
  Result<std::optional<AwsCredentials>> found = InstanceMetadataCredentialsSource(env, http).Load();
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_FALSE(found->has_value());
}

TEST(InstanceMetadataCredentialsSource, RefusedTokenIsAnError) {
  FakeClock clock;
  FakeImds imds(clock);
  imds.token_status = 403;
  CurlHttpClient http;
  MapEnvironment env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()}});
  Result<std::optional<AwsCredentials>> found = InstanceMetadataCredentialsSource(env, http).Load();
  ASSERT_FALSE(found.has_value());
  EXPECT_NE(found.error().message.find("403"), std::string::npos) << found.error().message;
  EXPECT_EQ(imds.requests().size(), 1u);  // No IMDSv1 fallback.
}

TEST(InstanceMetadataCredentialsSource, FailedCodeIsAnError) {
  FakeClock clock;
  FakeImds imds(clock);
  imds.code = "AssumeRoleUnauthorizedAccess";
  CurlHttpClient http;
  MapEnvironment env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()}});
  Result<std::optional<AwsCredentials>> found = InstanceMetadataCredentialsSource(env, http).Load();
  ASSERT_FALSE(found.has_value());
  EXPECT_NE(found.error().message.find("AssumeRoleUnauthorizedAccess"), std::string::npos);
}

TEST(InstanceMetadataCredentialsSource, DisabledSendsNothing) {
  FakeClock clock;
  FakeImds imds(clock);
  CurlHttpClient http;
  MapEnvironment env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()}, {"AWS_EC2_METADATA_DISABLED", "True"}});
  Result<std::optional<AwsCredentials>> found = InstanceMetadataCredentialsSource(env, http).Load();
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->has_value());
  EXPECT_TRUE(imds.requests().empty());
}

// ---------------------------------------------------------------- default chain

class DefaultChainOverHttpTest : public ::testing::Test {
 protected:
  // No shared files: HOME and the file variables point into an empty directory.
  std::map<std::string, std::string, std::less<>> Base() {
    return {{"HOME", dir_.path().string()},
            {"AWS_SHARED_CREDENTIALS_FILE", (dir_.path() / "credentials").string()},
            {"AWS_CONFIG_FILE", (dir_.path() / "config").string()}};
  }
  TempDir dir_;
  FakeClock clock_;
  CurlHttpClient http_;
};

TEST_F(DefaultChainOverHttpTest, InstanceMetadataCredentialsAreRefreshedBeforeExpiry) {
  FakeImds imds(clock_);
  auto vars = Base();
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  MapEnvironment env(vars);
  DefaultCredentialsChain chain(env, http_, clock_);

  EXPECT_EQ(chain.Get()->access_key_id, "ASIAIMDS1");
  clock_.Advance(kHour - CredentialsChain::kRefreshMargin - 1);
  EXPECT_EQ(chain.Get()->access_key_id, "ASIAIMDS1");  // Cached: no new fetch.
  EXPECT_EQ(imds.fetches(), 1);
  clock_.Advance(1);
  Result<AwsCredentials> refreshed = chain.Get();
  ASSERT_TRUE(refreshed.has_value()) << refreshed.error().message;
  EXPECT_EQ(refreshed->access_key_id, "ASIAIMDS2");
  EXPECT_EQ(refreshed->expiration, clock_.NowMillis() + kHour);
  EXPECT_EQ(imds.fetches(), 2);
}

TEST_F(DefaultChainOverHttpTest, ContainerBeforeInstanceMetadata) {
  FakeImds imds(clock_);
  LoopbackHttpServer container([](const RecordedRequest&) {
    return CannedResponse{.body = CredentialsJson("ASIACONTAINER", 1'900'000'000'000)};
  });
  auto vars = Base();
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.url() + "/creds";
  MapEnvironment env(vars);
  DefaultCredentialsChain chain(env, http_, clock_);
  EXPECT_EQ(chain.Get()->access_key_id, "ASIACONTAINER");
  EXPECT_TRUE(imds.requests().empty());
}

TEST_F(DefaultChainOverHttpTest, EnvironmentAndFilesBeforeEndpoints) {
  FakeImds imds(clock_);
  LoopbackHttpServer container([](const RecordedRequest&) {
    return CannedResponse{.body = CredentialsJson("ASIACONTAINER", 1'900'000'000'000)};
  });
  auto vars = Base();
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.url() + "/creds";
  dir_.Write("credentials", "[default]\naws_access_key_id = FROMFILE\naws_secret_access_key = f\n");
  MapEnvironment files_env(vars);
  EXPECT_EQ(DefaultCredentialsChain(files_env, http_, clock_).Get()->access_key_id, "FROMFILE");
  vars["AWS_ACCESS_KEY_ID"] = "FROMENV";
  vars["AWS_SECRET_ACCESS_KEY"] = "e";
  MapEnvironment env_env(vars);
  EXPECT_EQ(DefaultCredentialsChain(env_env, http_, clock_).Get()->access_key_id, "FROMENV");
  EXPECT_TRUE(container.requests().empty());
  EXPECT_TRUE(imds.requests().empty());
}

TEST_F(DefaultChainOverHttpTest, FailingContainerIsAnErrorNotEmptyCredentials) {
  FakeImds imds(clock_);
  LoopbackHttpServer container([](const RecordedRequest&) { return CannedResponse{.status = 503}; });
  auto vars = Base();
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = container.url() + "/creds";
  MapEnvironment env(vars);
  Result<AwsCredentials> got = DefaultCredentialsChain(env, http_, clock_).Get();
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(imds.requests().empty());  // A broken container setup does not fall through to the node's role.
}

}  // namespace
}  // namespace exidx::aws
