// MigrateTable (table_migration.h): the parallel Scan, the tolerant reading of
// the first design's items, and the conditional rewrite.
#include "store/dynamodb/table_migration.h"

#include <boost/json.hpp>

#include <array>
#include <charconv>
#include <mutex>
#include <thread>

#include "store/dynamodb/bounded_calls.h"
#include "store/dynamodb/item_codec.h"

namespace exidx {
namespace {

namespace json = boost::json;

using dynamodb::CountField;
using dynamodb::DecodeItem;
using dynamodb::EncodeItem;
using dynamodb::GetItem;
using dynamodb::ParseObject;
using dynamodb::RunBounded;
using dynamodb::S;
using dynamodb::StringAttribute;

constexpr std::string_view kDone = "done";

// What a rewrite sets, removes or checks: every record and index attribute but
// the key.
constexpr std::array<std::string_view, 16> kItemAttributes = {
    "agentName", "stateMachineArn", "executionName", "status", "startDate", "stopDate", "durationSeconds", "indexedAt",
    "error",     "cause",           "redriveCount",  "ttl",    "version",   "startKey", "agentStatus",     "allShard",
};
constexpr std::array<std::string_view, 4> kIndexAttributes = {"version", "startKey", "agentStatus", "allShard"};

bool HasIndexAttributes(const json::object& item) {
  for (std::string_view name : kIndexAttributes) {
    if (!StringAttribute(item, name)) return false;
  }
  return true;
}

// The type of an attribute value ({"S": ...} -> "S"), "" when it is not one.
std::string_view TypeOf(const json::value& value) {
  if (!value.is_object() || value.get_object().size() != 1) return {};
  return value.get_object().begin()->key();
}

std::optional<std::int64_t> WholeNumber(const json::value& value, std::string_view type) {
  if (TypeOf(value) != type || !value.get_object().begin()->value().is_string()) return std::nullopt;
  const json::string& text = value.get_object().begin()->value().get_string();
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

// The first design's item in the shapes DecodeItem reads: NULL optional
// attributes dropped, epoch-millisecond timestamps as text, a redriveCount of
// digits as a number.
json::object Tolerated(const json::object& item) {
  json::object out = item;
  for (std::string_view name : {"stopDate", "indexedAt", "error", "cause", "redriveCount", "ttl", "durationSeconds"}) {
    if (const auto* value = out.if_contains(name); value && TypeOf(*value) == "NULL") out.erase(name);
  }
  for (std::string_view name : {"startDate", "stopDate", "indexedAt"}) {
    const auto* value = out.if_contains(name);
    const auto millis = value ? WholeNumber(*value, "N") : std::nullopt;
    if (millis && *millis >= kMinEpochMillis && *millis <= kMaxEpochMillis) out[name] = S(FormatTimestamp(*millis));
  }
  if (const auto* value = out.if_contains("redriveCount")) {
    if (auto n = WholeNumber(*value, "S")) out["redriveCount"] = dynamodb::N(std::to_string(*n));
  }
  return out;
}

Result<ExecutionRecord> DecodeTolerantly(const json::object& item) {
  const json::object tolerated = Tolerated(item);
  auto record = DecodeItem(tolerated);
  if (!record) return record;
  // When it last changed is not known; its latest known time stands in.
  if (!StringAttribute(tolerated, "indexedAt")) record->indexed_at = record->stop_date.value_or(record->start_date);
  return record;
}

// An UpdateItem that gives `scanned` the canonical encoding of `record`,
// conditioned on every attribute of kItemAttributes being as scanned.
json::object RewriteRequest(const std::string& table, const json::object& scanned, const ExecutionRecord& record) {
  const json::object canonical = EncodeItem(record);
  json::object names, values;
  std::string set, remove, condition = "attribute_exists(executionArn)";
  for (std::size_t i = 0; i < kItemAttributes.size(); ++i) {
    const std::string_view attribute = kItemAttributes[i];
    const std::string n = "#a" + std::to_string(i), k = std::to_string(i);
    names[n] = attribute;
    const json::value* old = scanned.if_contains(attribute);
    const json::value* now = canonical.if_contains(attribute);
    condition += " AND ";
    if (!old) {
      condition += "attribute_not_exists(" + n + ")";
    } else if (const std::string_view type = TypeOf(*old); type == "S" || type == "N") {
      values[":o" + k] = *old;
      condition += n + " = :o" + k;
    } else {
      values[":t" + k] = S(type);
      condition += "attribute_type(" + n + ", :t" + k + ")";
    }
    if (now && (!old || *old != *now)) {
      values[":v" + k] = *now;
      set += (set.empty() ? "SET " : ", ") + n + " = :v" + k;
    } else if (!now && old) {
      remove += (remove.empty() ? " REMOVE " : ", ") + n;
    }
  }
  return json::object{
      {"TableName", table},
      {"Key", json::object{{"executionArn", S(record.execution_arn)}}},
      {"UpdateExpression", set + remove},
      {"ConditionExpression", condition},
      {"ExpressionAttributeNames", std::move(names)},
      {"ExpressionAttributeValues", std::move(values)},
  };
}

// An item of a page that lacks the index attributes, and its record.
struct Candidate {
  json::object item;
  ExecutionRecord record;
};

class Migration {
 public:
  Migration(DynamoDbStore& store, const MigrationOptions& options)
      : store_(store), options_(options), calls_at_start_(store.client().Stats().requests) {}

  Status Run() {
    if (options_.on_total) {
      auto total = ApproximateItems();
      if (!total) return std::unexpected(total.error());
      options_.on_total(*total);
    }
    return RunBounded(static_cast<std::size_t>(options_.total_segments), options_.total_segments,
                      [this](std::size_t segment) {
                        Status done = RunSegment(static_cast<int>(segment));
                        if (!done) failed_ = true;
                        return done;
                      });
  }

  MigrationCounts Counts() const {
    std::lock_guard lock(mu_);
    MigrationCounts counts = counts_;
    counts.calls = store_.client().Stats().requests - calls_at_start_;
    return counts;
  }

 private:
  Result<std::uint64_t> ApproximateItems() {
    auto body = store_.client().Call("DescribeTable", json::serialize(json::object{{"TableName", table()}}));
    if (!body) return std::unexpected(body.error());
    auto answer = ParseObject(*body, "DescribeTable");
    if (!answer) return std::unexpected(answer.error());
    const auto* t = answer->if_contains("Table");
    return t && t->is_object() ? CountField(t->get_object(), "ItemCount") : 0;
  }

  const std::string& table() const { return store_.table_name(); }

  Status RunSegment(int segment) {
    const std::string checkpoint = MigrationCheckpointName(segment, options_.total_segments);
    std::optional<json::value> start;
    if (options_.resume) {
      auto saved = store_.ReadCheckpoint(checkpoint);
      if (!saved) return std::unexpected(saved.error());
      if (*saved == kDone) return {};
      if (*saved) {
        boost::system::error_code ec;
        start = json::parse(**saved, ec);
        if (ec || !start->is_object()) {
          return Fail(ErrorCode::kInternal, "migrate: checkpoint " + Quoted(checkpoint) + " is malformed");
        }
      }
    }
    for (;;) {
      if (failed_.load()) return {};  // Another segment failed: its error is the run's.
      if (options_.stop && options_.stop->load()) {
        return Fail(ErrorCode::kUnavailable, "migrate: stopped before the end (the checkpoints say where to resume)");
      }
      auto next = MigratePage(segment, start);
      if (!next) return std::unexpected(next.error());
      if (!options_.dry_run) {
        Status saved = store_.WriteCheckpoint(checkpoint, *next ? json::serialize(**next) : std::string(kDone));
        if (!saved) return saved;
      }
      if (options_.on_progress) options_.on_progress(Counts());
      if (!*next) return {};
      start = std::move(*next);
    }
  }

  // Reads one page of `segment` after `start` and rewrites what it needs;
  // the LastEvaluatedKey, nullopt at the segment's end.
  Result<std::optional<json::value>> MigratePage(int segment, const std::optional<json::value>& start) {
    json::object request{{"TableName", table()},
                         {"Segment", segment},
                         {"TotalSegments", options_.total_segments},
                         {"ConsistentRead", true}};
    if (options_.page_limit > 0) request["Limit"] = options_.page_limit;
    if (start) request["ExclusiveStartKey"] = *start;
    auto body = store_.client().Call("Scan", json::serialize(request));
    if (!body) return std::unexpected(body.error());
    auto answer = ParseObject(*body, "Scan");
    if (!answer) return std::unexpected(answer.error());
    std::vector<Candidate> candidates;
    if (const auto* items = answer->if_contains("Items"); items && items->is_array()) {
      for (const auto& item : items->get_array()) {
        if (item.is_object()) Classify(item.get_object(), candidates);
      }
    }
    if (Status rewritten = RewriteAll(candidates); !rewritten) return std::unexpected(rewritten.error());
    const auto* last = answer->if_contains("LastEvaluatedKey");
    if (last && last->is_object()) return std::optional<json::value>(*last);
    return std::optional<json::value>();
  }

  // Counts a scanned item and keeps it in `candidates` when it needs a rewrite.
  void Classify(const json::object& item, std::vector<Candidate>& candidates) {
    const auto* key = StringAttribute(item, "executionArn");
    const std::string arn = key ? std::string(*key) : "?";
    // Not records, and the run writes some (its checkpoints): left uncounted,
    // so that the counts do not depend on when a segment met them.
    if (arn.starts_with(kReservedKeyPrefix)) return;
    std::lock_guard lock(mu_);
    ++counts_.scanned;
    if (HasIndexAttributes(item)) {
      ++counts_.skipped;
      return;
    }
    auto record = DecodeTolerantly(item);
    if (!record) {
      ++counts_.undecodable;
      if (options_.on_not_rewritten) options_.on_not_rewritten(arn, record.error());
      return;
    }
    candidates.push_back(Candidate{item, std::move(*record)});
  }

  Status RewriteAll(std::vector<Candidate>& candidates) {
    if (options_.dry_run) {
      std::lock_guard lock(mu_);
      counts_.rewritten += candidates.size();
      return {};
    }
    if (options_.before_rewrites) {
      std::vector<std::string> arns;
      for (const auto& candidate : candidates) arns.push_back(candidate.record.execution_arn);
      options_.before_rewrites(arns);
    }
    const int writers = std::max(1, options_.writes_in_flight / options_.total_segments);
    return RunBounded(candidates.size(), writers, [&](std::size_t i) {
      Status done = Rewrite(std::move(candidates[i]));
      if (done && options_.on_progress) options_.on_progress(Counts());
      return done;
    });
  }

  // Rewrites one item; after a failed condition, again from what is stored
  // then, unless a live write indexed it or it is gone.
  Status Rewrite(Candidate candidate) {
    const std::string arn = candidate.record.execution_arn;
    for (int attempt = 1;; ++attempt) {
      aws::ServiceError service_error;
      auto body = store_.client().Call(
          "UpdateItem", json::serialize(RewriteRequest(table(), candidate.item, candidate.record)), &service_error);
      if (body) return Count(&MigrationCounts::rewritten);
      if (service_error.type != "ConditionalCheckFailedException") return std::unexpected(body.error());
      auto stored = GetItem(store_.client(), table(), arn);
      if (!stored) return std::unexpected(stored.error());
      if (!*stored || HasIndexAttributes(**stored)) return Count(&MigrationCounts::left_alone);
      if (attempt == kMigrationAttempts) {
        return LeftUnindexed(arn, Error{ErrorCode::kUnavailable, "changed by another writer before each of " +
                                                                     std::to_string(kMigrationAttempts) +
                                                                     " rewrites; run migrate again"});
      }
      auto record = DecodeTolerantly(**stored);
      if (!record) return LeftUnindexed(arn, record.error());
      candidate = Candidate{std::move(**stored), std::move(*record)};
    }
  }

  // An item that another writer changed and that still lacks the index attributes.
  Status LeftUnindexed(const std::string& arn, const Error& why) {
    if (options_.on_not_rewritten) options_.on_not_rewritten(arn, why);
    return Count(&MigrationCounts::left_alone);
  }

  Status Count(std::uint64_t MigrationCounts::* counter) {
    std::lock_guard lock(mu_);
    ++(counts_.*counter);
    return {};
  }

  DynamoDbStore& store_;
  const MigrationOptions& options_;
  const std::uint64_t calls_at_start_;
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  MigrationCounts counts_;  // Guarded by mu_; calls aside.
};

}  // namespace

std::string MigrationCheckpointName(int segment, int total) {
  return "migrate/" + std::to_string(segment) + "/" + std::to_string(total);
}

Result<MigrationCounts> MigrateTable(DynamoDbStore& store, const MigrationOptions& options, MigrationCounts* counts) {
  if (options.total_segments < 1 || options.total_segments > kMaxMigrationSegments) {
    return Fail(ErrorCode::kInvalidParameter, "segments: expected 1.." + std::to_string(kMaxMigrationSegments) +
                                                  ", got " + std::to_string(options.total_segments));
  }
  if (options.writes_in_flight < 1) {
    return Fail(ErrorCode::kInvalidParameter,
                "writes in flight: expected at least 1, got " + std::to_string(options.writes_in_flight));
  }
  if (options.page_limit < 0) {
    return Fail(ErrorCode::kInvalidParameter,
                "page limit: expected 0 or more, got " + std::to_string(options.page_limit));
  }
  Migration migration(store, options);
  Status ran = migration.Run();
  if (counts) *counts = migration.Counts();
  if (!ran) return std::unexpected(ran.error());
  return migration.Counts();
}

}  // namespace exidx
