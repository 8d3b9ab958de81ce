// DynamoDbStore reading items that DynamoDB answers, through a scripted HTTP
// client (no network): what a corrupt item gives.
#include <gtest/gtest.h>

#include <string>

#include "store/dynamodb/dynamodb_store.h"
#include "support/scripted_aws.h"

namespace exidx::testing {
namespace {

constexpr const char* kFullLayout =
    R"({"Table":{"TableName":"t","TableStatus":"ACTIVE","GlobalSecondaryIndexes":[)"
    R"({"IndexName":"AgentDateIndex","IndexStatus":"ACTIVE"},{"IndexName":"StatusDateIndex","IndexStatus":"ACTIVE"},)"
    R"({"IndexName":"AgentStatusDateIndex","IndexStatus":"ACTIVE"},{"IndexName":"AllDateIndex","IndexStatus":"ACTIVE"}]}})";

constexpr const char* kArn = "arn:aws:states:us-east-1:1:execution:m:e";

// A GetItem answer holding an item whose attributes end with `extra`.
std::string ItemWith(const std::string& extra) {
  return std::string(R"({"Item":{"executionArn":{"S":")") + kArn +
         R"("},"agentName":{"S":"a"},"stateMachineArn":{"S":"arn:aws:states:us-east-1:1:stateMachine:m"},)"
         R"("executionName":{"S":"e"},"status":{"S":"RUNNING"},"startDate":{"S":"2025-09-29T10:00:00.000Z"},)"
         R"("indexedAt":{"S":"2025-09-29T10:00:00.000Z"})" +
         extra + "}}";
}

class DynamoDbItemTest : public ::testing::Test {
 protected:
  Result<std::optional<ExecutionRecord>> GetAnswered(const std::string& item) {
    item_ = item;
    return store_->Get(kArn);
  }

  std::string item_;
  std::unique_ptr<DynamoDbStore> store_ =
      DynamoDbStore::Open(ScriptedJsonClient(aws::AwsService::kDynamoDb, "DynamoDB_20120810",
                                             [this](const aws::HttpRequest& request) {
                                               const std::string body =
                                                   OperationOf(request) == "DescribeTable" ? kFullLayout : item_;
                                               return aws::HttpResponse{.status = 200, .headers = {}, .body = body};
                                             }),
                          DynamoDbStoreOptions{.table_name = "t", .token_secret = std::string(32, 's')})
          .value();
};

TEST_F(DynamoDbItemTest, IntegerAttributesAreRead) {
  // A ttl far ahead (2100): an item whose ttl has passed is not returned at all.
  auto record = GetAnswered(ItemWith(R"(,"redriveCount":{"N":"3"},"ttl":{"N":"4102444800"})"));
  ASSERT_TRUE(record) << record.error().message;
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->redrive_count, 3);
  EXPECT_EQ((*record)->ttl, 4102444800);
  auto plain = GetAnswered(ItemWith(""));
  ASSERT_TRUE(plain && plain->has_value());
  EXPECT_EQ((*plain)->redrive_count, 0);
  EXPECT_FALSE((*plain)->ttl);
}

// "12abc" once read as 12, and anything unparsable as absent.
TEST_F(DynamoDbItemTest, AMalformedIntegerIsACorruptItemNamingTheAttribute) {
  for (const std::string& attribute :
       {std::string(R"("redriveCount":{"N":"12abc"})"), std::string(R"("redriveCount":{"N":""})"),
        std::string(R"("redriveCount":{"S":"3"})"), std::string(R"("redriveCount":{"N":"-1"})"),
        std::string(R"("redriveCount":{"N":"99999999999999999999"})"), std::string(R"("ttl":{"N":"1.5"})"),
        std::string(R"("ttl":7)")}) {
    auto record = GetAnswered(ItemWith("," + attribute));
    ASSERT_FALSE(record) << attribute;
    EXPECT_EQ(record.error().code, ErrorCode::kInternal) << attribute;
    const std::string name = attribute.substr(1, attribute.find('"', 1) - 1);
    EXPECT_NE(record.error().message.find(name), std::string::npos) << record.error().message;
    EXPECT_NE(record.error().message.find(kArn), std::string::npos) << record.error().message;
  }
}

}  // namespace
}  // namespace exidx::testing
