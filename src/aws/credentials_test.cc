#include "aws/credentials.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"
#include "support/scripted_aws.h"
#include "support/temp_dir.h"

namespace exidx::aws {
namespace {

using exidx::testing::FakeClock;
using exidx::testing::ScriptedHttpClient;
using exidx::testing::TempDir;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// ---------------------------------------------------------------- environment

TEST(EnvironmentCredentialsSource, KeysAndToken) {
  MapEnvironment env(
      {{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", std::string(kSecret)}, {"AWS_SESSION_TOKEN", "TOKEN"}});
  Result<std::optional<AwsCredentials>> found = EnvironmentCredentialsSource(env).Load();
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->access_key_id, "AKID");
  EXPECT_EQ((*found)->secret_access_key, kSecret);
  EXPECT_EQ((*found)->session_token, "TOKEN");
  EXPECT_EQ((*found)->expiration, std::nullopt);
}

TEST(EnvironmentCredentialsSource, LegacySecurityTokenAndNoToken) {
  MapEnvironment legacy({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "s"}, {"AWS_SECURITY_TOKEN", "T"}});
  EXPECT_EQ(EnvironmentCredentialsSource(legacy).Load()->value().session_token, "T");
  MapEnvironment none({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "s"}});
  EXPECT_EQ(EnvironmentCredentialsSource(none).Load()->value().session_token, "");
}

TEST(EnvironmentCredentialsSource, UnsetIsNotFoundAndHalfSetIsAnError) {
  MapEnvironment unset_env;
  Result<std::optional<AwsCredentials>> unset = EnvironmentCredentialsSource(unset_env).Load();
  ASSERT_TRUE(unset.has_value());
  EXPECT_FALSE(unset->has_value());
  MapEnvironment empty({{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}});
  EXPECT_FALSE(EnvironmentCredentialsSource(empty).Load()->has_value());

  MapEnvironment half({{"AWS_SECRET_ACCESS_KEY", std::string(kSecret)}});
  Result<std::optional<AwsCredentials>> error = EnvironmentCredentialsSource(half).Load();
  ASSERT_FALSE(error.has_value());
  EXPECT_EQ(error.error().message.find(kSecret), std::string::npos);
  MapEnvironment other_half({{"AWS_ACCESS_KEY_ID", "AKID"}});
  EXPECT_FALSE(EnvironmentCredentialsSource(other_half).Load().has_value());
}

// ---------------------------------------------------------------- shared files

class ProfileCredentialsSourceTest : public ::testing::Test {
 protected:
  MapEnvironment EnvWith(std::map<std::string, std::string, std::less<>> extra = {}) {
    extra.emplace("AWS_SHARED_CREDENTIALS_FILE", (dir_.path() / "credentials").string());
    extra.emplace("AWS_CONFIG_FILE", (dir_.path() / "config").string());
    return MapEnvironment(std::move(extra));
  }
  Result<std::optional<AwsCredentials>> Load(const MapEnvironment& env) { return ProfileCredentialsSource(env).Load(); }

  TempDir dir_;
};

TEST_F(ProfileCredentialsSourceTest, DefaultProfileOfTheCredentialsFile) {
  dir_.Write("credentials", "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = " + std::string(kSecret) +
                                "\naws_session_token = TOK\n[other]\n"
                                "aws_access_key_id = AKIDOTHER\naws_secret_access_key = x\n");
  Result<std::optional<AwsCredentials>> found = Load(EnvWith());
  ASSERT_TRUE(found.has_value() && found->has_value()) << (found ? "" : found.error().message);
  EXPECT_EQ((*found)->access_key_id, "AKIDDEF");
  EXPECT_EQ((*found)->secret_access_key, kSecret);
  EXPECT_EQ((*found)->session_token, "TOK");
}

TEST_F(ProfileCredentialsSourceTest, NamedProfileFromAwsProfileOrAwsDefaultProfile) {
  dir_.Write("credentials",
             "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = a\n"
             "[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = b\n");
  EXPECT_EQ(Load(EnvWith({{"AWS_PROFILE", "prod"}}))->value().access_key_id, "AKIDPROD");
  EXPECT_EQ(Load(EnvWith({{"AWS_DEFAULT_PROFILE", "prod"}}))->value().access_key_id, "AKIDPROD");
}

TEST_F(ProfileCredentialsSourceTest, KeysInTheConfigFileProfileSection) {
  dir_.Write("config", "[profile ci]\nregion = eu-west-1\naws_access_key_id = AKIDCI\naws_secret_access_key = c\n");
  Result<std::optional<AwsCredentials>> found = Load(EnvWith({{"AWS_PROFILE", "ci"}}));
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->access_key_id, "AKIDCI");
}

TEST_F(ProfileCredentialsSourceTest, CredentialsFileWinsOverConfigFile) {
  dir_.Write("credentials", "[default]\naws_access_key_id = FROMCREDS\naws_secret_access_key = a\n");
  dir_.Write("config", "[default]\naws_access_key_id = FROMCONFIG\naws_secret_access_key = b\n");
  EXPECT_EQ(Load(EnvWith())->value().access_key_id, "FROMCREDS");
}

TEST_F(ProfileCredentialsSourceTest, HomeDirectoryFiles) {
  dir_.Write(".aws/credentials", "[default]\naws_access_key_id = FROMHOME\naws_secret_access_key = a\n");
  MapEnvironment env({{"HOME", dir_.path().string()}});
  EXPECT_EQ(Load(env)->value().access_key_id, "FROMHOME");
}

TEST_F(ProfileCredentialsSourceTest, NoFilesOrNoDefaultProfileIsNotFound) {
  Result<std::optional<AwsCredentials>> no_files = Load(EnvWith());
  ASSERT_TRUE(no_files.has_value());
  EXPECT_FALSE(no_files->has_value());
  dir_.Write("config", "[default]\nregion = eu-west-1\n");  // A profile without keys.
  Result<std::optional<AwsCredentials>> no_keys = Load(EnvWith());
  ASSERT_TRUE(no_keys.has_value());
  EXPECT_FALSE(no_keys->has_value());
}

TEST_F(ProfileCredentialsSourceTest, ExplicitProfileMissingIsAnError) {
  dir_.Write("credentials", "[default]\naws_access_key_id = A\naws_secret_access_key = a\n");
  Result<std::optional<AwsCredentials>> error = Load(EnvWith({{"AWS_PROFILE", "typo"}}));
  ASSERT_FALSE(error.has_value());
  EXPECT_NE(error.error().message.find("'typo'"), std::string::npos) << error.error().message;
}

TEST_F(ProfileCredentialsSourceTest, KeyIdWithoutSecretIsAnError) {
  dir_.Write("credentials", "[default]\naws_access_key_id = AKID\n");
  EXPECT_FALSE(Load(EnvWith()).has_value());
  dir_.Write("credentials", std::string("[default]\naws_secret_access_key = ") + std::string(kSecret) + "\n");
  Result<std::optional<AwsCredentials>> error = Load(EnvWith());
  ASSERT_FALSE(error.has_value());
  EXPECT_EQ(error.error().message.find(kSecret), std::string::npos) << error.error().message;
}

TEST_F(ProfileCredentialsSourceTest, UnsupportedProfileKindsAreErrors) {
  dir_.Write("config",
             "[profile assume]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n"
             "[profile proc]\ncredential_process = /bin/creds\n");
  EXPECT_FALSE(Load(EnvWith({{"AWS_PROFILE", "assume"}})).has_value());
  EXPECT_FALSE(Load(EnvWith({{"AWS_PROFILE", "proc"}})).has_value());
}

TEST_F(ProfileCredentialsSourceTest, BadFileErrorNeverQuotesTheSecret) {
  // A line without '=' that holds the secret: the error must point at it without showing it.
  dir_.Write("credentials",
             "[default]\naws_access_key_id = AKID\naws_secret_access_key: \n" + std::string(kSecret) + "\n");
  Result<std::optional<AwsCredentials>> error = Load(EnvWith());
  ASSERT_FALSE(error.has_value());
  EXPECT_EQ(error.error().message.find(kSecret), std::string::npos) << error.error().message;
  EXPECT_EQ(error.error().message.find("wJalr"), std::string::npos) << error.error().message;
  EXPECT_NE(error.error().message.find("line 4"), std::string::npos) << error.error().message;

  // The same file through the whole chain.
  FakeClock clock;
  ScriptedHttpClient http;
  MapEnvironment env = EnvWith({{"AWS_EC2_METADATA_DISABLED", "true"}});
  DefaultCredentialsChain chain(env, http, clock);
  Result<AwsCredentials> chained = chain.Get();
  ASSERT_FALSE(chained.has_value());
  EXPECT_EQ(chained.error().message.find(kSecret), std::string::npos) << chained.error().message;
}

// ---------------------------------------------------------------- chain

// A source that answers from a script and counts its calls.
class ScriptedSource final : public CredentialsSource {
 public:
  explicit ScriptedSource(std::string name) : name_(std::move(name)) {}
  std::string Name() const override { return name_; }
  Result<std::optional<AwsCredentials>> Load() override {
    ++calls;
    return next;
  }
  Result<std::optional<AwsCredentials>> next = std::optional<AwsCredentials>();
  int calls = 0;

 private:
  std::string name_;
};

AwsCredentials Temporary(std::string key_id, EpochMillis expiration) {
  return {.access_key_id = std::move(key_id),
          .secret_access_key = std::string(kSecret),
          .session_token = "TOKEN",
          .expiration = expiration};
}

struct ChainFixture {
  explicit ChainFixture(int count) {
    std::vector<std::unique_ptr<CredentialsSource>> owned;
    for (int i = 0; i < count; ++i) {
      auto source = std::make_unique<ScriptedSource>("source " + std::to_string(i));
      sources.push_back(source.get());
      owned.push_back(std::move(source));
    }
    chain = std::make_unique<CredentialsChain>(std::move(owned), clock);
  }
  FakeClock clock;
  std::vector<ScriptedSource*> sources;
  std::unique_ptr<CredentialsChain> chain;
};

TEST(CredentialsChain, FirstSourceWithCredentialsWins) {
  ChainFixture f(3);
  f.sources[1]->next = AwsCredentials{.access_key_id = "SECOND", .secret_access_key = "s"};
  f.sources[2]->next = AwsCredentials{.access_key_id = "THIRD", .secret_access_key = "s"};
  Result<AwsCredentials> got = f.chain->Get();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->access_key_id, "SECOND");
  EXPECT_EQ(f.sources[0]->calls, 1);
  EXPECT_EQ(f.sources[2]->calls, 0);
}

TEST(CredentialsChain, AnErrorStopsTheChain) {
  ChainFixture f(2);
  f.sources[0]->next = Fail(ErrorCode::kUnavailable, "endpoint down");
  f.sources[1]->next = AwsCredentials{.access_key_id = "OTHER", .secret_access_key = "s"};
  Result<AwsCredentials> got = f.chain->Get();
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(f.sources[1]->calls, 0);
}

TEST(CredentialsChain, NothingFoundIsAnErrorNamingEverySource) {
  ChainFixture f(2);
  Result<AwsCredentials> got = f.chain->Get();
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().message.find("source 0; source 1"), std::string::npos) << got.error().message;
}

TEST(CredentialsChain, StaticCredentialsAreLoadedOnce) {
  ChainFixture f(1);
  f.sources[0]->next = AwsCredentials{.access_key_id = "AKID", .secret_access_key = "s"};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(f.chain->Get().has_value());
    f.clock.Advance(24LL * 3600 * 1000);
  }
  EXPECT_EQ(f.sources[0]->calls, 1);
}

TEST(CredentialsChain, TemporaryCredentialsAreRefreshedFiveMinutesBeforeExpiry) {
  ChainFixture f(1);
  const EpochMillis expiry = f.clock.NowMillis() + 3600 * 1000;
  f.sources[0]->next = Temporary("FIRST", expiry);
  EXPECT_EQ(f.chain->Get()->access_key_id, "FIRST");
  f.sources[0]->next = Temporary("SECOND", expiry + 3600 * 1000);

  f.clock.Advance(expiry - CredentialsChain::kRefreshMargin - 1 - f.clock.NowMillis());
  EXPECT_EQ(f.chain->Get()->access_key_id, "FIRST");  // One millisecond before the margin: cached.
  EXPECT_EQ(f.sources[0]->calls, 1);
  f.clock.Advance(1);
  EXPECT_EQ(f.chain->Get()->access_key_id, "SECOND");  // Inside the margin: refreshed.
  EXPECT_EQ(f.sources[0]->calls, 2);
  EXPECT_EQ(f.chain->Get()->access_key_id, "SECOND");
  EXPECT_EQ(f.sources[0]->calls, 2);
}

TEST(CredentialsChain, FailedRefreshKeepsUnexpiredCredentialsThenFails) {
  ChainFixture f(1);
  const EpochMillis expiry = f.clock.NowMillis() + 3600 * 1000;
  f.sources[0]->next = Temporary("FIRST", expiry);
  ASSERT_TRUE(f.chain->Get().has_value());
  f.sources[0]->next = Fail(ErrorCode::kUnavailable, "metadata down");

  f.clock.Advance(expiry - 60 * 1000 - f.clock.NowMillis());  // A minute before expiry.
  EXPECT_EQ(f.chain->Get()->access_key_id, "FIRST");
  EXPECT_EQ(f.sources[0]->calls, 2);
  EXPECT_EQ(f.chain->Get()->access_key_id, "FIRST");  // Within the retry interval: no new try.
  EXPECT_EQ(f.sources[0]->calls, 2);
  f.clock.Advance(CredentialsChain::kRetryInterval);
  EXPECT_EQ(f.chain->Get()->access_key_id, "FIRST");
  EXPECT_EQ(f.sources[0]->calls, 3);

  f.clock.Advance(expiry - f.clock.NowMillis());  // Expired: the error, never stale or empty credentials.
  Result<AwsCredentials> expired = f.chain->Get();
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, ErrorCode::kUnavailable);

  f.sources[0]->next = Temporary("RECOVERED", expiry + 3600 * 1000);
  EXPECT_EQ(f.chain->Get()->access_key_id, "RECOVERED");
}

TEST(CredentialsChain, SourceGivingEmptyCredentialsIsAnError) {
  ChainFixture f(1);
  f.sources[0]->next = AwsCredentials{};
  EXPECT_FALSE(f.chain->Get().has_value());
}

TEST(CredentialsChain, ConcurrentCallersShareOneLoad) {
  ChainFixture f(1);
  f.sources[0]->next = Temporary("AKID", f.clock.NowMillis() + 3600 * 1000);
  std::vector<std::thread> threads;
  std::atomic<int> ok = 0;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 100; ++j) ok += f.chain->Get().has_value() ? 1 : 0;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok, 800);
  EXPECT_EQ(f.sources[0]->calls, 1);
}

// ---------------------------------------------------------------- default chain order

class DefaultChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("credentials", "[default]\naws_access_key_id = FROMFILE\naws_secret_access_key = f\n");
  }
  MapEnvironment Env(std::map<std::string, std::string, std::less<>> extra) {
    extra.emplace("AWS_SHARED_CREDENTIALS_FILE", (dir_.path() / "credentials").string());
    extra.emplace("AWS_CONFIG_FILE", (dir_.path() / "config").string());
    return MapEnvironment(std::move(extra));
  }
  TempDir dir_;
  FakeClock clock_;
  ScriptedHttpClient http_;
};

TEST_F(DefaultChainTest, EnvironmentBeforeFiles) {
  MapEnvironment env = Env({{"AWS_ACCESS_KEY_ID", "FROMENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}});
  DefaultCredentialsChain chain(env, http_, clock_);
  EXPECT_EQ(chain.Get()->access_key_id, "FROMENV");
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(DefaultChainTest, FilesBeforeContainerAndInstanceMetadata) {
  MapEnvironment env = Env({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x"}});
  DefaultCredentialsChain chain(env, http_, clock_);
  EXPECT_EQ(chain.Get()->access_key_id, "FROMFILE");
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(DefaultChainTest, ContainerBeforeInstanceMetadata) {
  std::filesystem::remove(dir_.path() / "credentials");
  http_.Enqueue(HttpResponse{.status = 200,
                             .body = R"({"AccessKeyId":"FROMCONTAINER","SecretAccessKey":"c","Token":"t",)"
                                     R"("Expiration":"2099-01-01T00:00:00Z"})"});
  MapEnvironment env = Env({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x"}});
  DefaultCredentialsChain chain(env, http_, clock_);
  EXPECT_EQ(chain.Get()->access_key_id, "FROMCONTAINER");
  ASSERT_EQ(http_.requests().size(), 1u);
  EXPECT_EQ(http_.requests()[0].url, "http://169.254.170.2/v2/credentials/x");
  EXPECT_TRUE(http_.requests()[0].bypass_proxy);
}

TEST_F(DefaultChainTest, InstanceMetadataLastAndDisabledByVariable) {
  std::filesystem::remove(dir_.path() / "credentials");
  MapEnvironment disabled = Env({{"AWS_EC2_METADATA_DISABLED", "true"}});
  DefaultCredentialsChain chain(disabled, http_, clock_);
  Result<AwsCredentials> none = chain.Get();
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().message.find("no AWS credentials found"), std::string::npos) << none.error().message;
  EXPECT_TRUE(http_.requests().empty());

  MapEnvironment enabled = Env({});
  DefaultCredentialsChain chain2(enabled, http_, clock_);
  Result<AwsCredentials> unreachable = chain2.Get();  // The fake refuses every connection.
  ASSERT_FALSE(unreachable.has_value());
  EXPECT_EQ(unreachable.error().code, ErrorCode::kUnavailable);
  ASSERT_FALSE(http_.requests().empty());
  EXPECT_EQ(http_.requests()[0].url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(http_.requests()[0].method, "PUT");
}

TEST_F(DefaultChainTest, WebIdentityIsRefusedRatherThanFallingThrough) {
  std::filesystem::remove(dir_.path() / "credentials");
  MapEnvironment env = Env({{"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}, {"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}});
  DefaultCredentialsChain chain(env, http_, clock_);
  EXPECT_FALSE(chain.Get().has_value());
  EXPECT_TRUE(http_.requests().empty());
}

TEST(StaticCredentialsProvider, ReturnsItsCredentials) {
  StaticCredentialsProvider provider({.access_key_id = "A", .secret_access_key = "S"});
  EXPECT_EQ(provider.Get()->access_key_id, "A");
}

}  // namespace
}  // namespace exidx::aws
