// JsonWriter: builds compact JSON text directly, for the contract's responses.
// Numbers are written the way people and JavaScript expect (12.345, not 1.2345E1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace exidx {

// Usage: w.BeginObject(); w.Key("a"); w.Int(1); w.EndObject(); w.Take().
// The caller keeps the structure well-formed; commas are placed automatically.
class JsonWriter {
 public:
  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view key);
  void String(std::string_view value);
  void Int(std::int64_t value);
  void Bool(bool value);
  void Null();
  // A non-negative or negative count of milliseconds as seconds: 12345 -> 12.345.
  void MillisAsSeconds(std::int64_t millis);
  // Pre-rendered JSON text, inserted as one value.
  void Raw(std::string_view json);

  std::string Take() { return std::move(out_); }

 private:
  void Open(char c);
  void Close(char c);
  void BeforeValue();

  std::string out_;
  bool need_comma_ = false;
};

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace exidx
