#include "server/api_keys.h"

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
  if (auto authorization = request.Header("Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    std::string_view value = Trim(*authorization);
    if (value.size() > kBearer.size() && value.substr(0, kBearer.size()) == kBearer) {
      return Trim(value.substr(kBearer.size()));
    }
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
