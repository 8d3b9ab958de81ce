#include "server/api_keys.h"

#include <gtest/gtest.h>

namespace exidx::server {
namespace {

HttpRequest WithHeader(std::string name, std::string value) {
  HttpRequest request;
  request.headers.emplace(std::move(name), std::move(value));
  return request;
}

TEST(ApiKeySetTest, ContainsOnlyItsKeys) {
  ApiKeySet keys({"alpha-key", "", "beta-key"});
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_TRUE(keys.Contains("alpha-key"));
  EXPECT_TRUE(keys.Contains("beta-key"));
  EXPECT_FALSE(keys.Contains("alpha-ke"));
  EXPECT_FALSE(keys.Contains("alpha-key "));
  EXPECT_FALSE(keys.Contains(""));
  EXPECT_FALSE(keys.Contains("ALPHA-KEY"));
}

TEST(ApiKeySetTest, EmptySetContainsNothing) {
  ApiKeySet keys;
  EXPECT_TRUE(keys.empty());
  EXPECT_FALSE(keys.Contains(""));
  EXPECT_FALSE(keys.Contains("x"));
}

TEST(PresentedKeyTest, BearerOrXApiKeyCaseInsensitiveNames) {
  EXPECT_EQ(PresentedKey(WithHeader("Authorization", "Bearer k1")), "k1");
  EXPECT_EQ(PresentedKey(WithHeader("authorization", "Bearer  k2 ")), "k2");
  EXPECT_EQ(PresentedKey(WithHeader("X-Api-Key", "k3")), "k3");
  EXPECT_EQ(PresentedKey(WithHeader("Authorization", "Basic abc")), std::nullopt);
  EXPECT_EQ(PresentedKey(HttpRequest{}), std::nullopt);
}

TEST(PresentedKeyTest, BearerWinsOverXApiKey) {
  HttpRequest request;
  request.headers.emplace("x-api-key", "from-x");
  request.headers.emplace("Authorization", "Bearer from-bearer");
  EXPECT_EQ(PresentedKey(request), "from-bearer");
}

TEST(ParseKeyListTest, CommaListsAndRepeats) {
  EXPECT_EQ(ParseKeyList("--read-key", {"a,b", " c ", "d"}).value(), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_TRUE(ParseKeyList("--read-key", {}).value().empty());
}

// `--read-key , --ingest-key I1` once ended with no ingest key at all.
TEST(ParseKeyListTest, EmptyKeysAndOptionNamesAreRefused) {
  for (const std::vector<std::string>& values :
       std::vector<std::vector<std::string>>{{","}, {",,"}, {"a,,b"}, {"a,"}, {""}, {" "}, {"a", ""}}) {
    auto keys = ParseKeyList("--read-key", values);
    ASSERT_FALSE(keys) << testing::PrintToString(values);
    EXPECT_EQ(keys.error().code, ErrorCode::kInvalidParameter);
    EXPECT_EQ(keys.error().message.rfind("--read-key: an empty key", 0), 0u) << keys.error().message;
  }
  auto option = ParseKeyList("--read-key", {"--ingest-key", "I1"});
  ASSERT_FALSE(option);
  EXPECT_EQ(option.error().message,
            "--read-key: '--ingest-key' looks like an option, not a key; a key must not begin with '-'");
}

}  // namespace
}  // namespace exidx::server
