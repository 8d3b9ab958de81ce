// TableStreamFeed: the change feed of a DynamoDB-backed store, read from the
// table's DynamoDB stream (NEW_AND_OLD_IMAGES or NEW_IMAGE) into a bounded
// buffer in memory, for the ExecutionStore::ReadChanges of one process.
//
// Shards. The stream is a tree of shards: DynamoDB closes a shard (it gets
// an EndingSequenceNumber) and opens children whose ParentShardId names it,
// and each item's changes are in order within the lineage. So a child is
// read only once its parent is finished: closed and read to its end (a
// GetRecords without NextShardIterator), or no longer listed. Shards open at
// Start begin at LATEST (history is the list's business, not the feed's);
// shards listed later begin at TRIM_HORIZON, so that nothing written after
// Start returned is missed.
//
// What the buffer holds: one RecordChange per INSERT or MODIFY record whose
// NewImage decodes (DecodeItem) as a record; REMOVE records (TTL deletions)
// are not changes, nor are reserved items (executionArn beginning with
// kReservedKeyPrefix: secrets, checkpoints, statistics). An image that does
// not decode is reported to `diagnostics`, counted and skipped.
//
// Lost records. When the stream answers TrimmedDataAccessException (records
// past the 24-hour retention), a shard being read vanishes from the list, or
// an iterator expires before any record of its shard was read (LATEST cannot
// be found again), records may be gone: the feed marks a gap, which takes a
// sequence number of its own, and every reader before it gets missed = true.
// An expired iterator after a record was read is renewed exactly
// (AFTER_SEQUENCE_NUMBER of that record).
//
// Sequence numbers are local to the instance: (tag << 40) | n, where the tag
// is a random nonzero 23-bit value chosen at Start and n counts changes (and
// gaps) from 1. An id of another tag (another server, this one before a
// restart) is answered missed = true, so that a reader reloads instead of
// trusting ids that mean nothing here.
//
// Polling. One GetRecords per reading shard per round; a round starts
// options.poll_interval after the previous one started, or at once when some
// shard answered a full page. AWS advises at most two readers per shard (each
// GetRecords counts against the shard's 5 reads per second): a fleet of more
// than two servers on one table should raise the interval in proportion.
// Throttling, 5xx and network failures (left after the client's own retries)
// back off exponentially from the interval up to options.max_backoff.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "aws/json_client.h"
#include "core/error.h"
#include "core/time.h"
#include "store/execution_store.h"

namespace exidx {

struct TableStreamFeedOptions {
  // Time between the starts of two rounds of GetRecords over the shards being read.
  std::chrono::milliseconds poll_interval{1000};
  // Changes kept in memory; older ones are dropped (their readers get missed).
  std::size_t capacity = 100'000;
  // Records asked of one GetRecords (DynamoDB's maximum is 1000).
  int records_per_call = 1000;
  // How often the list of shards is read again (besides after a shard ends).
  std::chrono::milliseconds shard_list_interval{std::chrono::seconds(10)};
  // The longest wait after failures in a row.
  std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
  // One line per skipped image, lost records and failed call; empty: none.
  std::function<void(std::string_view)> diagnostics;
};

// Counters, for tests and metrics.
struct TableStreamFeedStats {
  std::uint64_t changes = 0;      // Appended to the buffer.
  std::uint64_t undecodable = 0;  // Images that did not decode (reported, skipped).
  std::uint64_t reserved = 0;     // Records of reserved items (skipped).
  std::uint64_t removals = 0;     // REMOVE records (skipped).
  std::uint64_t gaps = 0;         // Times records were lost.
  std::uint64_t failures = 0;     // Calls that failed (each followed by a backoff).
  std::uint64_t shards_finished = 0;
};

// Thread-safe: ReadChanges, SetListener and Stats may be called from any
// thread at any time; Start and Stop from one thread.
class TableStreamFeed {
 public:
  // Reads `stream_arn` through `streams` (a client of AwsService::kDynamoDbStreams
  // with target prefix "DynamoDBStreams_20120810").
  TableStreamFeed(std::unique_ptr<aws::JsonClient> streams, std::string stream_arn, TableStreamFeedOptions options);
  ~TableStreamFeed();  // Stops.
  TableStreamFeed(const TableStreamFeed&) = delete;
  TableStreamFeed& operator=(const TableStreamFeed&) = delete;

  // Chooses the tag, lists the shards and takes a LATEST iterator of each
  // open one, then starts the reading thread: a change written after Start
  // returns reaches the feed. Errors of the first listing are returned
  // (kUnavailable when the stream cannot be reached). Call once.
  Status Start();

  // Ends the reading thread (at most one call in flight finishes). Idempotent.
  void Stop();

  // ExecutionStore::ReadChanges over the buffer: up to `limit` changes after
  // `after` (0: from the oldest kept), leaving out records expired at `now`.
  // `latest` is the newest id (tag << 40 before the first change); missed is
  // true when `after` is of another tag (then with no changes) or changes
  // after it were dropped or lost (then with those kept after it). An id of
  // this tag beyond `latest` is answered with no change and missed = false:
  // the caller sees it is ahead.
  ChangeRange ReadChanges(std::uint64_t after, std::size_t limit, EpochSeconds now) const;

  // Called on the reading thread after changes (or a gap) reached the buffer.
  // Must not block; replaces the previous one; empty: none.
  void SetListener(std::function<void()> listener);

  TableStreamFeedStats Stats() const;
  // The instance tag (0 before Start).
  std::uint32_t tag() const;

 private:
  struct Shard;
  void Run();
  Status ListShards(bool at_start);
  Status StartWaitingShards();
  Result<std::string> IteratorOf(const std::string& shard_id, std::string_view type, const std::string& sequence = {},
                                 aws::ServiceError* service_error = nullptr);
  Result<bool> ReadShard(Shard& shard);
  Status RenewIterator(Shard& shard);
  void Append(std::vector<ExecutionRecord> records);
  void MarkGap(const std::string& why);
  void Say(const std::string& line) const;
  void Notify();
  bool SleepFor(std::chrono::milliseconds time);  // False once stopping.

  const std::unique_ptr<aws::JsonClient> streams_;
  const std::string stream_arn_;
  const TableStreamFeedOptions options_;

  // Reading thread only (and Start, before the thread exists).
  std::map<std::string, Shard> shards_;
  std::chrono::steady_clock::time_point listed_at_;
  std::thread thread_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                // Guarded by mu_.
  std::uint64_t tag_ = 0;                // Guarded by mu_ (set once by Start).
  std::uint64_t next_n_ = 1;             // Guarded by mu_.
  std::uint64_t lost_through_ = 0;       // Guarded by mu_: readers before it missed changes.
  std::deque<RecordChange> changes_;     // Guarded by mu_: ascending sequences.
  TableStreamFeedStats stats_;           // Guarded by mu_.

  std::mutex listener_mu_;
  std::function<void()> listener_;  // Guarded by listener_mu_.
};

}  // namespace exidx
