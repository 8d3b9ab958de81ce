#include "core/dead_letter.h"

#include <gtest/gtest.h>

namespace exidx {
namespace {

constexpr std::string_view kEvent = R"({"id":"e1","source":"aws.states","detail":{"name":"x"}})";

TEST(DeadLetterBody, EventBridgeTargetBodyIsTheEventItself) {
  auto event = UnwrapDeadLetterBody(kEvent);
  ASSERT_TRUE(event) << event.error().message;
  EXPECT_EQ(*event, kEvent);
}

TEST(DeadLetterBody, LambdaInvocationRecordCarriesTheEventAsRequestPayload) {
  const std::string record = std::string(R"({"version":"1.0","timestamp":"2026-12-01T10:00:00.000Z",)") +
                             R"("requestContext":{"requestId":"r","condition":"RetriesExhausted",)" +
                             R"("approximateInvokeCount":3},"requestPayload":)" + std::string(kEvent) +
                             R"(,"responseContext":{"statusCode":200,"functionError":"Unhandled"},)" +
                             R"("responsePayload":{"errorType":"Unavailable","errorMessage":"throttled"}})";
  auto event = UnwrapDeadLetterBody(record);
  ASSERT_TRUE(event) << event.error().message;
  EXPECT_EQ(*event, kEvent);
}

TEST(DeadLetterBody, InvalidBodiesNameTheProblem) {
  auto not_json = UnwrapDeadLetterBody("{not json");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, ErrorCode::kInvalidEvent);
  EXPECT_NE(not_json.error().message.find("message body: invalid JSON"), std::string::npos);
  auto bad_payload = UnwrapDeadLetterBody(R"({"requestContext":{},"requestPayload":"text"})");
  ASSERT_FALSE(bad_payload);
  EXPECT_EQ(bad_payload.error().code, ErrorCode::kInvalidEvent);
  EXPECT_NE(bad_payload.error().message.find("requestPayload"), std::string::npos);
}

}  // namespace
}  // namespace exidx
