// DynamoDbStore's operations: Open, Apply (conditional PutItems in flight),
// Get, Scan (index partitions read in order and merged) and PageTokenSecret.
// The item coding is in item_codec.*, the table's setup in table_setup.cc.
#include "store/dynamodb/dynamodb_store.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <thread>

#include "core/base64url.h"
#include "core/page_token.h"
#include "store/dynamodb/bounded_calls.h"
#include "store/dynamodb/item_codec.h"
#include "store/dynamodb/stat_cells.h"
#include "store/dynamodb/tag_cache_items.h"

namespace exidx {
namespace {

namespace json = boost::json;

using dynamodb::AllShardValue;
using dynamodb::CountField;
using dynamodb::DecodeItem;
using dynamodb::EncodeItem;
using dynamodb::GetItem;
using dynamodb::kAgentDateIndex;
using dynamodb::kAgentStatusDateIndex;
using dynamodb::kAllDateIndex;
using dynamodb::kStatusDateIndex;
using dynamodb::ParseObject;
using dynamodb::S;
using dynamodb::StartKey;
using dynamodb::StringAttribute;

std::string CheckpointItemKey(std::string_view name) {
  return std::string(kReservedKeyPrefix) + "checkpoint#" + std::string(name);
}

}  // namespace

// One partition of an index, read in exactly (startDate, executionArn) order
// (or its reverse) within the request's date bounds and after its cursor.
class DynamoDbStore::PartitionReader {
 public:
  struct Partition {
    std::string_view index;
    std::string_view key_attribute;
    std::string key_value;
    bool exact;  // Sort key startKey; else startDate, whose ties need sorting.
    std::optional<ExecutionStatus> status_filter;
  };

  PartitionReader(DynamoDbStore& store, Partition partition, const ScanRequest& request, int batch)
      : store_(store),
        partition_(std::move(partition)),
        request_(request),
        batch_(std::max(batch, 1)),
        now_(store.NowSeconds()) {}

  // The next record, or nullptr at the end. Valid until Pop. `need`: how many
  // more records the caller may take at most, so that a refill reads no more.
  Result<const ExecutionRecord*> Peek(std::size_t need) {
    while (ready_.empty() && !done_) {
      if (auto fetched = Fetch(need); !fetched) return std::unexpected(fetched.error());
    }
    return ready_.empty() ? nullptr : &ready_.front();
  }

  ExecutionRecord Pop() {
    ExecutionRecord record = std::move(ready_.front());
    ready_.pop_front();
    return record;
  }

 private:
  bool Ascending() const { return request_.order == SortOrder::kAsc; }

  std::string LowBound() const {
    if (partition_.exact) return FormatTimestamp(request_.filter.start_from) + "#";
    std::string low = FormatTimestamp(request_.filter.start_from);
    if (request_.after && Ascending()) low = std::max(low, FormatTimestamp(request_.after->start_date));
    return low;
  }

  std::string HighBound() const {
    if (partition_.exact) return FormatTimestamp(request_.filter.start_to) + "$";  // '$' follows '#'.
    std::string high = FormatTimestamp(request_.filter.start_to);
    if (request_.after && !Ascending()) high = std::min(high, FormatTimestamp(request_.after->start_date));
    return high;
  }

  Status Fetch(std::size_t need) {
    // The first request reads a batch; refills only what may still be taken,
    // plus one to see where a run of equal startDates ends.
    const int limit = fetched_ ? static_cast<int>(std::min<std::size_t>(batch_, need + 1)) : batch_;
    fetched_ = true;
    const std::string low = LowBound(), high = HighBound();
    if (low > high) {
      done_ = true;
      return {};
    }
    const std::string_view sort = partition_.exact ? "startKey" : "startDate";
    json::object request{
        {"TableName", store_.options_.table_name},
        {"IndexName", partition_.index},
        {"KeyConditionExpression", "#pk = :pk AND #sk BETWEEN :lo AND :hi"},
        {"ExpressionAttributeNames", json::object{{"#pk", partition_.key_attribute}, {"#sk", sort}}},
        {"ExpressionAttributeValues",
         json::object{{":pk", S(partition_.key_value)}, {":lo", S(low)}, {":hi", S(high)}}},
        {"ScanIndexForward", Ascending()},
        {"Limit", limit},
    };
    if (partition_.status_filter) {
      request["FilterExpression"] = "#st = :st";
      request["ExpressionAttributeNames"].as_object()["#st"] = "status";
      request["ExpressionAttributeValues"].as_object()[":st"] = S(StatusName(*partition_.status_filter));
    }
    if (last_key_) {
      request["ExclusiveStartKey"] = *last_key_;
    } else if (request_.after && partition_.exact) {
      // Start right after the cursor: the position need not hold an item.
      request["ExclusiveStartKey"] = json::object{
          {"executionArn", S(request_.after->execution_arn)},
          {partition_.key_attribute, S(partition_.key_value)},
          {"startKey", S(StartKey(request_.after->start_date, request_.after->execution_arn))},
      };
    }
    auto body = store_.CallCounted("Query", json::serialize(request));
    if (!body) return std::unexpected(body.error());
    auto answer = ParseObject(*body, "Query");
    if (!answer) return std::unexpected(answer.error());
    store_.items_read_ += CountField(*answer, "ScannedCount");
    if (const auto* items = answer->if_contains("Items"); items && items->is_array()) {
      for (const auto& item : items->get_array()) {
        if (!item.is_object()) continue;
        auto record = DecodeItem(item.get_object());
        if (!record) return std::unexpected(record.error());
        Add(std::move(*record));
      }
    }
    if (const auto* next = answer->if_contains("LastEvaluatedKey"); next && next->is_object()) {
      last_key_ = next->get_object();
    } else {
      done_ = true;
      FlushGroup();
    }
    return {};
  }

  void Add(ExecutionRecord record) {
    if (!Matches(request_.filter, record) || IsExpired(record, now_)) return;
    if (request_.after && !ComesBefore(*request_.after, CursorOf(record), request_.order)) return;
    if (partition_.exact) {
      ready_.push_back(std::move(record));
      return;
    }
    if (!group_.empty() && group_.front().start_date != record.start_date) FlushGroup();
    group_.push_back(std::move(record));
  }

  // A run of equal startDates is complete once a later one (or the end) is
  // seen: sort it by executionArn and hand it out.
  void FlushGroup() {
    std::sort(group_.begin(), group_.end(), [this](const ExecutionRecord& a, const ExecutionRecord& b) {
      return ComesBefore(CursorOf(a), CursorOf(b), request_.order);
    });
    for (auto& record : group_) ready_.push_back(std::move(record));
    group_.clear();
  }

  DynamoDbStore& store_;
  const Partition partition_;
  const ScanRequest& request_;
  const int batch_;
  const EpochSeconds now_;  // Items expired by then are skipped.
  std::deque<ExecutionRecord> ready_;
  std::vector<ExecutionRecord> group_;
  std::optional<json::object> last_key_;
  bool done_ = false;
  bool fetched_ = false;
};

Result<std::unique_ptr<DynamoDbStore>> DynamoDbStore::Open(std::shared_ptr<aws::AwsContext> context,
                                                           DynamoDbStoreOptions options) {
  auto client = aws::JsonClient::Create(context, aws::AwsService::kDynamoDb, "DynamoDB_20120810");
  if (!client) return std::unexpected(client.error());
  std::unique_ptr<aws::JsonClient> streams;
  if (options.change_feed) {
    // The feed backs off and tries again by itself; short attempts keep a
    // hung connection from holding up Stop (a server's shutdown) for long.
    auto created =
        aws::JsonClient::Create(std::move(context), aws::AwsService::kDynamoDbStreams, "DynamoDBStreams_20120810",
                                aws::JsonClientOptions{.timeout = std::chrono::seconds(5), .max_attempts = 2});
    if (!created) return std::unexpected(created.error());
    streams = std::move(*created);
  }
  return Open(std::move(*client), std::move(options), std::move(streams));
}

Result<std::unique_ptr<DynamoDbStore>> DynamoDbStore::Open(std::unique_ptr<aws::JsonClient> client,
                                                           DynamoDbStoreOptions options,
                                                           std::unique_ptr<aws::JsonClient> streams) {
  if (options.table_name.empty()) return Fail(ErrorCode::kInvalidParameter, "dynamodb: no table name");
  if (options.token_secret && options.token_secret->size() < 16) {
    return Fail(ErrorCode::kInvalidParameter, "the page token secret must hold at least 16 bytes");
  }
  if (options.change_feed && !streams) {
    return Fail(ErrorCode::kInvalidParameter, "dynamodb: a change feed needs a DynamoDB Streams client");
  }
  std::unique_ptr<DynamoDbStore> store(new DynamoDbStore(std::move(client), std::move(options)));
  if (auto described = store->DescribeTable(/*read_stream=*/true); !described)
    return std::unexpected(described.error());
  if (store->options_.change_feed) {
    const std::string& table = store->options_.table_name;
    if (store->stream_arn_.empty()) {
      return Fail(ErrorCode::kInternal, "dynamodb: table " + Quoted(table) +
                                            " has no stream, which live updates read (enable it with: exidx init "
                                            "--store dynamodb://" +
                                            table + ")");
    }
    if (store->stream_view_type_ != "NEW_AND_OLD_IMAGES" && store->stream_view_type_ != "NEW_IMAGE") {
      return Fail(ErrorCode::kInternal, "dynamodb: the stream of table " + Quoted(table) + " is " +
                                            Quoted(store->stream_view_type_) +
                                            ", without the new images that live updates read: disable it, then "
                                            "run exidx init --store dynamodb://" +
                                            table + " (it enables NEW_AND_OLD_IMAGES)");
    }
    store->feed_ =
        std::make_unique<TableStreamFeed>(std::move(streams), store->stream_arn_, *store->options_.change_feed);
    if (auto started = store->feed_->Start(); !started) return std::unexpected(started.error());
  }
  return store;
}

Result<ChangeRange> DynamoDbStore::ReadChanges(std::uint64_t after, std::size_t limit) {
  if (!feed_) return ExecutionStore::ReadChanges(after, limit);
  return feed_->ReadChanges(after, limit, NowSeconds());
}

void DynamoDbStore::SetChangeListener(std::function<void()> listener) {
  if (feed_) feed_->SetListener(std::move(listener));
}

namespace {
std::int64_t MonotonicMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Status DynamoDbStore::RefreshLayout() {
  if (has_stats_index_ && stats_readable_) return {};  // Nothing left to learn.
  if (MonotonicMillis() < next_describe_millis_) return {};
  return DescribeTable(/*read_stream=*/false);
}

Status DynamoDbStore::DescribeTable(bool read_stream) {
  aws::ServiceError service_error;
  auto body =
      client_->Call("DescribeTable", json::serialize(json::object{{"TableName", options_.table_name}}), &service_error);
  if (!body) {
    if (service_error.type == "ResourceNotFoundException") {
      return Fail(ErrorCode::kInternal, "dynamodb: table " + Quoted(options_.table_name) +
                                            " does not exist (create it with: exidx init --store dynamodb://" +
                                            options_.table_name + ")");
    }
    return std::unexpected(body.error());
  }
  auto answer = ParseObject(*body, "DescribeTable");
  if (!answer) return std::unexpected(answer.error());
  bool agent = false, status = false, agent_status = false, all = false, stats = false, stats_active = false;
  const auto* table = answer->if_contains("Table");
  const json::value* indexes =
      table && table->is_object() ? table->get_object().if_contains("GlobalSecondaryIndexes") : nullptr;
  if (indexes && indexes->is_array()) {
    for (const auto& index : indexes->get_array()) {
      if (!index.is_object()) continue;
      const auto* name = index.get_object().if_contains("IndexName");
      const auto* state = index.get_object().if_contains("IndexStatus");
      if (!name || !name->is_string()) continue;
      // Cells are kept from the moment the index exists (exidx init adds it
      // to a live table, then counts what was written before).
      stats |= name->get_string() == dynamodb::kStatsIndex;
      // An index still being built (CREATING, backfilling) cannot answer yet.
      if (state && state->is_string() && state->get_string() != "ACTIVE") continue;
      const std::string_view n = name->get_string();
      agent |= n == kAgentDateIndex;
      status |= n == kStatusDateIndex;
      agent_status |= n == kAgentStatusDateIndex;
      all |= n == kAllDateIndex;
      stats_active |= n == dynamodb::kStatsIndex;
    }
  }
  // Indexes are only ever added: a flag once set stays set.
  if (agent_status) has_agent_status_index_ = true;
  if (all) has_all_index_ = true;
  if (stats) has_stats_index_ = true;
  if (stats_active) stats_readable_ = true;
  next_describe_millis_ = MonotonicMillis() + std::chrono::milliseconds(kLayoutRefresh).count();
  if (!agent || !status) {
    return Fail(ErrorCode::kInternal, "dynamodb: table " + Quoted(options_.table_name) +
                                          " lacks AgentDateIndex or StatusDateIndex (run exidx init to add them)");
  }
  if (read_stream && table && table->is_object()) {
    const auto& description = table->get_object();
    const auto* spec = description.if_contains("StreamSpecification");
    const auto* arn = description.if_contains("LatestStreamArn");
    if (spec && spec->is_object() && arn && arn->is_string()) {
      const auto* enabled = spec->get_object().if_contains("StreamEnabled");
      const auto* view = spec->get_object().if_contains("StreamViewType");
      if (enabled && enabled->is_bool() && enabled->get_bool()) {
        stream_arn_ = std::string(arn->get_string());
        stream_view_type_ = view && view->is_string() ? std::string(view->get_string()) : std::string();
      }
    }
  }
  return {};
}

Result<std::string> DynamoDbStore::CallCounted(std::string_view operation, const std::string& request) {
  return client_->Call(operation, request);
}

DynamoDbStoreStats DynamoDbStore::Stats() const {
  return DynamoDbStoreStats{.requests = client_->Stats().requests,
                            .items_read = items_read_.load(),
                            .items_returned = items_returned_.load()};
}

Status DynamoDbStore::PutLatest(std::span<const ExecutionRecord> candidates, const std::vector<std::size_t>& positions,
                                const Deadline& deadline, std::vector<ApplyOutcome>& outcomes) {
  // Only the first candidate of the greatest version can change the table;
  // the others' outcomes follow from the version stored before.
  const dynamodb::CandidateVersions versions = dynamodb::VersionsOf(candidates, positions);
  const ExecutionRecord& winner = candidates[positions[versions.greatest]];
  json::object request{
      {"TableName", options_.table_name},
      {"Item", EncodeItem(winner)},
      {"ConditionExpression", "attribute_not_exists(executionArn) OR attribute_not_exists(#v) OR #v < :v"},
      {"ExpressionAttributeNames", json::object{{"#v", "version"}}},
      {"ExpressionAttributeValues", json::object{{":v", S(versions.keys[versions.greatest])}}},
      {"ReturnValues", "ALL_OLD"},
  };
  aws::ServiceError service_error;
  auto body = client_->Call("PutItem", json::serialize(request), deadline, &service_error);
  if (!body) {
    if (service_error.type == "ConditionalCheckFailedException") return {};  // All unchanged.
    return std::unexpected(body.error());
  }
  auto answer = ParseObject(*body, "PutItem");
  if (!answer) return std::unexpected(answer.error());
  std::optional<std::string> stored;
  if (const auto* old = answer->if_contains("Attributes"); old && old->is_object()) {
    const auto* version = StringAttribute(old->get_object(), "version");
    stored = version ? std::string(*version) : std::string();  // No version: below all.
  }
  dynamodb::SetOutcomes(versions, positions, std::move(stored), outcomes);
  return {};
}

Result<std::vector<ApplyOutcome>> DynamoDbStore::Apply(std::span<const ExecutionRecord> given, const Deadline& deadline,
                                                       KnownOutcomes* known) {
  if (auto layout = RefreshLayout(); !layout) return std::unexpected(layout.error());
  std::vector<ExecutionRecord> stamped;
  const std::span<const ExecutionRecord> candidates = WithExpiry(options_.retention, given, stamped);
  // Executions in the order of their first candidate, each with its candidates' positions.
  std::vector<std::vector<std::size_t>> executions;
  {
    std::map<std::string_view, std::size_t> index;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      auto [it, fresh] = index.try_emplace(candidates[i].execution_arn, executions.size());
      if (fresh) executions.emplace_back();
      executions[it->second].push_back(i);
    }
  }
  std::vector<ApplyOutcome> outcomes(candidates.size(), ApplyOutcome::kUnchanged);
  std::vector<char> written(executions.size(), 0);  // Each slot set by one thread, read after the join.
  // The calling thread writes too; each other thread adds one PutItem in flight.
  Status all = dynamodb::RunBounded(executions.size(), options_.max_writes_in_flight, [&](std::size_t e) -> Status {
    Status put = has_stats_index_ ? PutCounted(candidates, executions[e], deadline, outcomes)
                                  : PutLatest(candidates, executions[e], deadline, outcomes);
    if (put) written[e] = 1;
    return put;
  });
  if (all) return outcomes;
  const Error& error = all.error();
  const auto done = static_cast<std::size_t>(std::count(written.begin(), written.end(), 1));
  if (known) {
    known->assign(candidates.size(), std::nullopt);
    for (std::size_t e = 0; e < executions.size(); ++e) {
      if (!written[e]) continue;
      for (std::size_t position : executions[e]) (*known)[position] = outcomes[position];
    }
  }
  return Fail(error.code, error.message + " (" + std::to_string(done) + " of " + std::to_string(executions.size()) +
                              " executions of this batch written; writing them again is safe)");
}

Result<std::optional<ExecutionRecord>> DynamoDbStore::Get(std::string_view execution_arn) {
  if (execution_arn.starts_with(kReservedKeyPrefix)) return std::nullopt;
  auto item = GetItem(*client_, options_.table_name, execution_arn);
  if (!item) return std::unexpected(item.error());
  if (!*item) return std::nullopt;
  ++items_read_;
  auto record = DecodeItem(**item);
  if (!record) return std::unexpected(record.error());
  if (IsExpired(*record, NowSeconds())) return std::nullopt;
  return std::optional<ExecutionRecord>(std::move(*record));
}

Result<std::optional<std::string>> DynamoDbStore::ReadCheckpoint(std::string_view name) {
  if (auto valid = CheckCheckpoint(name, {}); !valid) return std::unexpected(valid.error());
  auto item = GetItem(*client_, options_.table_name, CheckpointItemKey(name));
  if (!item) return std::unexpected(item.error());
  if (!*item) return std::optional<std::string>();
  const auto* value = StringAttribute(**item, "checkpoint");
  if (!value) return Fail(ErrorCode::kInternal, "dynamodb: the checkpoint item " + Quoted(name) + " is malformed");
  return std::optional<std::string>(std::string(*value));
}

Status DynamoDbStore::WriteCheckpoint(std::string_view name, std::string_view value) {
  if (auto valid = CheckCheckpoint(name, value); !valid) return valid;
  json::object request{
      {"TableName", options_.table_name},
      {"Item", json::object{{"executionArn", S(CheckpointItemKey(name))}, {"checkpoint", S(value)}}},
  };
  auto body = client_->Call("PutItem", json::serialize(request));
  if (!body) return std::unexpected(body.error());
  return {};
}

Result<std::optional<TagCacheEntry>> DynamoDbStore::ReadTagEntry(std::string_view state_machine_arn,
                                                                 const Deadline& deadline) {
  if (auto valid = CheckTagCacheEntry(state_machine_arn, nullptr); !valid) return std::unexpected(valid.error());
  auto item = GetItem(*client_, options_.table_name, dynamodb::TagEntryItemKey(state_machine_arn), deadline);
  if (!item) return std::unexpected(item.error());
  if (!*item) return std::optional<TagCacheEntry>();
  auto entry = dynamodb::DecodeTagEntryItem(**item);
  if (!entry) return std::unexpected(entry.error());
  return std::optional<TagCacheEntry>(std::move(*entry));
}

Result<bool> DynamoDbStore::SwapTagEntry(std::string_view state_machine_arn, std::uint64_t expected_version,
                                         const TagCacheEntry& desired, const Deadline& deadline) {
  if (auto valid = CheckTagCacheEntry(state_machine_arn, &desired); !valid) return std::unexpected(valid.error());
  TagCacheEntry entry = desired;
  entry.version = expected_version + 1;
  json::object request{
      {"TableName", options_.table_name},
      {"Item", dynamodb::EncodeTagEntryItem(state_machine_arn, entry, NowSeconds())},
  };
  if (expected_version == 0) {
    request["ConditionExpression"] = "attribute_not_exists(executionArn)";
  } else {
    request["ConditionExpression"] = "tagVersion = :expected";
    request["ExpressionAttributeValues"] = json::object{{":expected", dynamodb::N(std::to_string(expected_version))}};
  }
  aws::ServiceError service_error;
  auto body = client_->Call("PutItem", json::serialize(request), deadline, &service_error);
  if (body) return true;
  if (service_error.type == "ConditionalCheckFailedException") return false;
  return std::unexpected(body.error());
}

Result<std::vector<ExecutionRecord>> DynamoDbStore::Scan(const ScanRequest& request) {
  std::vector<std::unique_ptr<PartitionReader>> readers;
  const ExecutionFilter& filter = request.filter;
  const int limit = static_cast<int>(std::min<std::size_t>(request.limit, 1000));
  if (request.limit == 0 || filter.start_from > filter.start_to) return std::vector<ExecutionRecord>{};
  auto add = [&](PartitionReader::Partition partition, int batch) {
    readers.push_back(std::make_unique<PartitionReader>(*this, std::move(partition), request, batch));
  };
  // An index sorted by startDate alone re-reads the cursor's item and reads
  // one past the page, to close the last run of equal startDates.
  const int tie_batch = limit + 1 + (request.after ? 1 : 0);
  if (filter.agent_name && filter.status) {
    const std::string status(StatusName(*filter.status));
    if (has_agent_status_index_) {
      add({kAgentStatusDateIndex, "agentStatus", *filter.agent_name + "#" + status, true, std::nullopt}, limit);
    } else {
      // Reads the agent's executions of every status; keeps this one.
      add({kAgentDateIndex, "agentName", *filter.agent_name, false, *filter.status}, std::min(1000, 4 * limit + 1));
    }
  } else if (filter.agent_name) {
    add({kAgentDateIndex, "agentName", *filter.agent_name, false, std::nullopt}, tie_batch);
  } else if (filter.status) {
    add({kStatusDateIndex, "status", std::string(StatusName(*filter.status)), false, std::nullopt}, tie_batch);
  } else if (has_all_index_) {
    const int batch = (limit + kAllShards - 1) / kAllShards + 1;
    for (int shard = 0; shard < kAllShards; ++shard) {
      add({kAllDateIndex, "allShard", AllShardValue(shard), true, std::nullopt}, batch);
    }
  } else {
    const int batch = (limit + static_cast<int>(kAllStatuses.size()) - 1) / static_cast<int>(kAllStatuses.size()) + 2;
    for (ExecutionStatus status : kAllStatuses) {
      add({kStatusDateIndex, "status", std::string(StatusName(status)), false, std::nullopt}, batch);
    }
  }
  return Merge(std::move(readers), request);
}

Result<std::vector<ExecutionRecord>> DynamoDbStore::Merge(std::vector<std::unique_ptr<PartitionReader>> readers,
                                                          const ScanRequest& request) {
  std::vector<ExecutionRecord> out;
  while (out.size() < request.limit) {
    PartitionReader* first = nullptr;
    const ExecutionRecord* first_record = nullptr;
    for (auto& reader : readers) {
      auto head = reader->Peek(request.limit - out.size());
      if (!head) return std::unexpected(head.error());
      if (*head == nullptr) continue;
      if (!first_record || ComesBefore(CursorOf(**head), CursorOf(*first_record), request.order)) {
        first = reader.get();
        first_record = *head;
      }
    }
    if (!first) break;
    out.push_back(first->Pop());
  }
  items_returned_ += out.size();
  return out;
}

Result<std::string> DynamoDbStore::PageTokenSecret() {
  std::lock_guard lock(secret_mu_);
  if (options_.token_secret) return *options_.token_secret;
  if (secret_) return *secret_;
  auto read = [this]() -> Result<std::optional<std::string>> {
    auto item = GetItem(*client_, options_.table_name, kTokenSecretKey);
    if (!item) return std::unexpected(item.error());
    if (!*item) return std::nullopt;
    const auto* text = StringAttribute(**item, "secret");
    auto secret = text ? Base64UrlDecode(*text) : std::nullopt;
    if (!secret || secret->size() < 16) {
      return Fail(ErrorCode::kInternal, "dynamodb: the page token secret item is malformed");
    }
    return secret;
  };
  auto existing = read();
  if (!existing) return std::unexpected(existing.error());
  if (!*existing) {
    auto fresh = PageTokenCodec::NewSecret();
    if (!fresh) return std::unexpected(fresh.error());
    json::object request{
        {"TableName", options_.table_name},
        {"Item", json::object{{"executionArn", S(kTokenSecretKey)}, {"secret", S(Base64UrlEncode(*fresh))}}},
        {"ConditionExpression", "attribute_not_exists(executionArn)"},
    };
    aws::ServiceError service_error;
    auto body = client_->Call("PutItem", json::serialize(request), &service_error);
    if (!body && service_error.type != "ConditionalCheckFailedException") return std::unexpected(body.error());
    existing = read();  // Whoever created it first, everyone uses that one.
    if (!existing) return std::unexpected(existing.error());
    if (!*existing) return Fail(ErrorCode::kInternal, "dynamodb: the page token secret vanished");
  }
  secret_ = **existing;
  return *secret_;
}

}  // namespace exidx
