#include "aws/shared_config.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace exidx::aws {
namespace {

using exidx::testing::TempDir;

TEST(ProfileName, AwsProfileThenAwsDefaultProfileThenDefault) {
  EXPECT_EQ(ProfileName(MapEnvironment()), "default");
  EXPECT_EQ(ProfileName(MapEnvironment({{"AWS_DEFAULT_PROFILE", "legacy"}})), "legacy");
  EXPECT_EQ(ProfileName(MapEnvironment({{"AWS_DEFAULT_PROFILE", "legacy"}, {"AWS_PROFILE", "prod"}})), "prod");
  EXPECT_EQ(ProfileName(MapEnvironment({{"AWS_PROFILE", ""}})), "default");  // Empty is unset.
}

TEST(SharedFilePaths, VariablesThenHome) {
  EXPECT_EQ(CredentialsFilePath(MapEnvironment()), std::nullopt);
  MapEnvironment home({{"HOME", "/home/u"}});
  EXPECT_EQ(CredentialsFilePath(home), "/home/u/.aws/credentials");
  EXPECT_EQ(ConfigFilePath(home), "/home/u/.aws/config");
  MapEnvironment set(
      {{"HOME", "/home/u"}, {"AWS_SHARED_CREDENTIALS_FILE", "~/creds"}, {"AWS_CONFIG_FILE", "/etc/aws/config"}});
  EXPECT_EQ(CredentialsFilePath(set), "/home/u/creds");
  EXPECT_EQ(ConfigFilePath(set), "/etc/aws/config");
}

TEST(ReadProfile, CredentialsFileSections) {
  TempDir dir;
  const std::string path = dir.Write("credentials",
                                     "# comment\n"
                                     "[default]\n"
                                     "aws_access_key_id = AKIDDEFAULT\n"
                                     "aws_secret_access_key=secret/default+1\n"
                                     "\n"
                                     "; another comment\n"
                                     "[prod]\r\n"
                                     "  AWS_Access_Key_Id   =   AKIDPROD  \r\n"
                                     "aws_secret_access_key = prod=secret\r\n");
  Result<std::optional<ProfileSettings>> def = ReadProfile(path, SharedFileKind::kCredentials, "default");
  ASSERT_TRUE(def.has_value() && def->has_value());
  EXPECT_EQ((**def).at("aws_access_key_id"), "AKIDDEFAULT");
  EXPECT_EQ((**def).at("aws_secret_access_key"), "secret/default+1");
  Result<std::optional<ProfileSettings>> prod = ReadProfile(path, SharedFileKind::kCredentials, "prod");
  ASSERT_TRUE(prod.has_value() && prod->has_value());
  EXPECT_EQ((**prod).at("aws_access_key_id"), "AKIDPROD");
  EXPECT_EQ((**prod).at("aws_secret_access_key"), "prod=secret");  // Split at the first '='.
  Result<std::optional<ProfileSettings>> missing = ReadProfile(path, SharedFileKind::kCredentials, "nope");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
}

TEST(ReadProfile, ConfigFileUsesProfilePrefixExceptForDefault) {
  TempDir dir;
  const std::string path = dir.Write("config",
                                     "[default]\nregion = us-east-1\n"
                                     "[profile prod]\nregion = eu-west-1\n"
                                     "s3 =\n  addressing_style = path\n"
                                     "output = json\n"
                                     "[staging]\nregion = ap-south-1\n"
                                     "[sso-session corp]\nsso_region = us-east-2\n");
  Result<std::optional<ProfileSettings>> prod = ReadProfile(path, SharedFileKind::kConfig, "prod");
  ASSERT_TRUE(prod.has_value() && prod->has_value());
  EXPECT_EQ((**prod).at("region"), "eu-west-1");
  EXPECT_EQ((**prod).at("output"), "json");
  EXPECT_FALSE((**prod).contains("addressing_style"));
  EXPECT_EQ((**prod).at("s3.addressing_style"), "path");  // A sub-setting, under its parent.
  // In a config file "[staging]" is not a profile.
  Result<std::optional<ProfileSettings>> staging = ReadProfile(path, SharedFileKind::kConfig, "staging");
  ASSERT_TRUE(staging.has_value());
  EXPECT_FALSE(staging->has_value());
  Result<std::optional<ProfileSettings>> def = ReadProfile(path, SharedFileKind::kConfig, "default");
  ASSERT_TRUE(def.has_value() && def->has_value());
  EXPECT_EQ((**def).at("region"), "us-east-1");
}

TEST(ReadProfile, MissingFileIsNotAnError) {
  Result<std::optional<ProfileSettings>> read =
      ReadProfile("/nonexistent/exidx/credentials", SharedFileKind::kCredentials, "default");
  ASSERT_TRUE(read.has_value());
  EXPECT_FALSE(read->has_value());
}

TEST(ReadProfile, MalformedLineNamesTheLineButNotItsContent) {
  TempDir dir;
  const std::string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  const std::string path = dir.Write("credentials",
                                     "[default]\naws_access_key_id = AKID\n"
                                     "aws_secret_access_key " +
                                         secret + "\n");
  Result<std::optional<ProfileSettings>> read = ReadProfile(path, SharedFileKind::kCredentials, "default");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kInternal);
  EXPECT_NE(read.error().message.find("line 3"), std::string::npos) << read.error().message;
  EXPECT_EQ(read.error().message.find(secret), std::string::npos) << read.error().message;
  EXPECT_EQ(read.error().message.find("wJalr"), std::string::npos) << read.error().message;
}

TEST(ReadProfile, UnterminatedSectionAndSettingBeforeAnySection) {
  TempDir dir;
  EXPECT_FALSE(ReadProfile(dir.Write("a", "[default\nk = v\n"), SharedFileKind::kCredentials, "default"));
  EXPECT_FALSE(ReadProfile(dir.Write("b", "k = v\n[default]\n"), SharedFileKind::kCredentials, "default"));
}

}  // namespace
}  // namespace exidx::aws
