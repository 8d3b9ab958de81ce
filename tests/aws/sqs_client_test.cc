// SqsClient against moto_server's SQS: receive with attributes, the
// visibility timeout, batch deletes (and their per-entry failures), send.
#include "aws/sqs_client.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <thread>

#include "aws/moto_server.h"

namespace exidx::aws {
namespace {

using testing::MotoServer;

class SqsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!MotoServer::Shared().ok()) GTEST_SKIP() << "moto_server unavailable: " << MotoServer::Shared().error();
    auto admin = JsonClient::Create(MotoServer::Shared().Context(), AwsService::kSqs, "AmazonSQS");
    ASSERT_TRUE(admin) << admin.error().message;
    const std::string name =
        std::string("sqs-client-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    auto created = (*admin)->Call("CreateQueue", boost::json::serialize(boost::json::object{{"QueueName", name}}));
    ASSERT_TRUE(created) << created.error().message;
    queue_url_ = std::string(boost::json::parse(*created).at("QueueUrl").as_string());
    auto client = SqsClient::ForQueue(MotoServer::Shared().Context(), queue_url_);
    ASSERT_TRUE(client) << client.error().message;
    client_ = std::move(*client);
  }

  std::string queue_url_;
  std::unique_ptr<SqsClient> client_;
};

TEST_F(SqsClientTest, SendThenReceiveKeepsBodyAndStringAttributes) {
  auto id = client_->Send(R"({"id":"e1"})", {{"ERROR_CODE", "Throttled"}, {"RETRY_ATTEMPTS", "3"}}, Deadline::Never());
  ASSERT_TRUE(id) << id.error().message;
  auto messages = client_->Receive({.max_messages = 10, .visibility_timeout = 30}, Deadline::Never());
  ASSERT_TRUE(messages) << messages.error().message;
  ASSERT_EQ(messages->size(), 1u);
  const QueueMessage& message = messages->front();
  EXPECT_EQ(message.message_id, *id);
  EXPECT_EQ(message.body, R"({"id":"e1"})");
  EXPECT_EQ(message.attributes, (MessageAttributes{{"ERROR_CODE", "Throttled"}, {"RETRY_ATTEMPTS", "3"}}));
  EXPECT_EQ(message.approximate_receive_count, 1);
  EXPECT_FALSE(message.receipt_handle.empty());
}

TEST_F(SqsClientTest, ReceivedMessageIsHiddenUntilDeletedOrItsVisibilityTimeoutEnds) {
  ASSERT_TRUE(client_->Send("a", {}, Deadline::Never()));
  auto first = client_->Receive({.visibility_timeout = 1}, Deadline::Never());
  ASSERT_TRUE(first && first->size() == 1u);
  auto hidden = client_->Receive({.visibility_timeout = 1}, Deadline::Never());
  ASSERT_TRUE(hidden);
  EXPECT_TRUE(hidden->empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto again = client_->Receive({.visibility_timeout = 30}, Deadline::Never());
  ASSERT_TRUE(again && again->size() == 1u);
  EXPECT_EQ(again->front().approximate_receive_count, 2);
  ASSERT_TRUE(client_->DeleteBatch({again->front().receipt_handle}, Deadline::Never()));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto gone = client_->Receive({.visibility_timeout = 30}, Deadline::Never());
  ASSERT_TRUE(gone);
  EXPECT_TRUE(gone->empty());
}

TEST_F(SqsClientTest, DeleteBatchFailsWhenAnEntryFails) {
  ASSERT_TRUE(client_->Send("a", {}, Deadline::Never()));
  auto received = client_->Receive({}, Deadline::Never());
  ASSERT_TRUE(received && received->size() == 1u);
  auto deleted = client_->DeleteBatch({received->front().receipt_handle, "not-a-receipt-handle"}, Deadline::Never());
  ASSERT_FALSE(deleted);
  EXPECT_NE(deleted.error().message.find("not deleted"), std::string::npos) << deleted.error().message;
}

TEST_F(SqsClientTest, OptionsOutOfRangeAreRefusedBeforeAnyCall) {
  auto received = client_->Receive({.max_messages = 11}, Deadline::Never());
  ASSERT_FALSE(received);
  EXPECT_EQ(received.error().code, ErrorCode::kInvalidParameter);
  auto deleted = client_->DeleteBatch({}, Deadline::Never());
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().code, ErrorCode::kInvalidParameter);
}

TEST(QueueUrlRegion, IsTheHostsRegionOrEmpty) {
  EXPECT_EQ(RegionOfQueueUrl("https://sqs.eu-west-1.amazonaws.com/123456789012/exidx-dlq"), "eu-west-1");
  EXPECT_EQ(RegionOfQueueUrl("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q"), "cn-north-1");
  EXPECT_EQ(RegionOfQueueUrl("http://127.0.0.1:5000/123456789012/q"), "");
}

TEST(QueueUrlRegion, SignsForTheQueuesRegionAtItsEndpoint) {
  MapEnvironment env({{"AWS_REGION", "us-east-1"}, {"AWS_ACCESS_KEY_ID", "x"}, {"AWS_SECRET_ACCESS_KEY", "y"}});
  auto client = SqsClient::ForQueue(AwsContext::Default(env), "https://sqs.eu-west-1.amazonaws.com/1/q");
  ASSERT_TRUE(client) << client.error().message;
  EXPECT_EQ((*client)->region(), "eu-west-1");
  auto bad = SqsClient::ForQueue(AwsContext::Default(env), "sqs/q");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidParameter);
}

}  // namespace
}  // namespace exidx::aws
