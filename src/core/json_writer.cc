#include "core/json_writer.h"

#include <fmt/format.h>

#include "core/utf8.h"

namespace exidx {
namespace {

// JSON text must be UTF-8 (RFC 8259 section 8.1), whatever the input: a byte
// that is not part of well-formed UTF-8 becomes U+FFFD, as a decoder would
// show it. Records hold only valid text (events are parsed as JSON), so the
// replacement matters for error messages and logs that quote raw input.
void AppendQuoted(std::string& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    const char c = text[pos];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20) {
          out += fmt::format("\\u{:04x}", byte);
        } else if (byte < 0x80) {
          out.push_back(c);
        } else if (const std::size_t length = Utf8SequenceLength(text, pos); length == 0) {
          out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
        } else {
          out.append(text.substr(pos, length));
          pos += length - 1;
        }
      }
    }
  }
  out.push_back('"');
}

}  // namespace

void JsonWriter::Open(char c) {
  BeforeValue();
  out_.push_back(c);
  need_comma_ = false;
}

void JsonWriter::Close(char c) {
  out_.push_back(c);
  need_comma_ = true;
}

void JsonWriter::BeforeValue() {
  if (need_comma_) out_.push_back(',');
  need_comma_ = true;
}

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendQuoted(out_, key);
  out_.push_back(':');
  need_comma_ = false;
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendQuoted(out_, value);
}

void JsonWriter::Int(std::int64_t value) {
  BeforeValue();
  fmt::format_to(std::back_inserter(out_), "{}", value);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ += value ? "true" : "false";
}

void JsonWriter::Null() {
  BeforeValue();
  out_ += "null";
}

void JsonWriter::MillisAsSeconds(std::int64_t millis) {
  BeforeValue();
  if (millis < 0) {
    out_.push_back('-');
    millis = -millis;
  }
  fmt::format_to(std::back_inserter(out_), "{}", millis / 1000);
  std::int64_t fraction = millis % 1000;
  if (fraction == 0) return;
  int digits = 3;
  while (fraction % 10 == 0) {
    fraction /= 10;
    --digits;
  }
  fmt::format_to(std::back_inserter(out_), ".{:0{}}", fraction, digits);
}

void JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_.append(json);
}

std::string JsonQuote(std::string_view text) {
  std::string out;
  AppendQuoted(out, text);
  return out;
}

}  // namespace exidx
