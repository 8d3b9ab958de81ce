// StreamHandler over a recording publisher: what is published, what is
// skipped, and that every failure is the batch's reported first failure.
#include "lambda/stream_handler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <deque>
#include <mutex>

#include "store/dynamodb/item_codec.h"
#include "support/fake_monotonic_clock.h"
#include "support/record_builder.h"
#include "support/stream_event_builder.h"

namespace exidx::lambda {
namespace {

namespace json = boost::json;
using exidx::testing::Exec;
using exidx::testing::StreamEvent;
using exidx::testing::StreamRecord;
using ::testing::HasSubstr;

// Records what it is asked to publish; answers from a queue of statuses (success once it is empty).
class RecordingPublisher final : public ExecutionChangePublisher {
 public:
  Status Publish(const ExecutionRecord& record, const Deadline& deadline) override {
    std::lock_guard lock(mu_);
    attempts_.push_back(record.execution_arn);
    deadlines_.push_back(deadline);
    if (answers_.empty()) {
      published_.push_back(record);
      return {};
    }
    Status answer = answers_.front();
    answers_.pop_front();
    if (answer) published_.push_back(record);
    return answer;
  }
  void Answer(Status status) { answers_.push_back(std::move(status)); }

  std::vector<ExecutionRecord> published_;
  std::vector<std::string> attempts_;
  std::vector<Deadline> deadlines_;

 private:
  std::mutex mu_;
  std::deque<Status> answers_;
};

const ExecutionRecord kRunning =
    Exec("arn:aws:states:us-east-1:1:execution:sm:a", "sql", ExecutionStatus::kRunning, 1'759'140'000'000);
const ExecutionRecord kSucceeded = Exec("arn:aws:states:us-east-1:1:execution:sm:a", "sql", ExecutionStatus::kSucceeded,
                                        1'759'140'000'000, 1'759'140'012'345);
const ExecutionRecord kFailed = Exec("arn:aws:states:us-east-1:1:execution:sm:b", "research", ExecutionStatus::kFailed,
                                     1'759'140'000'000, 1'759'140'001'000);

class StreamHandlerTest : public ::testing::Test {
 protected:
  Result<std::string> Handle(const std::vector<json::object>& records) {
    return handler_.Handle(StreamEvent(records), Deadline::Never());
  }
  static std::string Failures(const Result<std::string>& answer) {
    return answer ? json::serialize(json::parse(*answer).at("batchItemFailures")) : "error: " + answer.error().message;
  }

  RecordingPublisher publisher_;
  std::vector<std::string> log_;
  StreamHandler handler_{publisher_, [this](LogKind, const std::string& line) { log_.push_back(line); }};
};

TEST_F(StreamHandlerTest, PublishesEachChangeInStreamOrderAndSkipsTheRest) {
  auto migrated = dynamodb::EncodeItem(kSucceeded);
  migrated["allShard"] = dynamodb::S("all#9");  // Same version, other attributes: a rewrite.
  json::object secret{{"executionArn", dynamodb::S("#exidx#page-token-secret")}, {"secret", dynamodb::S("x")}};
  const auto answer = Handle({
      StreamRecord("INSERT", "100", dynamodb::EncodeItem(kRunning)),
      StreamRecord("INSERT", "101", secret),
      StreamRecord("MODIFY", "102", dynamodb::EncodeItem(kSucceeded), dynamodb::EncodeItem(kRunning)),
      StreamRecord("MODIFY", "103", migrated, dynamodb::EncodeItem(kSucceeded)),
      StreamRecord("REMOVE", "104", std::nullopt, dynamodb::EncodeItem(kSucceeded)),
      StreamRecord("INSERT", "105", dynamodb::EncodeItem(kFailed)),
  });
  EXPECT_EQ(Failures(answer), "[]");
  ASSERT_EQ(publisher_.published_.size(), 3u);
  EXPECT_EQ(publisher_.published_[0], kRunning);
  EXPECT_EQ(publisher_.published_[1], kSucceeded);
  EXPECT_EQ(publisher_.published_[2], kFailed);
  ASSERT_FALSE(log_.empty());
  EXPECT_THAT(log_.back(), HasSubstr("3 published, 1 removed, 1 reserved, 1 unchanged"));
}

TEST_F(StreamHandlerTest, AFailedPublishIsTheFirstFailureAndNothingAfterItIsTried) {
  publisher_.Answer({});
  publisher_.Answer(Fail(ErrorCode::kUnavailable, "appsync: HTTP 500 (after 4 attempts)"));
  const auto answer = Handle({
      StreamRecord("INSERT", "200", dynamodb::EncodeItem(kRunning)),
      StreamRecord("MODIFY", "201", dynamodb::EncodeItem(kSucceeded), dynamodb::EncodeItem(kRunning)),
      StreamRecord("INSERT", "202", dynamodb::EncodeItem(kFailed)),
  });
  EXPECT_EQ(Failures(answer), R"([{"itemIdentifier":"201"}])");
  EXPECT_EQ(publisher_.attempts_.size(), 2u);
  EXPECT_TRUE(std::any_of(log_.begin(), log_.end(), [](const std::string& line) {
    return line.find("record 201") != std::string::npos && line.find("HTTP 500") != std::string::npos;
  }));
}

TEST_F(StreamHandlerTest, AnUndecodableOrMissingNewImageIsAFailureNamedInTheLog) {
  auto corrupt = dynamodb::EncodeItem(kFailed);
  corrupt.erase("status");
  auto answer =
      Handle({StreamRecord("INSERT", "300", dynamodb::EncodeItem(kRunning)), StreamRecord("INSERT", "301", corrupt),
              StreamRecord("INSERT", "302", dynamodb::EncodeItem(kSucceeded))});
  EXPECT_EQ(Failures(answer), R"([{"itemIdentifier":"301"}])");
  EXPECT_EQ(publisher_.attempts_.size(), 1u);
  EXPECT_TRUE(std::any_of(log_.begin(), log_.end(), [](const std::string& line) {
    return line.find("record 301") != std::string::npos && line.find("status missing") != std::string::npos;
  }));

  auto keys_only = StreamRecord("INSERT", "400", dynamodb::EncodeItem(kRunning));
  keys_only.at("dynamodb").as_object().erase("NewImage");
  EXPECT_EQ(Failures(Handle({keys_only})), R"([{"itemIdentifier":"400"}])");
}

TEST_F(StreamHandlerTest, AModifyWhoseOldImageDoesNotDecodeIsPublished) {
  auto corrupt = dynamodb::EncodeItem(kSucceeded);
  corrupt.erase("startDate");
  EXPECT_EQ(Failures(Handle({StreamRecord("MODIFY", "500", dynamodb::EncodeItem(kSucceeded), corrupt)})), "[]");
  EXPECT_EQ(publisher_.published_.size(), 1u);
}

TEST_F(StreamHandlerTest, WhatIsNotAStreamEventIsAnInvalidEvent) {
  for (const std::string payload : {R"({"detail-type":"x"})", "[]", "not json", R"({"Records":{}})"}) {
    auto answer = handler_.Handle(payload, Deadline::Never());
    ASSERT_FALSE(answer) << payload;
    EXPECT_EQ(answer.error().code, ErrorCode::kInvalidEvent);
  }
  auto no_sequence = StreamRecord("INSERT", "600", dynamodb::EncodeItem(kRunning));
  no_sequence.at("dynamodb").as_object().erase("SequenceNumber");
  auto answer = Handle({no_sequence});
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::kInvalidEvent);
  auto unknown = StreamRecord("UPSERT", "601", dynamodb::EncodeItem(kRunning));
  answer = Handle({unknown});
  ASSERT_FALSE(answer);
  EXPECT_THAT(answer.error().message, HasSubstr("UPSERT"));
  EXPECT_TRUE(publisher_.attempts_.empty());
}

TEST_F(StreamHandlerTest, PublishesEndBeforeTheInvocationDeadlineLeavingTimeToAnswer) {
  exidx::testing::FakeMonotonicClock clock;
  auto answer = handler_.Handle(StreamEvent({StreamRecord("INSERT", "700", dynamodb::EncodeItem(kRunning))}),
                                Deadline::After(std::chrono::seconds(5), clock));
  EXPECT_EQ(Failures(answer), "[]");
  ASSERT_EQ(publisher_.deadlines_.size(), 1u);
  EXPECT_EQ(publisher_.deadlines_[0].Remaining(), std::chrono::seconds(5) - StreamHandler::kAnswerReserve);
}

TEST(ExecutionChangeVariablesTest, TheRecordsContractFieldsAsTheApiRendersThem) {
  ExecutionRecord record = kFailed;
  record.redrive_count = 2;
  record.ttl = 1'800'000'000;
  EXPECT_EQ(ExecutionChangeVariables(record),
            R"({"input":{"executionArn":"arn:aws:states:us-east-1:1:execution:sm:b","executionName":"b",)"
            R"("agentName":"research","stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:research",)"
            R"("status":"FAILED","startDate":"2025-09-29T10:00:00.000Z","stopDate":"2025-09-29T10:00:01.000Z",)"
            R"("durationSeconds":1,"indexedAt":")" +
                FormatTimestamp(record.indexed_at) +
                R"(","error":"States.TaskFailed","cause":"boom","redriveCount":2}})");
  const auto running = json::parse(ExecutionChangeVariables(kRunning)).at("input").as_object();
  EXPECT_FALSE(running.contains("stopDate"));
  EXPECT_FALSE(running.contains("durationSeconds"));
  EXPECT_FALSE(running.contains("redriveCount"));
}

}  // namespace
}  // namespace exidx::lambda
