#include "core/base64url.h"

#include <gtest/gtest.h>

namespace exidx {
namespace {

TEST(Base64Url, Rfc4648Vectors) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64Url, RoundTripsAllByteValues) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= bytes.size(); n += 7) {
    auto decoded = Base64UrlDecode(Base64UrlEncode(bytes.substr(0, n)));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, bytes.substr(0, n));
  }
}

TEST(Base64Url, RejectsNonCanonical) {
  EXPECT_FALSE(Base64UrlDecode("Zg=="));  // Padding.
  EXPECT_FALSE(Base64UrlDecode("Z"));     // Impossible length.
  EXPECT_FALSE(Base64UrlDecode("Zh"));    // Nonzero trailing bits.
  EXPECT_FALSE(Base64UrlDecode("Zm9v+"));  // Standard alphabet.
  EXPECT_FALSE(Base64UrlDecode("Zm 9v"));
}

}  // namespace
}  // namespace exidx
