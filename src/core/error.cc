#include "core/error.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/utf8.h"

namespace exidx {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidParameter: return "InvalidParameter";
    case ErrorCode::kInvalidEvent: return "InvalidEvent";
    case ErrorCode::kInvalidToken: return "InvalidToken";
    case ErrorCode::kUnauthorized: return "Unauthorized";
    case ErrorCode::kPayloadTooLarge: return "PayloadTooLarge";
    case ErrorCode::kUnavailable: return "Unavailable";
    case ErrorCode::kInternal: return "Internal";
  }
  return "Internal";
}

std::string Quoted(std::string_view input) {
  constexpr std::size_t kMaxQuoted = 100;
  std::string out = "'";
  std::size_t pos = 0;
  while (pos < input.size()) {
    const std::size_t length = Utf8SequenceLength(input, pos);
    if (pos + std::max<std::size_t>(length, 1) > kMaxQuoted) break;  // Never cut inside a character.
    if (length == 0) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned char>(input[pos]));
      ++pos;
    } else {
      out.append(input.substr(pos, length));
      pos += length;
    }
  }
  out += "'";
  if (pos < input.size()) out += "... (" + std::to_string(input.size()) + " bytes)";
  return out;
}

}  // namespace exidx
