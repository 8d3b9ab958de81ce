// UTF-8 as RFC 3629 defines it: what a JSON text (RFC 8259) must be made of.
// Input from the network (query strings, headers, bodies) may hold any byte;
// these let the code that writes JSON or quotes input stay valid whatever came in.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace exidx {

// The length (1..4) of the well-formed UTF-8 sequence that starts at
// text[pos], or 0 when none starts there: a stray continuation byte, a
// truncated sequence, an overlong form, a surrogate or a code point above
// U+10FFFF. REQUIRES: pos < text.size().
std::size_t Utf8SequenceLength(std::string_view text, std::size_t pos);

// Whether the whole of `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

// `text` cut to at most `limit` bytes without splitting a UTF-8 sequence.
std::string CutUtf8(std::string text, std::size_t limit);

}  // namespace exidx
