#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "core/json_writer.h"

namespace exidx {
namespace {

TEST(Utf8, SequenceLengths) {
  EXPECT_EQ(Utf8SequenceLength("a", 0), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xC3\xA9", 0), 2u);          // é
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82\xAC", 0), 3u);      // €
  EXPECT_EQ(Utf8SequenceLength("\xF0\x9F\x98\x80", 0), 4u);  // 😀
  EXPECT_EQ(Utf8SequenceLength("\xF4\x8F\xBF\xBF", 0), 4u);  // U+10FFFF
}

TEST(Utf8, RejectsWhatRfc3629Excludes) {
  for (const std::string& bad : std::vector<std::string>{
           std::string("\x80"),              // a continuation byte alone
           std::string("\xC3"),              // truncated
           std::string("\xE2\x82"),          // truncated
           std::string("\xC0\xAF"),          // overlong '/'
           std::string("\xE0\x80\xAF"),      // overlong
           std::string("\xF0\x80\x80\xAF"),  // overlong
           std::string("\xED\xA0\x80"),      // surrogate U+D800
           std::string("\xF4\x90\x80\x80"),  // above U+10FFFF
           std::string("\xFF"),
           std::string("\xFE"),
           std::string("\xC3\x41"),
       }) {
    EXPECT_EQ(Utf8SequenceLength(bad, 0), 0u) << testing::PrintToString(bad);
    EXPECT_FALSE(IsValidUtf8(bad));
  }
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("x\xC3\xA9\xE2\x82\xAC"));
}

TEST(Quoted, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(Quoted("\xFF\xFE"), "'\\xFF\\xFE'");
  EXPECT_EQ(Quoted("a\xC3\xA9z"), "'a\xC3\xA9z'");
  EXPECT_TRUE(IsValidUtf8(Quoted("\xC3(\xED\xA0\x80")));
}

TEST(Quoted, NeverCutsInsideACharacter) {
  // 'x' + 80 x 'é' = 161 bytes: byte 100 falls inside an 'é'.
  std::string input = "x";
  for (int i = 0; i < 80; ++i) input += "\xC3\xA9";
  const std::string quoted = Quoted(input);
  EXPECT_TRUE(IsValidUtf8(quoted)) << quoted;
  std::string expected = "'x";
  for (int i = 0; i < 49; ++i) expected += "\xC3\xA9";  // 99 bytes of input
  expected += "'... (161 bytes)";
  EXPECT_EQ(quoted, expected);
  EXPECT_EQ(Quoted(std::string(100, 'a')), "'" + std::string(100, 'a') + "'");
  EXPECT_EQ(Quoted(std::string(101, 'a')), "'" + std::string(100, 'a') + "'... (101 bytes)");
}

TEST(JsonWriter, ReplacesBytesThatAreNotUtf8) {
  JsonWriter w;
  w.String("a\xFF\xC3\xA9\xED\xA0\x80z\xC3");
  // Each byte outside a well-formed sequence becomes U+FFFD.
  EXPECT_EQ(w.Take(), "\"a\xEF\xBF\xBD\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz\xEF\xBF\xBD\"");
  EXPECT_EQ(JsonQuote("\xE2\x82\xAC\x01"), "\"\xE2\x82\xAC\\u0001\"");
}

}  // namespace
}  // namespace exidx
