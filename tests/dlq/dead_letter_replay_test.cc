// DeadLetterReplay against moto_server's SQS and the embedded store: both
// message shapes applied once and deleted only after the apply; invalid
// messages never deleted silently; a delete cut after the apply, and an apply
// that fails, lose nothing (a second replay after the visibility timeout
// applies them again, unchanged, and drains the queue).
#include "indexer/dead_letter_replay.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <thread>

#include "aws/moto_server.h"
#include "dynamodb/fault_proxy.h"
#include "store/rocksdb/rocksdb_store.h"
#include "support/fake_tag_source.h"
#include "support/temp_dir.h"

namespace exidx {
namespace {

namespace json = boost::json;
using aws::SqsClient;
using aws::testing::MotoServer;

constexpr int kVisibilitySeconds = 1;
constexpr auto kPastVisibility = std::chrono::milliseconds(1600);

std::string Event(const std::string& id, const std::string& execution, const std::string& status,
                  const std::string& detail_type = "Step Functions Execution Status Change") {
  const bool running = status == "RUNNING";
  return R"({"version":"0","id":")" + id + R"(","detail-type":")" + detail_type +
         R"(","source":"aws.states","account":"123456789012","time":"2025-09-29T10:00:00Z","region":"us-east-1",)"
         R"("resources":[],"detail":{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:agent:)" +
         execution + R"(","stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:agent","name":")" +
         execution + R"(","status":")" + status + R"(","startDate":1759140000000,"stopDate":)" +
         (running ? "null" : "1759140012345") + "}}";
}

// What the index function's on-failure destination writes.
std::string InvocationRecord(const std::string& event) {
  return R"({"version":"1.0","timestamp":"2026-12-01T10:00:00.000Z","requestContext":{"requestId":"r1",)"
         R"("functionArn":"arn:aws:lambda:us-east-1:123456789012:function:exidx-index-prod:$LATEST",)"
         R"("condition":"RetriesExhausted","approximateInvokeCount":3},"requestPayload":)" +
         event +
         R"(,"responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},)"
         R"("responsePayload":{"errorType":"Unavailable","errorMessage":"throttled"}})";
}

const aws::MessageAttributes kEventBridgeAttributes = {{"RULE_ARN", "arn:aws:events:us-east-1:123456789012:rule/r"},
                                                       {"ERROR_CODE", "SDK_CLIENT_ERROR"},
                                                       {"RETRY_ATTEMPTS", "185"}};

std::string ArnOf(const std::string& execution) {
  return "arn:aws:states:us-east-1:123456789012:execution:agent:" + execution;
}

class DeadLetterReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!server().ok()) GTEST_SKIP() << "moto_server unavailable: " << server().error();
    auto store = RocksDbStore::Open({.path = dir_.File("store"), .durability = Durability::kRelaxed});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    dlq_url_ = CreateQueue("dlq");
    dlq_ = Client(server().Context(), dlq_url_);
  }

  static MotoServer& server() { return MotoServer::Shared(); }

  std::string CreateQueue(const std::string& suffix) {
    auto admin = aws::JsonClient::Create(server().Context(), aws::AwsService::kSqs, "AmazonSQS");
    EXPECT_TRUE(admin);
    const std::string name =
        std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" + suffix;
    auto created = (*admin)->Call("CreateQueue", json::serialize(json::object{{"QueueName", name}}));
    EXPECT_TRUE(created) << created.error().message;
    return std::string(json::parse(*created).at("QueueUrl").as_string());
  }

  static std::unique_ptr<SqsClient> Client(std::shared_ptr<aws::AwsContext> context, const std::string& url) {
    auto client = SqsClient::ForQueue(std::move(context), url, {.retry_base = std::chrono::milliseconds(1)});
    EXPECT_TRUE(client) << client.error().message;
    return std::move(*client);
  }

  void Send(const std::string& body, const aws::MessageAttributes& attributes = kEventBridgeAttributes) {
    auto sent = dlq_->Send(body, attributes, Deadline::Never());
    ASSERT_TRUE(sent) << sent.error().message;
  }

  // Messages in the queue, visible or not (GetQueueAttributes).
  int MessagesIn(const std::string& url) {
    auto admin = aws::JsonClient::Create(server().Context(), aws::AwsService::kSqs, "AmazonSQS");
    auto answer = (*admin)->Call(
        "GetQueueAttributes", json::serialize(json::object{{"QueueUrl", url}, {"AttributeNames", json::array{"All"}}}));
    EXPECT_TRUE(answer) << answer.error().message;
    const json::value parsed = json::parse(*answer);
    const json::object& attributes = parsed.at("Attributes").as_object();
    return std::stoi(std::string(attributes.at("ApproximateNumberOfMessages").as_string())) +
           std::stoi(std::string(attributes.at("ApproximateNumberOfMessagesNotVisible").as_string()));
  }

  Status Replay(SqsClient& queue, DeadLetterCounts* counts, SqsClient* invalid_queue = nullptr) {
    Indexer indexer(*store_, resolver_, clock_);
    DeadLetterReplay replay(queue, invalid_queue, indexer, {.visibility_timeout = kVisibilitySeconds});
    return replay.Run(counts);
  }

  std::optional<ExecutionRecord> Record(const std::string& execution) {
    auto record = store_->Get(ArnOf(execution));
    EXPECT_TRUE(record) << record.error().message;
    return record ? *record : std::nullopt;
  }

  testing::TempDir dir_{"dlq"};
  SystemClock clock_;
  testing::FakeTagSource tags_{{}, Tags{{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}}};
  AgentResolver resolver_{&tags_, AgentRule{}, clock_};
  std::unique_ptr<ExecutionStore> store_;
  std::string dlq_url_;
  std::unique_ptr<SqsClient> dlq_;
};

TEST_F(DeadLetterReplayTest, BothShapesAreAppliedOnceByTheMergeRuleAndDeleted) {
  Send(Event("e1", "a", "RUNNING"));
  Send(InvocationRecord(Event("e2", "a", "SUCCEEDED")), {});
  Send(InvocationRecord(Event("e3", "a", "RUNNING")), {});  // Late: must not hide SUCCEEDED.
  Send(Event("e4", "b", "FAILED"));
  Send(Event("e5", "c", "RUNNING", "Step Functions State Machine Status Change"));  // Foreign: skipped.
  DeadLetterCounts counts;
  Status done = Replay(*dlq_, &counts);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(counts.received, 5u);
  EXPECT_EQ(counts.deleted, 5u);
  EXPECT_EQ(counts.left_in_queue, 0u);
  EXPECT_EQ(counts.invalid, 0u);
  EXPECT_EQ(counts.events.received, 5u);
  EXPECT_EQ(counts.events.skipped, 1u);
  EXPECT_EQ(counts.events.indexed + counts.events.unchanged, 4u);
  ASSERT_TRUE(Record("a"));
  EXPECT_EQ(Record("a")->status, ExecutionStatus::kSucceeded);
  ASSERT_TRUE(Record("b"));
  EXPECT_EQ(Record("b")->status, ExecutionStatus::kFailed);
  EXPECT_FALSE(Record("c"));
  EXPECT_EQ(MessagesIn(dlq_url_), 0);
}

TEST_F(DeadLetterReplayTest, InvalidMessageWithoutInvalidQueueStaysInTheQueue) {
  Send(Event("e1", "a", "DONE"));
  Send(Event("e2", "b", "RUNNING"));
  DeadLetterCounts counts;
  Status done = Replay(*dlq_, &counts);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(counts.received, 2u);
  EXPECT_EQ(counts.invalid, 1u);
  EXPECT_EQ(counts.moved_to_invalid_queue, 0u);
  EXPECT_EQ(counts.deleted, 1u);
  EXPECT_EQ(counts.left_in_queue, 1u);
  EXPECT_EQ(MessagesIn(dlq_url_), 1);
  std::this_thread::sleep_for(kPastVisibility);
  auto again = dlq_->Receive({}, Deadline::Never());
  ASSERT_TRUE(again && again->size() == 1u);
  EXPECT_NE(again->front().body.find("DONE"), std::string::npos);
}

TEST_F(DeadLetterReplayTest, InvalidMessageIsMovedWithItsReasonThenDeleted) {
  const std::string invalid_url = CreateQueue("invalid");
  auto invalid_queue = Client(server().Context(), invalid_url);
  Send(Event("e1", "a", "DONE"));
  DeadLetterCounts counts;
  Status done = Replay(*dlq_, &counts, invalid_queue.get());
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(counts.invalid, 1u);
  EXPECT_EQ(counts.moved_to_invalid_queue, 1u);
  EXPECT_EQ(counts.deleted, 1u);
  EXPECT_EQ(MessagesIn(dlq_url_), 0);
  auto moved = invalid_queue->Receive({}, Deadline::Never());
  ASSERT_TRUE(moved && moved->size() == 1u);
  EXPECT_EQ(moved->front().body, Event("e1", "a", "DONE"));
  EXPECT_EQ(moved->front().attributes.at("ERROR_CODE"), "SDK_CLIENT_ERROR");
  EXPECT_NE(moved->front().attributes.at(std::string(kInvalidReasonAttribute)).find("detail.status"),
            std::string::npos);
}

TEST_F(DeadLetterReplayTest, DeleteCutAfterTheApplyLosesNothingAndReplayingAgainIsIdempotent) {
  testing::FaultProxy proxy(server().url(), 7);
  proxy.SetFaults({.cut_before = 1.0, .operations = {"DeleteMessageBatch"}});
  aws::MapEnvironment env({{"AWS_ENDPOINT_URL", proxy.url()},
                           {"AWS_REGION", "us-east-1"},
                           {"AWS_ACCESS_KEY_ID", "testing"},
                           {"AWS_SECRET_ACCESS_KEY", "testing"}});
  auto faulty = Client(aws::AwsContext::Default(env), dlq_url_);
  Send(Event("e1", "a", "RUNNING"));
  Send(InvocationRecord(Event("e2", "b", "SUCCEEDED")), {});
  DeadLetterCounts first;
  Status cut = Replay(*faulty, &first);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(first.deleted, 0u);
  EXPECT_EQ(first.left_in_queue, 2u);
  EXPECT_EQ(first.events.indexed, 2u);  // Applied before the delete was cut.
  EXPECT_EQ(MessagesIn(dlq_url_), 2);

  std::this_thread::sleep_for(kPastVisibility);
  DeadLetterCounts second;
  Status done = Replay(*dlq_, &second);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(second.received, 2u);
  EXPECT_EQ(second.deleted, 2u);
  EXPECT_EQ(second.events.indexed, 0u);
  EXPECT_EQ(second.events.unchanged, 2u);
  EXPECT_EQ(Record("b")->status, ExecutionStatus::kSucceeded);
  EXPECT_EQ(MessagesIn(dlq_url_), 0);
}

TEST_F(DeadLetterReplayTest, ApplyFailureLeavesTheMessagesForALaterReplay) {
  tags_.FailWith(ErrorCode::kUnavailable, "ThrottlingException: Rate exceeded");
  Send(Event("e1", "a", "RUNNING"));
  DeadLetterCounts first;
  Status failed = Replay(*dlq_, &first);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(first.deleted, 0u);
  EXPECT_EQ(first.left_in_queue, 1u);
  EXPECT_FALSE(Record("a"));
  EXPECT_EQ(MessagesIn(dlq_url_), 1);

  tags_.Recover();
  std::this_thread::sleep_for(kPastVisibility);
  DeadLetterCounts second;
  Status done = Replay(*dlq_, &second);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(second.events.indexed, 1u);
  EXPECT_EQ(second.deleted, 1u);
  EXPECT_EQ(Record("a")->status, ExecutionStatus::kRunning);
  EXPECT_EQ(MessagesIn(dlq_url_), 0);
}

TEST_F(DeadLetterReplayTest, MaxMessagesStopsTheRunThere) {
  for (int i = 0; i < 12; ++i) Send(Event("e" + std::to_string(i), "x" + std::to_string(i), "RUNNING"));
  Indexer indexer(*store_, resolver_, clock_);
  DeadLetterReplay replay(*dlq_, nullptr, indexer, {.visibility_timeout = 30, .max_messages = 3});
  DeadLetterCounts counts;
  Status done = replay.Run(&counts);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(counts.received, 3u);
  EXPECT_EQ(counts.deleted, 3u);
  EXPECT_EQ(MessagesIn(dlq_url_), 9);
}

TEST(DeadLetterCountsRendering, AddsTheMessageCountsToIngestsFields) {
  DeadLetterCounts counts{.events = {.received = 3, .indexed = 2, .unchanged = 0, .skipped = 1},
                          .received = 4,
                          .deleted = 3,
                          .invalid = 1,
                          .moved_to_invalid_queue = 0,
                          .left_in_queue = 1};
  EXPECT_EQ(json::parse(RenderDeadLetterCounts(counts)),
            json::parse(R"({"received":3,"indexed":2,"unchanged":0,"skipped":1,"messagesReceived":4,)"
                        R"("messagesDeleted":3,"messagesInvalid":1,"movedToInvalidQueue":0,"leftInQueue":1})"));
}

}  // namespace
}  // namespace exidx
