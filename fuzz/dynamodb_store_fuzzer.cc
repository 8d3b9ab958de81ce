// DynamoDbStore (src/store/dynamodb/) reading DynamoDB's answers: the store
// runs over a JsonClient whose HTTP answers come from the input, so items and
// responses are parsed exactly as a real answer is. The first byte picks:
//   0: GetItem answered with the rest of the input. A record handed out has
//      a known status and times within range (it renders without UB).
//   1: a Scan (filter, order, limit and cursor from the input) whose Query
//      answers are the rest of the input. At most `limit` records, each
//      matching the filter and after the cursor, each a valid record.
//   2: a record built from the input is written (PutItem) and the item sent
//      is read back (GetItem): Get gives the same record.
// Both table layouts (full, seed indexes only) are used.
#include <fuzzer/FuzzedDataProvider.h>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz_check.h"
#include "record_builder.h"
#include "record_checks.h"
#include "store/dynamodb/dynamodb_store.h"
#include "support/scripted_aws.h"

namespace exidx::fuzz {
namespace {

using testing::OperationOf;
using testing::ScriptedJsonClient;

namespace json = boost::json;

constexpr const char* kFullLayout =
    R"({"Table":{"TableName":"t","TableStatus":"ACTIVE","GlobalSecondaryIndexes":[)"
    R"({"IndexName":"AgentDateIndex","IndexStatus":"ACTIVE"},{"IndexName":"StatusDateIndex","IndexStatus":"ACTIVE"},)"
    R"({"IndexName":"AgentStatusDateIndex","IndexStatus":"ACTIVE"},{"IndexName":"AllDateIndex","IndexStatus":"ACTIVE"}]}})";
constexpr const char* kSeedLayout =
    R"({"Table":{"TableName":"t","TableStatus":"ACTIVE","GlobalSecondaryIndexes":[)"
    R"({"IndexName":"AgentDateIndex","IndexStatus":"ACTIVE"},{"IndexName":"StatusDateIndex","IndexStatus":"ACTIVE"}]}})";

// What the fake DynamoDB answers; one input at a time (libFuzzer runs inputs in turn).
struct Answers {
  std::string describe = kFullLayout;
  std::string get_item;
  std::string query;
  int queries_left = 0;  // Query answers taken from `query`; "{}" (the end) after.
  std::string put_item;  // The last PutItem request.
};
Answers answers;

aws::HttpResponse Answer(const aws::HttpRequest& request) {
  const std::string operation = OperationOf(request);
  aws::HttpResponse response{.status = 200, .headers = {}, .body = "{}"};
  if (operation == "DescribeTable") {
    response.body = answers.describe;
  } else if (operation == "GetItem") {
    response.body = answers.get_item;
  } else if (operation == "Query") {
    // A constant answer with a LastEvaluatedKey would page forever.
    if (answers.queries_left > 0) {
      --answers.queries_left;
      response.body = answers.query;
    }
  } else if (operation == "PutItem") {
    answers.put_item = request.body;
  }
  return response;
}

DynamoDbStore& Store(bool full) {
  auto open = [](const char* layout) {
    answers.describe = layout;
    auto store = DynamoDbStore::Open(ScriptedJsonClient(aws::AwsService::kDynamoDb, "DynamoDB_20120810", Answer),
                                     DynamoDbStoreOptions{.table_name = "t", .token_secret = std::string(32, 's')});
    FUZZ_CHECK(store.has_value());
    return std::move(*store);
  };
  static const std::unique_ptr<DynamoDbStore> full_store = open(kFullLayout);
  static const std::unique_ptr<DynamoDbStore> seed_store = open(kSeedLayout);
  FUZZ_CHECK(full_store->has_full_layout() && !seed_store->has_full_layout());
  return full ? *full_store : *seed_store;
}

ScanRequest ConsumeScanRequest(FuzzedDataProvider& in) {
  ScanRequest request;
  if (in.ConsumeBool()) request.filter.agent_name = ConsumeText(in, 16);
  if (in.ConsumeBool()) request.filter.status = in.PickValueInArray(kAllStatuses);
  if (in.ConsumeBool()) request.filter.start_from = ConsumeTimestamp(in);
  if (in.ConsumeBool()) request.filter.start_to = ConsumeTimestamp(in);
  request.order = in.ConsumeBool() ? SortOrder::kAsc : SortOrder::kDesc;
  request.limit = in.ConsumeIntegralInRange<std::size_t>(0, 60);
  if (in.ConsumeBool()) request.after = Cursor{ConsumeTimestamp(in), ConsumeText(in, 64)};
  return request;
}

void GetAnswered(DynamoDbStore& store, FuzzedDataProvider& in) {
  answers.get_item = in.ConsumeRemainingBytesAsString();
  auto record = store.Get("arn:aws:states:us-east-1:1:execution:m:e");
  if (!record) {
    FUZZ_CHECK(record.error().code == ErrorCode::kInternal);
    return;
  }
  if (*record) CheckRecord(**record);
}

void ScanAnswered(DynamoDbStore& store, FuzzedDataProvider& in) {
  const ScanRequest request = ConsumeScanRequest(in);
  answers.query = in.ConsumeRemainingBytesAsString();
  answers.queries_left = kAllShards;
  auto records = store.Scan(request);
  if (!records) {
    FUZZ_CHECK(records.error().code == ErrorCode::kInternal);
    return;
  }
  FUZZ_CHECK(records->size() <= request.limit);
  for (const ExecutionRecord& record : *records) {
    CheckRecord(record);
    FUZZ_CHECK(Matches(request.filter, record));
    FUZZ_CHECK(!request.after || ComesBefore(*request.after, CursorOf(record), request.order));
  }
}

void WriteAndReadBack(DynamoDbStore& store, FuzzedDataProvider& in) {
  ExecutionRecord record = ConsumeRecord(in, /*utf8=*/true);
  // Reserved keys are never records: Get does not return them.
  if (record.execution_arn.starts_with(kReservedKeyPrefix)) return;
  // The store has no retention: it writes no ttl, whatever the writer set.
  record.ttl.reset();
  auto outcomes = store.Apply({&record, 1});
  FUZZ_CHECK(outcomes.has_value() && outcomes->size() == 1 && outcomes->front() == ApplyOutcome::kIndexed);
  const json::value request = json::parse(answers.put_item);
  answers.get_item = json::serialize(json::object{{"Item", request.at("Item")}});
  auto read = store.Get(record.execution_arn);
  FUZZ_CHECK(read.has_value() && read->has_value() && **read == record);
}

}  // namespace
}  // namespace exidx::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace exidx::fuzz;
  FuzzedDataProvider in(data, size);
  const auto mode = in.ConsumeIntegral<std::uint8_t>();
  exidx::DynamoDbStore& store = Store(mode & 0x80);
  switch (mode % 3) {
    case 0: GetAnswered(store, in); break;
    case 1: ScanAnswered(store, in); break;
    default: WriteAndReadBack(store, in); break;
  }
  return 0;
}
