#include "server/api_keys.h"

#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <fmt/format.h>

namespace exidx::server {
namespace {

std::array<unsigned char, 32> Sha256(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

// "Bearer KEY" -> KEY. The scheme is case-insensitive (RFC 9110 section 11.1)
// and separated from the credentials by one or more spaces (section 11.4).
std::optional<std::string_view> BearerKey(std::string_view authorization) {
  constexpr std::string_view kBearer = "bearer";
  const std::string_view value = Trim(authorization);
  const std::size_t space = value.find(' ');
  if (space == std::string_view::npos || !EqualsIgnoringCase(value.substr(0, space), kBearer)) return std::nullopt;
  const std::string_view key = Trim(value.substr(space + 1));
  if (key.empty()) return std::nullopt;
  return key;
}

}  // namespace

ApiKeySet::ApiKeySet(const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    if (!key.empty()) digests_.push_back(Sha256(key));
  }
}

bool ApiKeySet::Contains(std::string_view key) const {
  const auto presented = Sha256(key);
  int matches = 0;
  for (const auto& digest : digests_) {
    matches |= CRYPTO_memcmp(presented.data(), digest.data(), digest.size()) == 0 ? 1 : 0;
  }
  return matches != 0;
}

std::optional<std::string_view> PresentedKey(const HttpRequest& request) {
  // Two credentials of one kind are ambiguous (a proxy may have added one to
  // the client's): none is taken rather than either.
  if (request.headers.count("Authorization") > 1 || request.headers.count("x-api-key") > 1) return std::nullopt;
  if (auto authorization = request.Header("Authorization")) {
    if (auto key = BearerKey(*authorization)) return key;
  }
  if (auto key = request.Header("x-api-key")) return Trim(*key);
  return std::nullopt;
}

Result<std::vector<std::string>> ParseKeyList(std::string_view option, const std::vector<std::string>& values) {
  std::vector<std::string> keys;
  for (std::string_view value : values) {
    for (;;) {
      const std::size_t comma = value.find(',');
      const std::string_view key = Trim(value.substr(0, comma));
      // A key that vanished (a stray comma, an empty variable) or that is an
      // option's name would leave routes open that the user meant to close.
      if (key.empty()) {
        return Fail(
            ErrorCode::kInvalidParameter,
            fmt::format("{}: an empty key (in {}); give each key once, without stray commas", option, Quoted(value)));
      }
      if (key.front() == '-') {
        return Fail(
            ErrorCode::kInvalidParameter,
            fmt::format("{}: {} looks like an option, not a key; a key must not begin with '-'", option, Quoted(key)));
      }
      keys.emplace_back(key);
      if (comma == std::string_view::npos) break;
      value = value.substr(comma + 1);
    }
  }
  return keys;
}

}  // namespace exidx::server
