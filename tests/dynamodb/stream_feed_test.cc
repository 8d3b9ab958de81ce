// TableStreamFeed against a loopback fake of the DynamoDB Streams API: a
// small scripted server speaking DescribeStream (paged), GetShardIterator and
// GetRecords over a tree of shards that the test grows, closes, trims and
// breaks while the feed reads it.
#include "store/dynamodb/stream_feed.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "aws/curl_http_client.h"
#include "aws/loopback_http_server.h"
#include "core/retention.h"
#include "store/dynamodb/item_codec.h"
#include "support/record_builder.h"

namespace exidx {
namespace {

namespace json = boost::json;
using aws::testing::CannedResponse;
using aws::testing::LoopbackHttpServer;
using aws::testing::RecordedRequest;
using namespace std::chrono_literals;

constexpr std::string_view kStreamArn = "arn:aws:dynamodb:us-east-1:1:table/T/stream/2026-12-01T00:00:00.000";
constexpr EpochMillis kT0 = 1'759'140'000'000;

std::string ArnOf(const std::string& name) {
  return "arn:aws:states:us-east-1:123456789012:execution:alpha:" + name;
}

ExecutionRecord RecordOf(const std::string& name, ExecutionStatus status = ExecutionStatus::kRunning) {
  return testing::Exec(ArnOf(name), "alpha", status, kT0);
}

// The Streams API over shards the test scripts. Sequence numbers are one
// counter for the whole stream, as DynamoDB's grow across shards.
class FakeStreams {
 public:
  struct Shard {
    std::string parent;
    std::vector<json::object> records;
    std::size_t trimmed = 0;  // Records before it are past the trim horizon.
    bool closed = false;
    bool listed = true;
  };

  void AddShard(const std::string& id, const std::string& parent = "") {
    std::lock_guard lock(mu_);
    shards_[id].parent = parent;
    order_.push_back(id);
  }

  // Appends an INSERT of `record`'s item (`event` "MODIFY" or "REMOVE" instead).
  void Put(const std::string& shard, const ExecutionRecord& record, const std::string& event = "INSERT") {
    PutImage(shard, dynamodb::EncodeItem(record), event);
  }

  void PutImage(const std::string& shard, json::object image, const std::string& event = "INSERT") {
    std::lock_guard lock(mu_);
    json::object change{{"SequenceNumber", std::to_string(next_sequence_++)},
                        {"Keys", json::object{{"executionArn", image["executionArn"]}}},
                        {"StreamViewType", "NEW_AND_OLD_IMAGES"}};
    if (event == "REMOVE") {
      change["OldImage"] = std::move(image);
    } else {
      change["NewImage"] = std::move(image);
    }
    shards_.at(shard).records.push_back(
        json::object{{"eventID", "e"}, {"eventName", event}, {"eventSource", "aws:dynamodb"}, {"dynamodb", change}});
  }

  void Close(const std::string& shard) {
    std::lock_guard lock(mu_);
    shards_.at(shard).closed = true;
  }
  void Unlist(const std::string& shard) {
    std::lock_guard lock(mu_);
    shards_.at(shard).listed = false;
  }
  // Records before the n-th of `shard` are trimmed; iterators before it fail.
  void TrimBefore(const std::string& shard, std::size_t n) {
    std::lock_guard lock(mu_);
    shards_.at(shard).trimmed = n;
  }
  // The next `times` GetRecords answer this error (type) instead.
  void FailGetRecords(const std::string& type, int status, int times) {
    std::lock_guard lock(mu_);
    fail_type_ = type;
    fail_status_ = status;
    fail_times_ = times;
  }

  CannedResponse Handle(const RecordedRequest& request) {
    std::lock_guard lock(mu_);
    const std::string target(aws::HeaderValue(request.headers, "X-Amz-Target").value_or(""));
    const json::object body = json::parse(request.body).as_object();
    calls_.push_back(target.substr(target.find('.') + 1) + " " + request.body);
    if (target == "DynamoDBStreams_20120810.DescribeStream") return DescribeStream(body);
    if (target == "DynamoDBStreams_20120810.GetShardIterator") return GetShardIterator(body);
    if (target == "DynamoDBStreams_20120810.GetRecords") return GetRecords(body);
    return Error(400, "UnknownOperationException", target);
  }

  std::vector<std::string> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  static CannedResponse Error(int status, const std::string& type, const std::string& message) {
    return CannedResponse{.status = status,
                          .body = json::serialize(json::object{{"__type", "com.amazonaws.dynamodb.v20120810#" + type},
                                                               {"message", message}})};
  }
  static CannedResponse Ok(const json::object& body) {
    return CannedResponse{.status = 200, .body = json::serialize(body)};
  }

  // Two shards a page, so that the feed must follow LastEvaluatedShardId.
  CannedResponse DescribeStream(const json::object& body) {
    std::vector<std::string> listed;
    for (const auto& id : order_) {
      if (shards_.at(id).listed) listed.push_back(id);
    }
    std::size_t from = 0;
    if (const auto* start = body.if_contains("ExclusiveStartShardId")) {
      while (from < listed.size() && listed[from] != start->as_string()) ++from;
      ++from;
    }
    json::array shards;
    for (std::size_t i = from; i < listed.size() && i < from + 2; ++i) {
      const Shard& shard = shards_.at(listed[i]);
      json::object range{{"StartingSequenceNumber", "1"}};
      if (shard.closed) range["EndingSequenceNumber"] = std::to_string(next_sequence_);
      json::object entry{{"ShardId", listed[i]}, {"SequenceNumberRange", range}};
      if (!shard.parent.empty()) entry["ParentShardId"] = shard.parent;
      shards.push_back(std::move(entry));
    }
    json::object description{{"StreamArn", kStreamArn}, {"StreamStatus", "ENABLED"}, {"Shards", shards}};
    if (from + 2 < listed.size()) description["LastEvaluatedShardId"] = listed[from + 1];
    return Ok(json::object{{"StreamDescription", description}});
  }

  CannedResponse GetShardIterator(const json::object& body) {
    const std::string id(body.at("ShardId").as_string());
    auto it = shards_.find(id);
    if (it == shards_.end() || !it->second.listed) return Error(400, "ResourceNotFoundException", "no shard " + id);
    const Shard& shard = it->second;
    const std::string type(body.at("ShardIteratorType").as_string());
    std::size_t position = 0;
    if (type == "TRIM_HORIZON") {
      position = shard.trimmed;
    } else if (type == "LATEST") {
      position = shard.records.size();
    } else if (type == "AFTER_SEQUENCE_NUMBER") {
      const std::string sequence(body.at("SequenceNumber").as_string());
      while (position < shard.records.size() &&
             shard.records[position].at("dynamodb").at("SequenceNumber").as_string() != sequence) {
        ++position;
      }
      ++position;
      if (position <= shard.trimmed) return Error(400, "TrimmedDataAccessException", "trimmed");
    } else {
      return Error(400, "ValidationException", type);
    }
    return Ok(json::object{{"ShardIterator", NewIterator(id, position)}});
  }

  CannedResponse GetRecords(const json::object& body) {
    if (fail_times_ > 0) {
      --fail_times_;
      return Error(fail_status_, fail_type_, "scripted");
    }
    auto iterator = iterators_.find(std::string(body.at("ShardIterator").as_string()));
    if (iterator == iterators_.end()) return Error(400, "ValidationException", "unknown iterator");
    const auto [id, position] = iterator->second;
    auto it = shards_.find(id);
    if (it == shards_.end() || !it->second.listed) return Error(400, "ResourceNotFoundException", "no shard " + id);
    const Shard& shard = it->second;
    if (position < shard.trimmed) return Error(400, "TrimmedDataAccessException", "trimmed");
    const auto limit = static_cast<std::size_t>(body.at("Limit").as_int64());
    json::array records;
    std::size_t next = position;
    for (; next < shard.records.size() && next < position + limit; ++next) records.push_back(shard.records[next]);
    json::object answer{{"Records", records}};
    if (shard.closed && next == shard.records.size()) {
      calls_.push_back("end " + id);
    } else {
      answer["NextShardIterator"] = NewIterator(id, next);
    }
    return Ok(answer);
  }

  std::string NewIterator(const std::string& shard, std::size_t position) {
    std::string token = "it-" + std::to_string(next_iterator_++);
    iterators_[token] = {shard, position};
    return token;
  }

  mutable std::mutex mu_;
  std::map<std::string, Shard> shards_;
  std::vector<std::string> order_;
  std::map<std::string, std::pair<std::string, std::size_t>> iterators_;
  std::uint64_t next_sequence_ = 100;
  std::uint64_t next_iterator_ = 1;
  std::string fail_type_;
  int fail_status_ = 0;
  int fail_times_ = 0;
  std::vector<std::string> calls_;
};

class FixedClock final : public Clock {
 public:
  EpochMillis NowMillis() const override { return kT0; }
};

class StreamFeedTest : public ::testing::Test {
 protected:
  StreamFeedTest() : server_([this](const RecordedRequest& request) { return fake_.Handle(request); }) {}

  void Start(TableStreamFeedOptions options = {}, std::chrono::milliseconds list_interval = 20ms) {
    options.poll_interval = 5ms;
    options.shard_list_interval = list_interval;
    options.max_backoff = 40ms;
    options.diagnostics = [this](std::string_view line) {
      std::lock_guard lock(mu_);
      diagnostics_.emplace_back(line);
    };
    auto context = std::make_shared<aws::AwsContext>(
        env_, std::make_unique<aws::CurlHttpClient>(),
        std::make_unique<aws::StaticCredentialsProvider>(
            aws::AwsCredentials{.access_key_id = "AKIDEXAMPLE", .secret_access_key = "SECRETSECRETSECRET"}),
        clock_);
    // One attempt per call: every failure the fake scripts reaches the feed.
    auto client = std::make_unique<aws::JsonClient>(context, aws::AwsService::kDynamoDbStreams,
                                                    "DynamoDBStreams_20120810", "us-east-1", server_.url(),
                                                    aws::JsonClientOptions{.timeout = 5s, .max_attempts = 1});
    feed_ = std::make_unique<TableStreamFeed>(std::move(client), std::string(kStreamArn), std::move(options));
    feed_->SetListener([this] { ++notified_; });
    auto started = feed_->Start();
    ASSERT_TRUE(started) << started.error().message;
  }

  // Waits (up to 10 s) until the feed holds `n` changes after `after`; all of them.
  std::vector<RecordChange> WaitFor(std::size_t n, std::uint64_t after = 0) {
    for (int i = 0; i < 2000; ++i) {
      ChangeRange range = feed_->ReadChanges(after, 10'000, SecondsOf(kT0));
      if (range.changes.size() >= n) return range.changes;
      std::this_thread::sleep_for(5ms);
    }
    return feed_->ReadChanges(after, 10'000, SecondsOf(kT0)).changes;
  }

  // Waits until `done` holds of the feed's stats (up to 10 s).
  bool WaitUntil(const std::function<bool(const TableStreamFeedStats&)>& done) {
    for (int i = 0; i < 2000; ++i) {
      if (done(feed_->Stats())) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  static std::vector<std::string> NamesOf(const std::vector<RecordChange>& changes) {
    std::vector<std::string> names;
    for (const auto& change : changes) names.push_back(change.record.execution_name);
    return names;
  }

  std::string Diagnostics() {
    std::lock_guard lock(mu_);
    std::string all;
    for (const auto& line : diagnostics_) all += line + "\n";
    return all;
  }

  FakeStreams fake_;
  LoopbackHttpServer server_;
  aws::MapEnvironment env_;
  FixedClock clock_;
  std::unique_ptr<TableStreamFeed> feed_;
  std::atomic<int> notified_{0};
  std::mutex mu_;
  std::vector<std::string> diagnostics_;
};

// A parent shard that closes with records still unread and two children
// already listed: the parent is read to its end first, then the children
// from their start; within each shard the order is kept; what was written
// before Start is not a change; ids count from 1 under one tag.
TEST_F(StreamFeedTest, ReadsParentsToTheirEndBeforeChildren) {
  fake_.AddShard("shard-0");  // Closed before the start: never read.
  fake_.Close("shard-0");
  fake_.AddShard("shard-p");
  fake_.Put("shard-p", RecordOf("before-start"));
  // The list is read every round: the children are known while the parent
  // still has records to read.
  Start(TableStreamFeedOptions{.records_per_call = 2}, 0ms);
  fake_.Put("shard-p", RecordOf("p1"));
  ASSERT_EQ(NamesOf(WaitFor(1)), std::vector<std::string>{"p1"});
  {
    // At once, between two rounds: the parent holds 5 unread records when its
    // children are listed, and the children have records of their own.
    for (const char* name : {"p2", "p3", "p4", "p5", "p6"}) fake_.Put("shard-p", RecordOf(name));
    fake_.Close("shard-p");
    fake_.AddShard("shard-c1", "shard-p");
    fake_.AddShard("shard-c2", "shard-p");
    fake_.Put("shard-c1", RecordOf("c1-a"));
    fake_.Put("shard-c2", RecordOf("c2-a"));
    fake_.Put("shard-c1", RecordOf("c1-b"));
  }
  auto changes = WaitFor(9);
  ASSERT_EQ(changes.size(), 9u) << Diagnostics();
  const auto names = NamesOf(changes);
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 6),
            (std::vector<std::string>{"p1", "p2", "p3", "p4", "p5", "p6"}));
  std::vector<std::string> c1, c2;
  for (std::size_t i = 6; i < names.size(); ++i) (names[i].starts_with("c1") ? c1 : c2).push_back(names[i]);
  EXPECT_EQ(c1, (std::vector<std::string>{"c1-a", "c1-b"}));
  EXPECT_EQ(c2, (std::vector<std::string>{"c2-a"}));
  const std::uint64_t base = std::uint64_t{feed_->tag()} << 40;
  ASSERT_NE(feed_->tag(), 0u);
  for (std::size_t i = 0; i < changes.size(); ++i) EXPECT_EQ(changes[i].sequence, base + i + 1);
  EXPECT_EQ(changes[0].record, RecordOf("p1"));
  EXPECT_EQ(feed_->Stats().shards_finished, 1u);
  EXPECT_GT(notified_.load(), 0);
  // No child was asked for an iterator before its parent was read to the end.
  bool parent_done = false, children_started = false;
  for (const auto& call : fake_.calls()) {
    if (call.starts_with("GetShardIterator") && call.find("shard-c") != std::string::npos) {
      EXPECT_TRUE(parent_done) << call;
      children_started = true;
    }
    parent_done |= call == "end shard-p";
  }
  EXPECT_TRUE(children_started);
  EXPECT_EQ(Diagnostics(), "");
}

TEST_F(StreamFeedTest, SkipsReservedItemsRemovalsAndUndecodableImages) {
  fake_.AddShard("shard-1");
  Start();
  fake_.PutImage("shard-1", json::object{{"executionArn", dynamodb::S("#exidx#checkpoint#backfill/x")},
                                         {"checkpoint", dynamodb::S("{}")}});
  fake_.Put("shard-1", RecordOf("expired-item"), "REMOVE");
  json::object broken = dynamodb::EncodeItem(RecordOf("broken"));
  broken.erase("agentName");
  fake_.PutImage("shard-1", broken, "MODIFY");
  fake_.Put("shard-1", RecordOf("kept", ExecutionStatus::kSucceeded), "MODIFY");
  ASSERT_TRUE(WaitUntil(
      [](const TableStreamFeedStats& s) { return s.changes + s.undecodable + s.reserved + s.removals >= 4; }));
  const auto changes = WaitFor(1);
  EXPECT_EQ(NamesOf(changes), std::vector<std::string>{"kept"});
  const TableStreamFeedStats stats = feed_->Stats();
  EXPECT_EQ(stats.changes, 1u);
  EXPECT_EQ(stats.reserved, 1u);
  EXPECT_EQ(stats.removals, 1u);
  EXPECT_EQ(stats.undecodable, 1u);
  EXPECT_NE(Diagnostics().find(ArnOf("broken")), std::string::npos) << Diagnostics();
  EXPECT_EQ(stats.gaps, 0u);
}

// An iterator that expired is renewed after the last record read: nothing
// lost, nothing twice, and no reader told it missed anything.
TEST_F(StreamFeedTest, RenewsAnExpiredIteratorAfterTheLastRecordRead) {
  fake_.AddShard("shard-1");
  Start();
  fake_.Put("shard-1", RecordOf("r1"));
  const auto first = WaitFor(1);
  ASSERT_EQ(first.size(), 1u);
  fake_.FailGetRecords("ExpiredIteratorException", 400, 1);
  fake_.Put("shard-1", RecordOf("r2"));
  fake_.Put("shard-1", RecordOf("r3"));
  const auto rest = WaitFor(2, first[0].sequence);
  EXPECT_EQ(NamesOf(rest), (std::vector<std::string>{"r2", "r3"}));
  const ChangeRange all = feed_->ReadChanges(0, 100, SecondsOf(kT0));
  EXPECT_EQ(NamesOf(all.changes), (std::vector<std::string>{"r1", "r2", "r3"}));
  EXPECT_FALSE(feed_->ReadChanges(first[0].sequence, 100, SecondsOf(kT0)).missed);
  EXPECT_EQ(feed_->Stats().gaps, 0u);
  bool renewed = false;
  for (const auto& call : fake_.calls()) renewed |= call.find("AFTER_SEQUENCE_NUMBER") != std::string::npos;
  EXPECT_TRUE(renewed);
}

// Records trimmed before they were read: readers before that point are told
// they missed changes; those after it are not, and reading goes on.
TEST_F(StreamFeedTest, TrimmedRecordsMarkAGap) {
  fake_.AddShard("shard-1");
  Start();
  fake_.Put("shard-1", RecordOf("r1"));
  const auto first = WaitFor(1);
  ASSERT_EQ(first.size(), 1u);
  fake_.FailGetRecords("TrimmedDataAccessException", 400, 1);
  fake_.Put("shard-1", RecordOf("lost"));
  fake_.TrimBefore("shard-1", 2);  // r1 and "lost" are past the trim horizon.
  fake_.Put("shard-1", RecordOf("r3"));
  ASSERT_TRUE(WaitUntil([](const TableStreamFeedStats& s) { return s.gaps == 1 && s.changes == 2; })) << Diagnostics();
  const ChangeRange before_gap = feed_->ReadChanges(first[0].sequence, 100, SecondsOf(kT0));
  EXPECT_TRUE(before_gap.missed);
  EXPECT_EQ(NamesOf(before_gap.changes), std::vector<std::string>{"r3"});
  // The gap has an id of its own: a reader there (the reset's id) misses nothing.
  const ChangeRange from_gap = feed_->ReadChanges(first[0].sequence + 1, 100, SecondsOf(kT0));
  EXPECT_FALSE(from_gap.missed);
  EXPECT_EQ(NamesOf(from_gap.changes), std::vector<std::string>{"r3"});
  EXPECT_EQ(from_gap.latest, first[0].sequence + 2);
  EXPECT_NE(Diagnostics().find("trimmed"), std::string::npos);
}

// A shard that vanishes from the list before it was read to its end lost
// records; one that is finished may vanish freely.
TEST_F(StreamFeedTest, AShardGoneBeforeItsEndMarksAGap) {
  fake_.AddShard("shard-1");
  fake_.AddShard("shard-2");
  Start();
  fake_.Put("shard-1", RecordOf("r1"));
  const auto first = WaitFor(1);
  ASSERT_EQ(first.size(), 1u);
  fake_.Unlist("shard-2");
  ASSERT_TRUE(WaitUntil([](const TableStreamFeedStats& s) { return s.gaps == 1; })) << Diagnostics();
  EXPECT_TRUE(feed_->ReadChanges(first[0].sequence, 100, SecondsOf(kT0)).missed);
  fake_.Put("shard-1", RecordOf("r2"));
  const ChangeRange latest = feed_->ReadChanges(0, 0, SecondsOf(kT0));
  EXPECT_EQ(NamesOf(WaitFor(1, latest.latest)), std::vector<std::string>{"r2"});
  EXPECT_EQ(feed_->Stats().gaps, 1u);
}

// Throttling (LimitExceededException, ProvisionedThroughputExceeded) and 5xx
// are waited out: counted, reported, and no record lost.
TEST_F(StreamFeedTest, BacksOffOnThrottlingAndServerErrors) {
  fake_.AddShard("shard-1");
  Start();
  fake_.FailGetRecords("LimitExceededException", 400, 3);
  fake_.Put("shard-1", RecordOf("r1"));
  ASSERT_EQ(NamesOf(WaitFor(1)), std::vector<std::string>{"r1"});
  fake_.FailGetRecords("InternalServerError", 500, 2);
  fake_.Put("shard-1", RecordOf("r2"));
  ASSERT_EQ(NamesOf(WaitFor(2)), (std::vector<std::string>{"r1", "r2"}));
  EXPECT_EQ(feed_->Stats().failures, 5u);
  EXPECT_EQ(feed_->Stats().gaps, 0u);
  EXPECT_NE(Diagnostics().find("LimitExceededException"), std::string::npos) << Diagnostics();
}

// The ids: another tag (another server, or this one before a restart) and
// ids older than the buffer answer missed; an id beyond the newest is
// answered without changes, so that the reader sees it is ahead; `latest`
// is of this tag even before the first change.
TEST_F(StreamFeedTest, IdsOfOtherInstancesAndTrimmedOnesAreMissed) {
  fake_.AddShard("shard-1");
  Start(TableStreamFeedOptions{.capacity = 3});
  const std::uint64_t base = std::uint64_t{feed_->tag()} << 40;
  const ChangeRange empty = feed_->ReadChanges(0, 10, SecondsOf(kT0));
  EXPECT_EQ(empty.latest, base);
  EXPECT_FALSE(empty.missed);
  EXPECT_FALSE(feed_->ReadChanges(base, 10, SecondsOf(kT0)).missed);
  for (const char* name : {"r1", "r2", "r3", "r4", "r5"}) fake_.Put("shard-1", RecordOf(name));
  ASSERT_TRUE(WaitUntil([](const TableStreamFeedStats& s) { return s.changes == 5; }));
  const ChangeRange all = feed_->ReadChanges(0, 10, SecondsOf(kT0));
  EXPECT_EQ(NamesOf(all.changes), (std::vector<std::string>{"r3", "r4", "r5"}));
  EXPECT_TRUE(all.missed) << "r1 and r2 were dropped";
  EXPECT_EQ(all.latest, base + 5);
  EXPECT_TRUE(feed_->ReadChanges(base + 1, 10, SecondsOf(kT0)).missed);
  const ChangeRange kept = feed_->ReadChanges(base + 2, 10, SecondsOf(kT0));
  EXPECT_FALSE(kept.missed);
  EXPECT_EQ(NamesOf(kept.changes), (std::vector<std::string>{"r3", "r4", "r5"}));
  EXPECT_EQ(NamesOf(feed_->ReadChanges(base + 3, 1, SecondsOf(kT0)).changes), std::vector<std::string>{"r4"});
  const std::uint64_t other_tag = (std::uint64_t{feed_->tag() ^ 1u} << 40) + 2;
  const ChangeRange other = feed_->ReadChanges(other_tag, 10, SecondsOf(kT0));
  EXPECT_TRUE(other.missed);
  EXPECT_TRUE(other.changes.empty());
  EXPECT_EQ(other.latest, base + 5);
  const ChangeRange ahead = feed_->ReadChanges(base + 9, 10, SecondsOf(kT0));
  EXPECT_FALSE(ahead.missed);
  EXPECT_TRUE(ahead.changes.empty());
  EXPECT_LT(ahead.latest, base + 9);
}

// Records whose ttl has passed are not shown (ExecutionStore's retention).
TEST_F(StreamFeedTest, LeavesOutExpiredRecords) {
  fake_.AddShard("shard-1");
  Start();
  ExecutionRecord expired = RecordOf("expired");
  expired.ttl = SecondsOf(kT0) - 1;
  fake_.Put("shard-1", expired);
  fake_.Put("shard-1", RecordOf("live"));
  ASSERT_TRUE(WaitUntil([](const TableStreamFeedStats& s) { return s.changes == 2; }));
  EXPECT_EQ(NamesOf(feed_->ReadChanges(0, 10, SecondsOf(kT0)).changes), std::vector<std::string>{"live"});
}

}  // namespace
}  // namespace exidx
