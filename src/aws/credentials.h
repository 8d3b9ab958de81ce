// AWS credentials and where they come from: the standard chain of the AWS
// SDKs (environment, shared files, container endpoint, EC2 instance metadata),
// with temporary credentials cached and refreshed before they expire.
//
// No secret (secret access key, session token, container authorization
// token) ever goes into an error message.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/environment.h"
#include "aws/http_client.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/time.h"

namespace exidx::aws {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;          // Secret.
  std::string session_token;              // Secret; empty for long-term keys.
  std::optional<EpochMillis> expiration;  // Set for temporary credentials.
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;

  // Credentials to sign with now, never empty ones: an access key id and a
  // secret key, or an error. Thread-safe.
  virtual Result<AwsCredentials> Get() = 0;
};

// Always the credentials it was given: for tests and tools.
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(AwsCredentials credentials) : credentials_(std::move(credentials)) {}
  Result<AwsCredentials> Get() override { return credentials_; }

 private:
  const AwsCredentials credentials_;
};

// One place credentials may be found: a link of a CredentialsChain.
class CredentialsSource {
 public:
  virtual ~CredentialsSource() = default;

  // For messages: where this source looks, e.g. "environment variables".
  virtual std::string Name() const = 0;

  // The credentials found here; nullopt when this source is not set up (no
  // variables, no such profile, not in a container, no instance role), so that
  // a chain moves on. An error when it is set up but broken (a key id without
  // a secret, an endpoint that fails): a chain stops there rather than move on
  // to another identity. Thread-safe.
  virtual Result<std::optional<AwsCredentials>> Load() = 0;
};

// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, with AWS_SESSION_TOKEN (or the
// older AWS_SECURITY_TOKEN). Only one of the first two set is an error.
class EnvironmentCredentialsSource final : public CredentialsSource {
 public:
  // `env` must outlive this source.
  explicit EnvironmentCredentialsSource(const Environment& env) : env_(env) {}
  explicit EnvironmentCredentialsSource(const Environment&& env) = delete;  // Would dangle.
  std::string Name() const override;
  Result<std::optional<AwsCredentials>> Load() override;

 private:
  const Environment& env_;
};

// aws_access_key_id, aws_secret_access_key and aws_session_token of the
// profile (ProfileName) in the shared credentials file, then in the config
// file. Errors: a profile named by AWS_PROFILE/AWS_DEFAULT_PROFILE found in
// neither file; a key id without a secret or the reverse; a profile that
// names credentials this module cannot get (role_arn, credential_process,
// sso_*, web_identity_token_file).
class ProfileCredentialsSource final : public CredentialsSource {
 public:
  // `env` must outlive this source.
  explicit ProfileCredentialsSource(const Environment& env) : env_(env) {}
  explicit ProfileCredentialsSource(const Environment&& env) = delete;  // Would dangle.
  std::string Name() const override;
  Result<std::optional<AwsCredentials>> Load() override;

 private:
  const Environment& env_;
};

// The container credentials endpoint of ECS and EKS Pod Identity:
// http://169.254.170.2 + AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, else
// AWS_CONTAINER_CREDENTIALS_FULL_URI, which must be https or name a loopback
// address or the ECS/EKS link-local hosts. The Authorization header is the
// content of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at each fetch, as it
// rotates), else AWS_CONTAINER_AUTHORIZATION_TOKEN.
class ContainerCredentialsSource final : public CredentialsSource {
 public:
  // `env` and `http` must outlive this source.
  ContainerCredentialsSource(const Environment& env, HttpClient& http) : env_(env), http_(http) {}
  ContainerCredentialsSource(const Environment&& env, HttpClient& http) = delete;  // Would dangle.
  std::string Name() const override;
  Result<std::optional<AwsCredentials>> Load() override;

 private:
  const Environment& env_;
  HttpClient& http_;
};

// The role credentials of an EC2 instance through IMDSv2: PUT
// /latest/api/token, then GET /latest/meta-data/iam/security-credentials/
// and .../<role> with the token. The endpoint is
// AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://[fd00:ec2::254] when
// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6, else http://169.254.169.254.
// Not set up when AWS_EC2_METADATA_DISABLED=true or the instance has no role.
// IMDSv1 (no token) is not used.
class InstanceMetadataCredentialsSource final : public CredentialsSource {
 public:
  // `env` and `http` must outlive this source.
  InstanceMetadataCredentialsSource(const Environment& env, HttpClient& http) : env_(env), http_(http) {}
  InstanceMetadataCredentialsSource(const Environment&& env, HttpClient& http) = delete;  // Would dangle.
  std::string Name() const override;
  Result<std::optional<AwsCredentials>> Load() override;

 private:
  const Environment& env_;
  HttpClient& http_;
};

// Asks its sources in order; the first that finds credentials wins, the first
// error ends the search. Credentials with an expiration are kept until
// kRefreshMargin before it, then the chain is asked again; those without are
// kept for the life of the chain. When a refresh fails while the kept
// credentials have not yet expired, Get() still returns them and tries again
// no sooner than kRetryInterval later.
class CredentialsChain : public CredentialsProvider {
 public:
  static constexpr EpochMillis kRefreshMargin = EpochMillis{5} * 60 * 1000;
  static constexpr EpochMillis kRetryInterval = EpochMillis{10} * 1000;

  // `clock` must outlive the chain.
  CredentialsChain(std::vector<std::unique_ptr<CredentialsSource>> sources, const Clock& clock);

  // Thread-safe; concurrent callers wait for one refresh.
  Result<AwsCredentials> Get() override;

 private:
  Result<AwsCredentials> Resolve();

  const std::vector<std::unique_ptr<CredentialsSource>> sources_;
  const Clock& clock_;
  std::mutex mu_;
  std::optional<AwsCredentials> cached_;  // Guarded by mu_.
  EpochMillis next_attempt_ = 0;          // Guarded by mu_.
};

// The standard order: environment, then a refusal of web identity settings
// (AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE, which needs STS and is not
// implemented: better an error than the node's identity), shared files,
// container endpoint, instance metadata.
class DefaultCredentialsChain final : public CredentialsChain {
 public:
  // `env`, `http` and `clock` must outlive the chain.
  DefaultCredentialsChain(const Environment& env, HttpClient& http, const Clock& clock);
  DefaultCredentialsChain(const Environment&& env, HttpClient& http, const Clock& clock) = delete;  // Would dangle.
};

}  // namespace exidx::aws
