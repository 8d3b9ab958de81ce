// The one error convention of exidx: a function that can fail returns
// Result<T>, which holds either its value or an Error. Exceptions are not used
// across module boundaries.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

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

// Result<T> is std::expected<T, Error> that must be used: a call whose Result
// is dropped does not build (-Wunused-result is on by default; -Werror). The
// error convention is std::expected's; libstdc++ 12's std::expected is not
// [[nodiscard]], so this thin subclass adds only that. It has all of
// expected's constructors (from a value, from the std::unexpected<Error> that
// Fail returns, in_place, ...) and converts from a plain std::expected<T, Error>,
// so it is used exactly as std::expected is: == with a value works; two
// Results do not compare, as two std::expected<T, Error> never did (Error has
// no ==). libstdc++ 12 has no and_then/transform yet; once it has, they return
// a plain std::expected, which converts back to a Result.
//
// A result that is genuinely right to ignore is dropped with a (void) cast and
// a comment that says why, e.g. a best-effort cleanup after the error that is
// being returned.
//
// The test core_result_must_be_used (src/core/CMakeLists.txt) checks that a
// dropped Result fails to build and that the uses above still compile.
template <class T>
class [[nodiscard]] Result : public std::expected<T, Error> {
  using Base = std::expected<T, Error>;

 public:
  using Base::Base;
  Result() = default;
  constexpr Result(const Base& other) : Base(other) {}
  constexpr Result(Base&& other) : Base(std::move(other)) {}
};

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
