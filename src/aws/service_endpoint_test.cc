#include "aws/service_endpoint.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace exidx::aws {
namespace {

using exidx::testing::TempDir;

TEST(ResolveRegion, AwsRegionThenAwsDefaultRegion) {
  EXPECT_EQ(ResolveRegion(MapEnvironment({{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "us-east-1"}})),
            "eu-west-1");
  EXPECT_EQ(ResolveRegion(MapEnvironment({{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", "us-east-1"}})), "us-east-1");
}

TEST(ResolveRegion, ThenTheProfilesRegionInTheConfigFile) {
  TempDir dir;
  const std::string config =
      dir.Write("config", "[default]\nregion = us-west-2\n[profile prod]\nregion = eu-north-1\n");
  EXPECT_EQ(ResolveRegion(MapEnvironment({{"AWS_CONFIG_FILE", config}})), "us-west-2");
  EXPECT_EQ(ResolveRegion(MapEnvironment({{"AWS_CONFIG_FILE", config}, {"AWS_PROFILE", "prod"}})), "eu-north-1");
  const std::string home = dir.path().string();
  dir.Write(".aws/config", "[default]\nregion = ap-southeast-2\n");
  EXPECT_EQ(ResolveRegion(MapEnvironment({{"HOME", home}})), "ap-southeast-2");
}

TEST(ResolveRegion, NoneOrInvalidIsAnError) {
  Result<std::string> none = ResolveRegion(MapEnvironment({{"HOME", "/nonexistent"}}));
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(ResolveRegion(MapEnvironment({{"AWS_REGION", "evil.example.com/x"}})).has_value());
  EXPECT_FALSE(ResolveRegion(MapEnvironment({{"AWS_REGION", "EU-WEST-1"}})).has_value());
}

TEST(ResolveEndpoint, ServiceVariableThenGlobalThenDefault) {
  MapEnvironment env(
      {{"AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000/"}, {"AWS_ENDPOINT_URL", "http://localhost:4566"}});
  EXPECT_EQ(ResolveEndpoint(env, AwsService::kDynamoDb, "us-east-1"), "http://localhost:8000");
  EXPECT_EQ(ResolveEndpoint(env, AwsService::kStepFunctions, "us-east-1"), "http://localhost:4566");
  EXPECT_EQ(ResolveEndpoint(MapEnvironment({{"AWS_ENDPOINT_URL_SFN", "https://sfn.local"}}), AwsService::kStepFunctions,
                            "us-east-1"),
            "https://sfn.local");
  EXPECT_EQ(ResolveEndpoint(MapEnvironment(), AwsService::kDynamoDb, "eu-west-1"),
            "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(ResolveEndpoint(MapEnvironment(), AwsService::kStepFunctions, "us-gov-west-1"),
            "https://states.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(ResolveEndpoint(MapEnvironment(), AwsService::kStepFunctions, "cn-north-1"),
            "https://states.cn-north-1.amazonaws.com.cn");
}

// AWS_ENDPOINT_URL_DYNAMODB does not move the streams (another service, as
// in the AWS SDKs); AWS_ENDPOINT_URL does, as moto_server serves both.
TEST(ResolveEndpoint, DynamoDbStreamsHasItsOwnVariableAndHost) {
  MapEnvironment env(
      {{"AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000"}, {"AWS_ENDPOINT_URL", "http://localhost:4566/"}});
  EXPECT_EQ(ResolveEndpoint(env, AwsService::kDynamoDbStreams, "us-east-1"), "http://localhost:4566");
  env.Set("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "http://localhost:9000");
  EXPECT_EQ(ResolveEndpoint(env, AwsService::kDynamoDbStreams, "us-east-1"), "http://localhost:9000");
  EXPECT_EQ(ResolveEndpoint(MapEnvironment(), AwsService::kDynamoDbStreams, "eu-west-1"),
            "https://streams.dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(ResolveEndpoint(MapEnvironment(), AwsService::kDynamoDbStreams, "cn-north-1"),
            "https://streams.dynamodb.cn-north-1.amazonaws.com.cn");
}

TEST(ResolveEndpoint, IgnoreConfiguredEndpointUrls) {
  MapEnvironment env({{"AWS_ENDPOINT_URL", "http://localhost:4566"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"}});
  EXPECT_EQ(ResolveEndpoint(env, AwsService::kDynamoDb, "eu-west-1"), "https://dynamodb.eu-west-1.amazonaws.com");
}

// The config file, as the SDKs read it: the profile's services section
// (per service), then its endpoint_url; the variables come first; either
// ignore setting turns them all off, the variable's winning over the profile's.
TEST(ResolveEndpoint, ThenTheConfigFilesServicesSectionThenTheProfilesEndpointUrl) {
  TempDir dir;
  const std::string config = dir.Write("config",
                                       "[profile local]\n"
                                       "services = local-services\n"
                                       "endpoint_url = http://localhost:4566/\n"
                                       "[services local-services]\n"
                                       "dynamodb =\n"
                                       "  endpoint_url = http://localhost:8000\n"
                                       "sfn =\n"
                                       "  endpoint_url = http://localhost:8083\n"
                                       "[profile off]\n"
                                       "endpoint_url = http://localhost:4566\n"
                                       "ignore_configured_endpoint_urls = true\n");
  MapEnvironment env({{"AWS_CONFIG_FILE", config}, {"AWS_PROFILE", "local"}});
  EXPECT_EQ(ResolveEndpoint(env, AwsService::kDynamoDb, "us-east-1"), "http://localhost:8000");
  EXPECT_EQ(ResolveEndpoint(env, AwsService::kStepFunctions, "us-east-1"), "http://localhost:8083");
  EXPECT_EQ(ResolveEndpoint(env, AwsService::kSqs, "us-east-1"), "http://localhost:4566");
  EXPECT_EQ(ResolveEndpoint(env, AwsService::kDynamoDbStreams, "us-east-1"), "http://localhost:4566");
  env.Set("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9999");
  EXPECT_EQ(ResolveEndpoint(env, AwsService::kDynamoDb, "us-east-1"), "http://127.0.0.1:9999");
  env.Set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
  EXPECT_EQ(ResolveEndpoint(env, AwsService::kStepFunctions, "us-east-1"), "https://states.us-east-1.amazonaws.com");

  MapEnvironment off({{"AWS_CONFIG_FILE", config}, {"AWS_PROFILE", "off"}});
  EXPECT_EQ(ResolveEndpoint(off, AwsService::kDynamoDb, "eu-west-1"), "https://dynamodb.eu-west-1.amazonaws.com");
  off.Set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false");
  EXPECT_EQ(ResolveEndpoint(off, AwsService::kDynamoDb, "eu-west-1"), "http://localhost:4566");

  const std::string bad = dir.Write("bad", "[default]\nendpoint_url = localhost:8000\n");
  auto rejected = ResolveEndpoint(MapEnvironment({{"AWS_CONFIG_FILE", bad}}), AwsService::kDynamoDb, "us-east-1");
  ASSERT_FALSE(rejected.has_value());
  EXPECT_NE(rejected.error().message.find("endpoint_url of profile"), std::string::npos) << rejected.error().message;
}

TEST(ResolveEndpoint, RejectsNonHttpUrlsAndBadRegions) {
  EXPECT_FALSE(
      ResolveEndpoint(MapEnvironment({{"AWS_ENDPOINT_URL", "localhost:8000"}}), AwsService::kDynamoDb, "us-east-1")
          .has_value());
  EXPECT_FALSE(ResolveEndpoint(MapEnvironment(), AwsService::kDynamoDb, "x.evil.com/").has_value());
}

TEST(NamesOf, SigningNames) {
  EXPECT_EQ(NamesOf(AwsService::kDynamoDb).signing_name, "dynamodb");
  EXPECT_EQ(NamesOf(AwsService::kStepFunctions).signing_name, "states");
  EXPECT_EQ(NamesOf(AwsService::kDynamoDbStreams).signing_name, "dynamodb");
}

}  // namespace
}  // namespace exidx::aws
