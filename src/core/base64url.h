// Base64url without padding (RFC 4648 section 5): text safe in URLs and JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace exidx {

std::string Base64UrlEncode(std::string_view bytes);

// nullopt when `text` is not unpadded base64url (bad character, bad length,
// or nonzero trailing bits), so that every token has exactly one spelling.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace exidx
