// TableStreamFeed: the shard tree walked with DescribeStream,
// GetShardIterator and GetRecords, and the bounded buffer of changes.
#include "store/dynamodb/stream_feed.h"

#include <boost/json.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "store/dynamodb/dynamodb_store.h"
#include "store/dynamodb/item_codec.h"

namespace exidx {
namespace {

namespace json = boost::json;

using dynamodb::ParseObject;
using dynamodb::StringAttribute;

// n occupies the low 40 bits of an id: a trillion changes per process run.
constexpr int kCounterBits = 40;
constexpr std::uint64_t kCounterMask = (std::uint64_t{1} << kCounterBits) - 1;
constexpr std::uint64_t kTagLimit = std::uint64_t{1} << 23;

std::string_view StringField(const json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  return value && value->is_string() ? std::string_view(value->get_string()) : std::string_view();
}

const json::object* ObjectField(const json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  return value && value->is_object() ? &value->get_object() : nullptr;
}

std::uint64_t NewTag() {
  std::random_device device;
  std::uniform_int_distribution<std::uint64_t> pick(1, kTagLimit - 1);
  return pick(device);
}

}  // namespace

struct TableStreamFeed::Shard {
  enum class State { kWaiting, kReading, kFinished };
  std::string id;
  std::string parent;  // Empty: none.
  State state = State::kWaiting;
  std::string iterator;       // While kReading.
  std::string last_sequence;  // SequenceNumber of the last record read; empty: none yet.
  bool began_at_latest = false;
};

TableStreamFeed::TableStreamFeed(std::unique_ptr<aws::JsonClient> streams, std::string stream_arn,
                                 TableStreamFeedOptions options)
    : streams_(std::move(streams)), stream_arn_(std::move(stream_arn)), options_(std::move(options)) {}

TableStreamFeed::~TableStreamFeed() {
  Stop();
}

Status TableStreamFeed::Start() {
  {
    std::lock_guard lock(mu_);
    tag_ = NewTag();
  }
  if (auto listed = ListShards(/*at_start=*/true); !listed) return listed;
  listed_at_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { Run(); });
  return {};
}

void TableStreamFeed::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool TableStreamFeed::SleepFor(std::chrono::milliseconds time) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, time, [this] { return stopping_; });
  return !stopping_;
}

void TableStreamFeed::Say(const std::string& line) const {
  if (options_.diagnostics) options_.diagnostics(line);
}

void TableStreamFeed::SetListener(std::function<void()> listener) {
  std::lock_guard lock(listener_mu_);
  listener_ = std::move(listener);
}

void TableStreamFeed::Notify() {
  // Called with the lock held, so that after SetListener returns the old
  // listener is not running.
  std::lock_guard lock(listener_mu_);
  if (listener_) listener_();
}

TableStreamFeedStats TableStreamFeed::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::uint32_t TableStreamFeed::tag() const {
  std::lock_guard lock(mu_);
  return static_cast<std::uint32_t>(tag_);
}

void TableStreamFeed::Run() {
  int failures_in_row = 0;
  // After a shard ends its children may take a moment to be listed: list
  // every round until then.
  auto list_every_round_until = std::chrono::steady_clock::time_point::min();
  for (;;) {
    bool full = false;
    Status round;
    const auto now = std::chrono::steady_clock::now();
    if (now < list_every_round_until || now - listed_at_ >= options_.shard_list_interval) {
      round = ListShards(/*at_start=*/false);
      if (round) listed_at_ = now;
    }
    for (auto& [id, shard] : shards_) {
      if (!round) break;
      if (shard.state != Shard::State::kReading) continue;
      auto read = ReadShard(shard);
      if (!read) {
        round = std::unexpected(read.error());
        break;
      }
      full |= *read;
      if (shard.state == Shard::State::kFinished) {
        list_every_round_until = std::chrono::steady_clock::now() + options_.shard_list_interval;
      }
    }
    // Rounds start a poll interval apart (the calls' time included), so a
    // shard is read at most once per interval.
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - now);
    std::chrono::milliseconds wait =
        full ? std::chrono::milliseconds(0) : std::max(std::chrono::milliseconds(0), options_.poll_interval - spent);
    if (!round) {
      ++failures_in_row;
      {
        std::lock_guard lock(mu_);
        ++stats_.failures;
      }
      const auto base = std::max<std::int64_t>(options_.poll_interval.count(), 1);
      wait = std::chrono::milliseconds(
          std::min<std::int64_t>(options_.max_backoff.count(), base << std::min(failures_in_row, 16)));
      Say("dynamodb stream: " + round.error().message + "; trying again in " + std::to_string(wait.count()) + " ms");
    } else {
      failures_in_row = 0;
    }
    if (!SleepFor(wait)) return;
  }
}

Status TableStreamFeed::ListShards(bool at_start) {
  struct Listed {
    std::string parent;
    bool closed = false;
  };
  std::map<std::string, Listed> listed;
  std::string exclusive_start;
  do {
    json::object request{{"StreamArn", stream_arn_}, {"Limit", 100}};
    if (!exclusive_start.empty()) request["ExclusiveStartShardId"] = exclusive_start;
    auto body = streams_->Call("DescribeStream", json::serialize(request));
    if (!body) return std::unexpected(body.error());
    auto answer = ParseObject(*body, "DescribeStream");
    if (!answer) return std::unexpected(answer.error());
    const json::object* description = ObjectField(*answer, "StreamDescription");
    if (!description) return Fail(ErrorCode::kInternal, "dynamodb streams DescribeStream: no StreamDescription");
    if (const auto* shards = description->if_contains("Shards"); shards && shards->is_array()) {
      for (const auto& value : shards->get_array()) {
        if (!value.is_object()) continue;
        const json::object& shard = value.get_object();
        const std::string_view id = StringField(shard, "ShardId");
        if (id.empty()) continue;
        const json::object* range = ObjectField(shard, "SequenceNumberRange");
        listed[std::string(id)] = Listed{.parent = std::string(StringField(shard, "ParentShardId")),
                                         .closed = range && !StringField(*range, "EndingSequenceNumber").empty()};
      }
    }
    exclusive_start = std::string(StringField(*description, "LastEvaluatedShardId"));
  } while (!exclusive_start.empty());

  for (auto it = shards_.begin(); it != shards_.end();) {
    if (listed.contains(it->first)) {
      ++it;
      continue;
    }
    // Trimmed from the stream: harmless once read to its end.
    if (it->second.state != Shard::State::kFinished) {
      MarkGap("shard " + it->first + " left the stream before it was read to its end");
    }
    it = shards_.erase(it);
  }
  for (const auto& [id, entry] : listed) {
    if (shards_.contains(id)) continue;
    Shard shard{.id = id, .parent = entry.parent};
    if (at_start) {
      // What a closed shard holds was written before the start.
      if (entry.closed) {
        shard.state = Shard::State::kFinished;
      } else {
        auto iterator = IteratorOf(id, "LATEST");
        if (!iterator) return std::unexpected(iterator.error());
        shard.state = Shard::State::kReading;
        shard.iterator = std::move(*iterator);
        shard.began_at_latest = true;
      }
    }
    shards_.emplace(id, std::move(shard));
  }
  return StartWaitingShards();
}

Status TableStreamFeed::StartWaitingShards() {
  for (auto& [id, shard] : shards_) {
    if (shard.state != Shard::State::kWaiting) continue;
    auto parent = shards_.find(shard.parent);
    if (parent != shards_.end() && parent->second.state != Shard::State::kFinished) continue;
    aws::ServiceError service_error;
    auto iterator = IteratorOf(id, "TRIM_HORIZON", {}, &service_error);
    if (!iterator && service_error.type == "ResourceNotFoundException") {
      MarkGap("shard " + id + " left the stream before it was read");
      shard.state = Shard::State::kFinished;
      continue;
    }
    if (!iterator) return std::unexpected(iterator.error());
    shard.state = Shard::State::kReading;
    shard.iterator = std::move(*iterator);
  }
  return {};
}

Result<std::string> TableStreamFeed::IteratorOf(const std::string& shard_id, std::string_view type,
                                                const std::string& sequence, aws::ServiceError* service_error) {
  json::object request{{"StreamArn", stream_arn_}, {"ShardId", shard_id}, {"ShardIteratorType", type}};
  if (!sequence.empty()) request["SequenceNumber"] = sequence;
  auto body = streams_->Call("GetShardIterator", json::serialize(request), service_error);
  if (!body) return std::unexpected(body.error());
  auto answer = ParseObject(*body, "GetShardIterator");
  if (!answer) return std::unexpected(answer.error());
  const std::string_view iterator = StringField(*answer, "ShardIterator");
  if (iterator.empty()) {
    return Fail(ErrorCode::kInternal, "dynamodb streams GetShardIterator: no ShardIterator for shard " + shard_id);
  }
  return std::string(iterator);
}

Status TableStreamFeed::RenewIterator(Shard& shard) {
  Result<std::string> iterator = std::string();
  aws::ServiceError service_error;
  if (!shard.last_sequence.empty()) {
    iterator = IteratorOf(shard.id, "AFTER_SEQUENCE_NUMBER", shard.last_sequence, &service_error);
    if (!iterator && service_error.type == "TrimmedDataAccessException") {
      MarkGap("records of shard " + shard.id + " after the last one read were trimmed from the stream");
      iterator = IteratorOf(shard.id, "TRIM_HORIZON", {}, &service_error);
    }
  } else if (!shard.began_at_latest) {
    iterator = IteratorOf(shard.id, "TRIM_HORIZON", {}, &service_error);
  } else {
    // Where LATEST was is not known any more: what came since may be lost.
    MarkGap("the iterator of shard " + shard.id + " expired before a record of it was read");
    iterator = IteratorOf(shard.id, "LATEST", {}, &service_error);
  }
  if (!iterator && service_error.type == "ResourceNotFoundException") {
    MarkGap("shard " + shard.id + " is gone from the stream");
    shard.state = Shard::State::kFinished;
    shard.iterator.clear();
    return {};
  }
  if (!iterator) return std::unexpected(iterator.error());
  shard.iterator = std::move(*iterator);
  return {};
}

Result<bool> TableStreamFeed::ReadShard(Shard& shard) {
  const json::object request{{"ShardIterator", shard.iterator}, {"Limit", options_.records_per_call}};
  aws::ServiceError service_error;
  auto body = streams_->Call("GetRecords", json::serialize(request), &service_error);
  if (!body) {
    if (service_error.type == "ExpiredIteratorException") {
      if (auto renewed = RenewIterator(shard); !renewed) return std::unexpected(renewed.error());
      return false;
    }
    if (service_error.type == "TrimmedDataAccessException") {
      MarkGap("records of shard " + shard.id + " were trimmed from the stream before they were read");
      shard.last_sequence.clear();
      shard.began_at_latest = false;
      if (auto renewed = RenewIterator(shard); !renewed) return std::unexpected(renewed.error());
      return false;
    }
    if (service_error.type == "ResourceNotFoundException") {
      MarkGap("shard " + shard.id + " is gone from the stream: " + service_error.message);
      shard.state = Shard::State::kFinished;
      shard.iterator.clear();
      return false;
    }
    return std::unexpected(body.error());
  }
  auto answer = ParseObject(*body, "GetRecords");
  if (!answer) return std::unexpected(answer.error());
  std::vector<ExecutionRecord> records;
  std::uint64_t reserved = 0, removals = 0, undecodable = 0, count = 0;
  if (const auto* list = answer->if_contains("Records"); list && list->is_array()) {
    for (const auto& value : list->get_array()) {
      if (!value.is_object()) continue;
      ++count;
      const json::object& record = value.get_object();
      const json::object* change = ObjectField(record, "dynamodb");
      if (change) {
        if (auto sequence = StringField(*change, "SequenceNumber"); !sequence.empty()) {
          shard.last_sequence = std::string(sequence);
        }
      }
      const std::string_view event = StringField(record, "eventName");
      if (event == "REMOVE") {
        ++removals;
        continue;
      }
      const json::object* image = change ? ObjectField(*change, "NewImage") : nullptr;
      if (!image) {
        ++undecodable;
        Say("dynamodb stream: a " + std::string(event) + " record of shard " + shard.id +
            " has no NewImage (the stream must be NEW_IMAGE or NEW_AND_OLD_IMAGES); skipped");
        continue;
      }
      const auto* arn = StringAttribute(*image, "executionArn");
      if (arn && std::string_view(*arn).starts_with(kReservedKeyPrefix)) {
        ++reserved;
        continue;
      }
      auto decoded = dynamodb::DecodeItem(*image);
      if (!decoded) {
        ++undecodable;
        Say("dynamodb stream: the image of " + (arn ? Quoted(std::string_view(*arn)) : std::string("an item")) +
            " in shard " + shard.id + " is not a record (" + decoded.error().message + "); skipped");
        continue;
      }
      records.push_back(std::move(*decoded));
    }
  }
  {
    std::lock_guard lock(mu_);
    stats_.reserved += reserved;
    stats_.removals += removals;
    stats_.undecodable += undecodable;
  }
  if (!records.empty()) Append(std::move(records));
  const auto* next = answer->if_contains("NextShardIterator");
  if (next && next->is_string() && !next->get_string().empty()) {
    shard.iterator = std::string(next->get_string());
  } else {
    // Closed and read to its end: its children may begin.
    shard.state = Shard::State::kFinished;
    shard.iterator.clear();
    std::lock_guard lock(mu_);
    ++stats_.shards_finished;
  }
  return count >= static_cast<std::uint64_t>(std::max(options_.records_per_call, 1));
}

void TableStreamFeed::Append(std::vector<ExecutionRecord> records) {
  {
    std::lock_guard lock(mu_);
    for (auto& record : records) {
      changes_.push_back(RecordChange{.sequence = (tag_ << kCounterBits) | next_n_++, .record = std::move(record)});
    }
    stats_.changes += records.size();
    const std::size_t capacity = std::max<std::size_t>(options_.capacity, 1);
    while (changes_.size() > capacity) {
      lost_through_ = std::max(lost_through_, changes_.front().sequence & kCounterMask);
      changes_.pop_front();
    }
  }
  Notify();
}

void TableStreamFeed::MarkGap(const std::string& why) {
  Say("dynamodb stream: records were lost (" + why + "); readers before this point must reload");
  {
    std::lock_guard lock(mu_);
    lost_through_ = next_n_++;
    ++stats_.gaps;
  }
  Notify();
}

ChangeRange TableStreamFeed::ReadChanges(std::uint64_t after, std::size_t limit, EpochSeconds now) const {
  std::lock_guard lock(mu_);
  const std::uint64_t base = tag_ << kCounterBits;
  const std::uint64_t latest_n = next_n_ - 1;
  ChangeRange range;
  range.latest = base | latest_n;
  if (after == 0) after = base;
  if ((after >> kCounterBits) != tag_) {
    range.missed = true;
    return range;
  }
  const std::uint64_t n = after & kCounterMask;
  if (n > latest_n) return range;  // Ahead: the caller tells.
  // As the embedded store's feed: what is kept after `after` comes too.
  range.missed = n < lost_through_;
  auto it = std::upper_bound(changes_.begin(), changes_.end(), after,
                             [](std::uint64_t id, const RecordChange& change) { return id < change.sequence; });
  for (; it != changes_.end() && range.changes.size() < limit; ++it) {
    if (!IsExpired(it->record, now)) range.changes.push_back(*it);
  }
  return range;
}

}  // namespace exidx
