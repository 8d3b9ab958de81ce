#include "indexer/tag_source.h"

#include <gtest/gtest.h>

namespace exidx {
namespace {

TEST(FileTagSource, ReadsTagsAndMissingMeansNone) {
  auto source = FileTagSource::Parse(R"({"arn:sm:a": {"Type": "Agent", "AgentName": "x"}, "arn:sm:b": {}})", "t");
  ASSERT_TRUE(source) << source.error().message;
  EXPECT_EQ((*source)->TagsOf("arn:sm:a", Deadline::Never()).value(), (Tags{{"Type", "Agent"}, {"AgentName", "x"}}));
  EXPECT_TRUE((*source)->TagsOf("arn:sm:b", Deadline::Never()).value().empty());
  EXPECT_TRUE((*source)->TagsOf("arn:sm:unknown", Deadline::Never()).value().empty());
}

TEST(FileTagSource, RejectsWrongShapesWithClearMessages) {
  for (const char* bad : {"[]", "{", R"({"a": 1})", R"({"a": {"k": 1}})"}) {
    auto source = FileTagSource::Parse(bad, "tags.json");
    ASSERT_FALSE(source) << bad;
    EXPECT_EQ(source.error().code, ErrorCode::kInvalidParameter);
    EXPECT_NE(source.error().message.find("tags.json"), std::string::npos);
  }
  auto missing = FileTagSource::Load("/nonexistent/tags.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/tags.json"), std::string::npos);
}

}  // namespace
}  // namespace exidx
