#include "core/error.h"

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
  if (input.size() <= kMaxQuoted) {
    out.append(input);
    out += "'";
  } else {
    out.append(input.substr(0, kMaxQuoted));
    out += "'... (" + std::to_string(input.size()) + " bytes)";
  }
  return out;
}

}  // namespace exidx
