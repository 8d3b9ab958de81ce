// The one error convention of exidx: a function that can fail returns
// Result<T>, which holds either its value or an Error. Exceptions are not used
// across module boundaries.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace exidx {

// The error codes of the external contract (CONTRACT.md section 6). Each code
// says who should act: the caller (kInvalid*, kUnauthorized, kPayloadTooLarge),
// a retry later (kUnavailable), or the operator (kInternal).
enum class ErrorCode {
  kInvalidParameter,
  kInvalidEvent,
  kInvalidToken,
  kUnauthorized,
  kPayloadTooLarge,
  kUnavailable,
  kInternal,
};

// The contract's name of a code, e.g. "InvalidParameter".
std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;  // For people; never holds secrets.
};

template <class T>
using Result = std::expected<T, Error>;

// A Result that carries no value: success or an Error.
using Status = Result<void>;

// Input quoted for an error message: in single quotes, cut to at most 100
// bytes of input at a character boundary, so that a huge or hostile value
// cannot flood a message or a log line. A byte that is not part of
// well-formed UTF-8 is written as \xHH, so the result is always valid UTF-8.
std::string Quoted(std::string_view input);

inline std::unexpected<Error> Fail(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

}  // namespace exidx
