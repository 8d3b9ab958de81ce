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

// RFC 9110 section 11.1: the authentication scheme is case-insensitive.
TEST(PresentedKeyTest, BearerSchemeInAnyCase) {
  EXPECT_EQ(PresentedKey(WithHeader("Authorization", "bearer k1")), "k1");
  EXPECT_EQ(PresentedKey(WithHeader("Authorization", "BEARER k2")), "k2");
  EXPECT_EQ(PresentedKey(WithHeader("Authorization", "bEaReR   k3")), "k3");
  EXPECT_EQ(PresentedKey(WithHeader("Authorization", "Bearer")), std::nullopt);
  EXPECT_EQ(PresentedKey(WithHeader("Authorization", "Bearer ")), std::nullopt);
  EXPECT_EQ(PresentedKey(WithHeader("Authorization", "Bearerk4")), std::nullopt);
  EXPECT_EQ(PresentedKey(WithHeader("Authorization", "Bearers k5")), std::nullopt);
}

// Two credentials of one kind are ambiguous (a proxy may have added one):
// neither is taken.
TEST(PresentedKeyTest, RepeatedCredentialsPresentNoKey) {
  HttpRequest two_bearers;
  two_bearers.headers.emplace("Authorization", "Bearer k1");
  two_bearers.headers.emplace("authorization", "Bearer k2");
  EXPECT_EQ(PresentedKey(two_bearers), std::nullopt);
  HttpRequest two_api_keys;
  two_api_keys.headers.emplace("x-api-key", "k1");
  two_api_keys.headers.emplace("X-API-Key", "k1");
  EXPECT_EQ(PresentedKey(two_api_keys), std::nullopt);
}

TEST(PresentedKeyTest, BearerWinsOverXApiKey) {
  HttpRequest request;
  request.headers.emplace("x-api-key", "from-x");
  request.headers.emplace("Authorization", "Bearer from-bearer");
  EXPECT_EQ(PresentedKey(request), "from-bearer");
}

TEST(SplitKeyListTest, CommaListsAndRepeats) {
  EXPECT_EQ(SplitKeyList({"a,b", " c ", ",,", "d"}), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_TRUE(SplitKeyList({}).empty());
}

}  // namespace
}  // namespace exidx::server
