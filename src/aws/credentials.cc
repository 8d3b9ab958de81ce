#include "aws/credentials.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "aws/shared_config.h"

namespace exidx::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kContainerHost = "http://169.254.170.2";
constexpr std::string_view kImdsIpv4Endpoint = "http://169.254.169.254";
constexpr std::string_view kImdsIpv6Endpoint = "http://[fd00:ec2::254]";
constexpr std::string_view kImdsTokenPath = "/latest/api/token";
constexpr std::string_view kImdsRolesPath = "/latest/meta-data/iam/security-credentials/";
constexpr std::string_view kImdsTokenTtlSeconds = "21600";
constexpr milliseconds kContainerTimeout = seconds(2);
constexpr int kContainerAttempts = 3;
constexpr milliseconds kImdsTimeout = seconds(1);
constexpr int kImdsAttempts = 2;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::strchr(" \t\r\n", s.front()) != nullptr) s.remove_prefix(1);
  while (!s.empty() && std::strchr(" \t\r\n", s.back()) != nullptr) s.remove_suffix(1);
  return s;
}

// Sends, and sends again after a failure to connect or a 5xx, up to `attempts`
// times in all. Credential endpoints are local and answer at once, so the
// attempts follow each other without a pause.
Result<HttpResponse> SendWithRetries(HttpClient& http, const HttpRequest& request, int attempts) {
  Result<HttpResponse> response = Fail(ErrorCode::kInternal, "no attempt made");
  for (int attempt = 0; attempt < attempts; ++attempt) {
    response = http.Send(request);
    if (response ? response->status < 500 : response.error().code != ErrorCode::kUnavailable) break;
  }
  return response;
}

// An HTTP status other than 200 as an error: 5xx and 429 may pass, others not.
std::unexpected<Error> StatusError(std::string_view what, const HttpResponse& response) {
  const bool transient = response.status >= 500 || response.status == 429;
  // Error bodies of these endpoints say what is wrong and carry no credentials.
  return Fail(
      transient ? ErrorCode::kUnavailable : ErrorCode::kInternal,
      std::string(what) + " answered HTTP " + std::to_string(response.status) + ": " + Quoted(Trim(response.body)));
}

std::optional<std::string> JsonString(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->as_string());
}

// The credentials document of the container endpoint and IMDS:
// {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}. Messages never
// quote the document, which holds the secret.
Result<AwsCredentials> ParseCredentialsDocument(std::string_view body, std::string_view what) {
  boost::system::error_code ec;
  boost::json::value document = boost::json::parse(body, ec);
  if (ec || !document.is_object()) {
    return Fail(ErrorCode::kUnavailable, std::string(what) + " answered with something other than a JSON object");
  }
  const boost::json::object& object = document.as_object();
  if (std::optional<std::string> code = JsonString(object, "Code"); code && *code != "Success") {
    return Fail(ErrorCode::kUnavailable, std::string(what) + " answered Code " + Quoted(*code));
  }
  AwsCredentials credentials;
  credentials.access_key_id = JsonString(object, "AccessKeyId").value_or("");
  credentials.secret_access_key = JsonString(object, "SecretAccessKey").value_or("");
  credentials.session_token = JsonString(object, "Token").value_or("");
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return Fail(ErrorCode::kUnavailable, std::string(what) + " answered without AccessKeyId or SecretAccessKey");
  }
  if (std::optional<std::string> expiration = JsonString(object, "Expiration")) {
    Result<EpochMillis> parsed = ParseTimestamp(*expiration);
    if (!parsed) {
      return Fail(ErrorCode::kUnavailable, std::string(what) + " answered an Expiration that is not a timestamp");
    }
    credentials.expiration = *parsed;
  }
  return credentials;
}

// The host of an absolute URL, without user info and port; IPv6 in brackets.
std::string_view UrlHost(std::string_view url) {
  std::size_t start = url.find("://");
  if (start == std::string_view::npos) return {};
  std::string_view authority = url.substr(start + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.starts_with('[')) return authority.substr(0, authority.find(']') + 1);
  return authority.substr(0, authority.find(':'));
}

bool IsLoopbackIpv4(std::string_view host) {
  return host.starts_with("127.") &&
         std::ranges::all_of(host, [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// The hosts AWS SDKs accept for a plain-http AWS_CONTAINER_CREDENTIALS_FULL_URI:
// this machine, and the ECS and EKS Pod Identity agents.
bool IsAllowedHttpContainerHost(std::string_view host) {
  constexpr std::array<std::string_view, 5> kHosts = {"localhost", "[::1]", "169.254.170.2", "169.254.170.23",
                                                      "[fd00:ec2::23]"};
  return IsLoopbackIpv4(host) || std::ranges::find(kHosts, host) != kHosts.end();
}

bool IsTrue(const std::optional<std::string>& value) {
  return value && EqualsIgnoreCase(Trim(*value), "true");
}

// One file's keys, if it names any. Both or neither of the key id and secret.
Result<std::optional<AwsCredentials>> KeysOfProfile(const ProfileSettings& settings, std::string_view profile,
                                                    const std::string& path) {
  auto get = [&](std::string_view key) -> std::string {
    auto it = settings.find(key);
    return it == settings.end() ? std::string() : it->second;
  };
  AwsCredentials credentials;
  credentials.access_key_id = get("aws_access_key_id");
  credentials.secret_access_key = get("aws_secret_access_key");
  credentials.session_token = get("aws_session_token");
  if (credentials.session_token.empty()) credentials.session_token = get("aws_security_token");
  const std::string where = "profile " + Quoted(profile) + " in " + Quoted(path);
  if (credentials.access_key_id.empty() != credentials.secret_access_key.empty()) {
    return Fail(ErrorCode::kInternal, where + (credentials.access_key_id.empty()
                                                   ? ": aws_secret_access_key is set but aws_access_key_id is not"
                                                   : ": aws_access_key_id is set but aws_secret_access_key is not"));
  }
  if (credentials.access_key_id.empty()) return std::nullopt;
  return credentials;
}

// Refuses AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (EKS IRSA), which this
// module cannot serve: otherwise the chain would go on to the node's identity.
class WebIdentityRefusal final : public CredentialsSource {
 public:
  explicit WebIdentityRefusal(const Environment& env) : env_(env) {}
  std::string Name() const override { return "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)"; }
  Result<std::optional<AwsCredentials>> Load() override {
    if (!GetSetting(env_, "AWS_WEB_IDENTITY_TOKEN_FILE") || !GetSetting(env_, "AWS_ROLE_ARN")) {
      return std::nullopt;
    }
    return Fail(ErrorCode::kInternal,
                "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are set (IAM roles for service accounts), "
                "which needs STS AssumeRoleWithWebIdentity: not supported by exidx; use EKS Pod Identity, "
                "an instance role or access keys");
  }

 private:
  const Environment& env_;
};

}  // namespace

// ---------------------------------------------------------------- environment

std::string EnvironmentCredentialsSource::Name() const {
  return "environment variables";
}

Result<std::optional<AwsCredentials>> EnvironmentCredentialsSource::Load() {
  std::optional<std::string> key_id = GetSetting(env_, "AWS_ACCESS_KEY_ID");
  std::optional<std::string> secret = GetSetting(env_, "AWS_SECRET_ACCESS_KEY");
  if (!key_id && !secret) return std::nullopt;
  if (!key_id) return Fail(ErrorCode::kInternal, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
  if (!secret) return Fail(ErrorCode::kInternal, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
  AwsCredentials credentials{.access_key_id = *key_id, .secret_access_key = *secret};
  std::optional<std::string> token = GetSetting(env_, "AWS_SESSION_TOKEN");
  if (!token) token = GetSetting(env_, "AWS_SECURITY_TOKEN");
  credentials.session_token = token.value_or("");
  return credentials;
}

// ---------------------------------------------------------------- shared files

std::string ProfileCredentialsSource::Name() const {
  return "shared credentials and config files, profile " + Quoted(ProfileName(env_));
}

Result<std::optional<AwsCredentials>> ProfileCredentialsSource::Load() {
  const std::string profile = ProfileName(env_);
  const bool named = GetSetting(env_, "AWS_PROFILE") || GetSetting(env_, "AWS_DEFAULT_PROFILE");
  const std::optional<std::string> credentials_path = CredentialsFilePath(env_);
  const std::optional<std::string> config_path = ConfigFilePath(env_);

  std::optional<ProfileSettings> in_credentials;
  if (credentials_path) {
    Result<std::optional<ProfileSettings>> read = ReadProfile(*credentials_path, SharedFileKind::kCredentials, profile);
    if (!read) return std::unexpected(read.error());
    in_credentials = std::move(*read);
  }
  std::optional<ProfileSettings> in_config;
  if (config_path) {
    Result<std::optional<ProfileSettings>> read = ReadProfile(*config_path, SharedFileKind::kConfig, profile);
    if (!read) return std::unexpected(read.error());
    in_config = std::move(*read);
  }
  if (!in_credentials && !in_config) {
    if (!named) return std::nullopt;
    return Fail(ErrorCode::kInternal, "AWS profile " + Quoted(profile) + " is in neither " +
                                          Quoted(credentials_path.value_or("(no credentials file)")) + " nor " +
                                          Quoted(config_path.value_or("(no config file)")));
  }
  // Ways to credentials that need more than keys: refuse rather than fall
  // through to another identity.
  constexpr std::array<std::string_view, 5> kUnsupported = {"role_arn", "credential_process", "sso_session",
                                                            "sso_start_url", "web_identity_token_file"};
  for (const std::optional<ProfileSettings>* settings : {&in_credentials, &in_config}) {
    if (!*settings) continue;
    for (std::string_view key : kUnsupported) {
      if ((*settings)->contains(key)) {
        return Fail(ErrorCode::kInternal, "AWS profile " + Quoted(profile) + " uses " + std::string(key) +
                                              ", which exidx does not support; give it access keys instead");
      }
    }
  }
  // The credentials file first, then the config file, each complete on its own.
  if (in_credentials) {
    Result<std::optional<AwsCredentials>> keys = KeysOfProfile(*in_credentials, profile, *credentials_path);
    if (!keys || *keys) return keys;
  }
  if (in_config) return KeysOfProfile(*in_config, profile, *config_path);
  return std::nullopt;
}

// ---------------------------------------------------------------- container

std::string ContainerCredentialsSource::Name() const {
  return "container credentials endpoint";
}

Result<std::optional<AwsCredentials>> ContainerCredentialsSource::Load() {
  HttpRequest request;
  if (std::optional<std::string> relative = GetSetting(env_, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    request.url = std::string(kContainerHost) + (relative->starts_with('/') ? "" : "/") + *relative;
  } else if (std::optional<std::string> full = GetSetting(env_, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    const std::string_view host = UrlHost(*full);
    const bool https = full->starts_with("https://");
    if (host.empty() || !(https || (full->starts_with("http://") && IsAllowedHttpContainerHost(host)))) {
      return Fail(ErrorCode::kInternal,
                  "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http on a loopback address or the "
                  "ECS/EKS agent (169.254.170.2, 169.254.170.23, [fd00:ec2::23]); its host is " +
                      Quoted(host));
    }
    request.url = *full;
  } else {
    return std::nullopt;
  }
  // Plain http goes only to this machine or the link-local agent: never through a proxy.
  request.bypass_proxy = request.url.starts_with("http://");
  request.timeout = kContainerTimeout;

  std::optional<std::string> token;
  if (std::optional<std::string> path = GetSetting(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    std::ifstream file(*path, std::ios::binary);
    if (!file) {
      return Fail(ErrorCode::kInternal,
                  "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + Quoted(*path) + ": " + std::strerror(errno));
    }
    token = std::string(std::istreambuf_iterator<char>(file), {});
    token = std::string(Trim(*token));  // A final newline from an editor is not part of it.
  } else {
    token = GetSetting(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  if (token) {
    if (token->find_first_of("\r\n") != std::string::npos) {
      return Fail(ErrorCode::kInternal, "the container authorization token is not a valid header value");
    }
    request.headers.emplace_back("Authorization", *token);
  }

  Result<HttpResponse> response = SendWithRetries(http_, request, kContainerAttempts);
  if (!response) return Fail(response.error().code, "container credentials: " + response.error().message);
  if (response->status != 200) return StatusError("the container credentials endpoint", *response);
  Result<AwsCredentials> credentials = ParseCredentialsDocument(response->body, "the container credentials endpoint");
  if (!credentials) return std::unexpected(credentials.error());
  return *credentials;
}

// ---------------------------------------------------------------- IMDSv2

std::string InstanceMetadataCredentialsSource::Name() const {
  return "EC2 instance metadata (IMDSv2)";
}

Result<std::optional<AwsCredentials>> InstanceMetadataCredentialsSource::Load() {
  if (IsTrue(GetSetting(env_, "AWS_EC2_METADATA_DISABLED"))) return std::nullopt;
  std::string endpoint;
  if (std::optional<std::string> configured = GetSetting(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    endpoint = *configured;
  } else {
    std::optional<std::string> mode = GetSetting(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    endpoint = mode && EqualsIgnoreCase(*mode, "IPv6") ? kImdsIpv6Endpoint : kImdsIpv4Endpoint;
  }
  while (endpoint.ends_with('/')) endpoint.pop_back();

  auto request = [&](std::string_view method, std::string_view path) {
    HttpRequest r;
    r.method = std::string(method);
    r.url = endpoint + std::string(path);
    r.timeout = kImdsTimeout;
    r.bypass_proxy = true;  // A proxy would answer with its own instance's role, or not at all.
    return r;
  };

  HttpRequest token_request = request("PUT", kImdsTokenPath);
  token_request.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", std::string(kImdsTokenTtlSeconds));
  Result<HttpResponse> token = SendWithRetries(http_, token_request, kImdsAttempts);
  if (!token) return Fail(token.error().code, "EC2 instance metadata token: " + token.error().message);
  if (token->status != 200) return StatusError("EC2 instance metadata (PUT /latest/api/token)", *token);
  const std::string token_value(Trim(token->body));
  if (token_value.empty() || token_value.find_first_of("\r\n") != std::string::npos) {
    return Fail(ErrorCode::kUnavailable, "EC2 instance metadata answered an unusable session token");
  }

  HttpRequest roles_request = request("GET", kImdsRolesPath);
  roles_request.headers.emplace_back("X-aws-ec2-metadata-token", token_value);
  Result<HttpResponse> roles = SendWithRetries(http_, roles_request, kImdsAttempts);
  if (!roles) return Fail(roles.error().code, "EC2 instance metadata: " + roles.error().message);
  if (roles->status == 404) return std::nullopt;  // The instance has no role.
  if (roles->status != 200) return StatusError("EC2 instance metadata (security-credentials)", *roles);
  std::string_view role = Trim(roles->body);
  role = Trim(role.substr(0, role.find('\n')));
  if (role.empty()) return std::nullopt;
  // IAM role names: letters, digits and +=,.@_-
  if (!std::ranges::all_of(role, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("+=,.@_-", c) != nullptr;
      })) {
    return Fail(ErrorCode::kUnavailable, "EC2 instance metadata answered a role name that is not one: " + Quoted(role));
  }

  HttpRequest credentials_request = request("GET", std::string(kImdsRolesPath) + std::string(role));
  credentials_request.headers.emplace_back("X-aws-ec2-metadata-token", token_value);
  Result<HttpResponse> document = SendWithRetries(http_, credentials_request, kImdsAttempts);
  if (!document) return Fail(document.error().code, "EC2 instance metadata: " + document.error().message);
  if (document->status != 200) return StatusError("EC2 instance metadata (role credentials)", *document);
  Result<AwsCredentials> credentials = ParseCredentialsDocument(document->body, "EC2 instance metadata");
  if (!credentials) return std::unexpected(credentials.error());
  return *credentials;
}

// ---------------------------------------------------------------- chain

CredentialsChain::CredentialsChain(std::vector<std::unique_ptr<CredentialsSource>> sources, const Clock& clock)
    : sources_(std::move(sources)), clock_(clock) {}

Result<AwsCredentials> CredentialsChain::Get() {
  std::lock_guard lock(mu_);
  const EpochMillis now = clock_.NowMillis();
  auto unexpired = [&] { return cached_ && (!cached_->expiration || now < *cached_->expiration); };
  if (cached_ && (!cached_->expiration || now < *cached_->expiration - kRefreshMargin)) return *cached_;
  if (unexpired() && now < next_attempt_) return *cached_;
  next_attempt_ = now + kRetryInterval;
  Result<AwsCredentials> resolved = Resolve();
  if (resolved) {
    cached_ = *resolved;
    return resolved;
  }
  if (unexpired()) return *cached_;  // Still good for a while: try again later.
  return resolved;
}

Result<AwsCredentials> CredentialsChain::Resolve() {
  std::string looked;
  for (const std::unique_ptr<CredentialsSource>& source : sources_) {
    Result<std::optional<AwsCredentials>> found = source->Load();
    if (!found) return std::unexpected(found.error());
    if (*found) {
      if ((*found)->access_key_id.empty() || (*found)->secret_access_key.empty()) {
        return Fail(ErrorCode::kInternal, source->Name() + " gave credentials without a key id or secret");
      }
      return std::move(**found);
    }
    looked += looked.empty() ? "" : "; ";
    looked += source->Name();
  }
  return Fail(ErrorCode::kInternal, "no AWS credentials found; looked in: " + looked);
}

DefaultCredentialsChain::DefaultCredentialsChain(const Environment& env, HttpClient& http, const Clock& clock)
    : CredentialsChain(
          [&] {
            std::vector<std::unique_ptr<CredentialsSource>> sources;
            sources.push_back(std::make_unique<EnvironmentCredentialsSource>(env));
            sources.push_back(std::make_unique<WebIdentityRefusal>(env));
            sources.push_back(std::make_unique<ProfileCredentialsSource>(env));
            sources.push_back(std::make_unique<ContainerCredentialsSource>(env, http));
            sources.push_back(std::make_unique<InstanceMetadataCredentialsSource>(env, http));
            return sources;
          }(),
          clock) {}

}  // namespace exidx::aws
