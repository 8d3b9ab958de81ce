// DynamoDbStore: the ExecutionStore over one DynamoDB table (CONTRACT.md
// sections 4, 5 and 10), for Lambda and for servers that share one index.
//
// The table: primary key executionArn; the record's attributes as CONTRACT.md
// section 4 names them; and attributes only for indexing and merging:
//   version      fixed-width text whose order is the version rule's order, so
//                DynamoDB itself enforces the rule in a conditional PutItem
//   startKey     "<startDate>#<executionArn>": a sort key with no ties, so an
//                index hands out items in exactly (startDate, executionArn) order
//   agentStatus  "<agentName>#<status>" (status has no '#': unambiguous)
//   allShard     "all#<k>", k = FNV-1a(executionArn) mod kAllShards
// and these global secondary indexes, all projecting every attribute:
//   AgentDateIndex       (agentName, startDate)    seed; agent only
//   StatusDateIndex      (status, startDate)       seed; status only
//   AgentStatusDateIndex (agentStatus, startKey)   agent and status
//   AllDateIndex         (allShard, startKey)      no filter: kAllShards
//                        partitions (no hot partition), merged on read
// The seed indexes sort by startDate alone; DynamoDB orders equal sort keys
// arbitrarily, so reads from them gather each run of equal startDates whole
// and sort it by executionArn. A table with only the seed indexes (found with
// DescribeTable at Open) is served correctly: agent and status through
// AgentDateIndex with a FilterExpression on status (it reads the agent's
// other statuses too), no filter by merging the six status partitions of
// StatusDateIndex.
//
// Reserved items, whose executionArn begins with "#exidx#" (an execution ARN
// begins with "arn:"), hold what is not a record: the page token secret
// ("#exidx#page-token-secret") unless the options give one, the checkpoints
// ("#exidx#checkpoint#<name>", attribute `checkpoint`), the shared tag
// cache's entries (tag_cache_items.h), and the statistics' cells and agent
// counts (stat_cells.h). They have no record index
// attributes, so no record query returns them, and Get never does.
//
// Statistics: on a table with StatsIndex (statsPartition, statsKey), Apply
// writes each changed record in one TransactWriteItems with the updates of
// the cell and agent count it leaves and the ones it enters (stat_cells.h):
// it reads the stored item (strongly consistent), and the transaction's
// condition is that item's version and `counted` unchanged, so a concurrent
// writer makes it read again and retry, and a record counts in exactly one
// cell, its current one, whatever duplicates, order, redrives or racing
// writers brought. Cells are sharded (kCellShards) so that many writers on
// one agent's current hour seldom conflict. ReadHourlyStats and ListAgents
// read StatsIndex, a global secondary index: eventually consistent, usually
// within a second. CountExisting (exidx init) counts the records written
// before the table had statistics. A table without StatsIndex (or a DynamoDB
// without TransactWriteItems, such as dynalite) keeps none: they answer
// kUnavailable.
//
// Retention: every PutItem carries the record's `ttl` (DynamoDB's TTL is on
// that attribute, exidx init enables it); Get and Scan skip items whose ttl
// has passed but that DynamoDB has not deleted yet (it can take days), Scan
// still handing out full pages. DeleteExpired does nothing: DynamoDB deletes.
//
// Consistency: Get and Apply are strongly consistent; Scan reads global
// secondary indexes, which DynamoDB updates asynchronously (usually within a
// second), so a just-applied change may be missing from a Scan.
//
// Change feed: with options.change_feed, Open starts a TableStreamFeed
// (stream_feed.h) on the table's stream, and ReadChanges answers from it:
// every change of the table, whichever server wrote it, reaches the feed
// after the stream's delay (DynamoDB's propagation, usually well under a
// second, plus up to one poll interval), not atomically with Apply; ids are
// this process's own. Without it (Lambda, the CLI's commands) no thread is
// started and ReadChanges answers kUnavailable.
#pragma once

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aws/json_client.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/retention.h"
#include "store/dynamodb/stream_feed.h"
#include "store/execution_store.h"

namespace exidx {

inline constexpr int kAllShards = 8;
inline constexpr std::string_view kReservedKeyPrefix = "#exidx#";
inline constexpr std::string_view kTokenSecretKey = "#exidx#page-token-secret";

// How often a store opened on a table without (an ACTIVE) StatsIndex looks
// again: a process that opened the table before exidx init added the index
// keeps the statistics within this time, and exidx init waits this long
// before it counts the records written before (so that it never races a
// process that still writes without them).
inline constexpr std::chrono::seconds kLayoutRefresh{60};

struct DynamoDbStoreOptions {
  std::string table_name;
  // When set, page tokens are authenticated with this secret (at least 16
  // bytes) instead of the one kept in the table. Every server over the same
  // table must then be given the same one.
  std::optional<std::string> token_secret;
  // PutItem requests one Apply keeps in flight at most (1: one at a time);
  // the calling thread and up to this many less one helper threads send them.
  // On moto_server (2 shared cores) 16 ingest 1.5x faster than one at a time,
  // moto itself being the limit; DynamoDB's PutItems wait on the network.
  int max_writes_in_flight = 16;
  // The ttl every PutItem writes (ExecutionStore's header); empty: none.
  // DynamoDB's TTL deletes expired items within days; reads skip them before.
  RetentionPolicy retention;
  // What "now" is for expiry; not owned; nullptr: the system's clock.
  const Clock* clock = nullptr;
  // When set, the store follows the table's stream (which must be enabled
  // with NEW_IMAGE or NEW_AND_OLD_IMAGES, as exidx init makes it) and keeps
  // a change feed: a thread per store. nullopt: no feed, no thread.
  std::optional<TableStreamFeedOptions> change_feed;
};

// Which indexes a table has, as CreateTable makes them.
enum class TableLayout {
  kFull,          // The seed indexes, AgentStatusDateIndex, AllDateIndex and StatsIndex.
  kNoStatistics,  // kFull without StatsIndex: for DynamoDBs without transactions.
  kSeedOnly,      // AgentDateIndex and StatusDateIndex only, as the seed deployed it.
};

// What CreateTable did.
struct TableSetup {
  bool created = false;                     // The table did not exist.
  std::vector<std::string> added_indexes;   // Indexes it added to an existing table.
  bool added_statistics = false;            // One of them was StatsIndex.
};

// Cost counters, for tests and metrics.
struct DynamoDbStoreStats {
  std::uint64_t requests = 0;        // HTTP requests (retries included).
  std::uint64_t items_read = 0;      // Items DynamoDB read (ScannedCount; GetItem hits).
  std::uint64_t items_returned = 0;  // Records handed back by Scan.
};

// Thread-safe.
class DynamoDbStore final : public ExecutionStore {
 public:
  // Opens the table named in `options` with DynamoDB (and, for a change
  // feed, DynamoDB Streams) found through `context`'s environment. kInternal
  // when the table does not exist or lacks the seed indexes, or when a feed
  // is asked of a table without a stream of new images; kUnavailable when
  // DynamoDB or its stream cannot be reached.
  static Result<std::unique_ptr<DynamoDbStore>> Open(std::shared_ptr<aws::AwsContext> context,
                                                     DynamoDbStoreOptions options);
  // The same over given clients (for tests: counters, retry settings, fakes).
  // `streams` is used only with options.change_feed, which requires it
  // (kInvalidParameter without).
  static Result<std::unique_ptr<DynamoDbStore>> Open(std::unique_ptr<aws::JsonClient> client,
                                                     DynamoDbStoreOptions options,
                                                     std::unique_ptr<aws::JsonClient> streams = nullptr);

  // Creates the table: PAY_PER_REQUEST, the indexes of `layout`, stream
  // NEW_AND_OLD_IMAGES; waits until it is ACTIVE; then enables point-in-time
  // recovery and TTL on `ttl`. On an existing table it adds the indexes of
  // `layout` it lacks (one at a time, as DynamoDB requires) and the settings.
  // `log` receives one line per step taken.
  // Returns what it did.
  static Result<TableSetup> CreateTable(aws::JsonClient& client, const std::string& table_name, TableLayout layout,
                                        const std::function<void(const std::string&)>& log = {});

  // Counts in the statistics every record item that counts nowhere yet
  // (written before the table had StatsIndex), each in one transaction
  // conditioned on the record being unchanged, so that it races Apply
  // safely; runs again harmlessly. `log` gets a progress line now and then.
  // Returns how many records it counted.
  static Result<std::uint64_t> CountExisting(aws::JsonClient& client, const std::string& table_name,
                                             const std::function<void(const std::string&)>& log = {});

  // Deletes the table (tests).
  static Status DeleteTable(aws::JsonClient& client, const std::string& table_name);

  using ExecutionStore::Apply;
  // One conditional PutItem per execution (its greatest candidate), up to
  // options.max_writes_in_flight at a time, handed out in the order of each
  // execution's first candidate. Each execution is written whole or not at
  // all; on an error no new PutItem starts, those in flight finish, and the
  // call fails with the first error, `known` holding the outcomes of the
  // executions whose PutItem was answered (so that a failure leaves as long a
  // known-applied prefix as it can). An execution whose PutItem failed may
  // still have been written (a cut connection, a timeout): retrying is safe.
  // `deadline` bounds every PutItem and its retries; none starts past it.
  Result<std::vector<ApplyOutcome>> Apply(std::span<const ExecutionRecord> candidates, const Deadline& deadline,
                                          KnownOutcomes* known) override;
  Result<std::vector<ExecutionRecord>> Scan(const ScanRequest& request) override;
  Result<std::optional<ExecutionRecord>> Get(std::string_view execution_arn) override;
  Result<std::string> PageTokenSecret() override;
  // A reserved item per checkpoint, written by an unconditional PutItem.
  // One reserved item per state machine (tag_cache_items.h): a strongly
  // consistent GetItem; a PutItem conditioned on the stored tagVersion.
  Result<std::optional<TagCacheEntry>> ReadTagEntry(std::string_view state_machine_arn,
                                                    const Deadline& deadline) override;
  Result<bool> SwapTagEntry(std::string_view state_machine_arn, std::uint64_t expected_version,
                            const TagCacheEntry& desired, const Deadline& deadline) override;
  Result<std::optional<std::string>> ReadCheckpoint(std::string_view name) override;
  Status WriteCheckpoint(std::string_view name, std::string_view value) override;
  // From StatsIndex (see above); kUnavailable on a table without it.
  Result<std::vector<HourlyStat>> ReadHourlyStats(const StatsRequest& request) override;
  Result<std::vector<AgentSummary>> ListAgents() override;
  // From the stream (see above); kUnavailable without options.change_feed.
  Result<ChangeRange> ReadChanges(std::uint64_t after, std::size_t limit) override;
  // Called on the feed's thread after changes reached it (this process's
  // own included, as they come back through the stream).
  void SetChangeListener(std::function<void()> listener) override;

  // True when the table has AgentStatusDateIndex and AllDateIndex.
  bool has_full_layout() const { return has_agent_status_index_ && has_all_index_; }
  // True when Apply keeps the statistics (the table has StatsIndex).
  bool keeps_statistics() const { return has_stats_index_; }
  DynamoDbStoreStats Stats() const;
  aws::JsonClient& client() { return *client_; }
  const std::string& table_name() const { return options_.table_name; }
  // The feed, or nullptr without options.change_feed.
  const TableStreamFeed* change_feed() const { return feed_.get(); }

 private:
  class PartitionReader;  // Reads one index partition in exact order.

  DynamoDbStore(std::unique_ptr<aws::JsonClient> client, DynamoDbStoreOptions options)
      : client_(std::move(client)), options_(std::move(options)) {}
  // Reads the table's indexes and, when `read_stream` (at Open only: the
  // feed reads them after), its stream, with DescribeTable.
  Status DescribeTable(bool read_stream);
  // DescribeTable again (indexes only) when kLayoutRefresh has passed and
  // the table may still gain StatsIndex or see it become ACTIVE.
  Status RefreshLayout();
  EpochSeconds NowSeconds() const { return SecondsOf(ClockOr(options_.clock).NowMillis()); }
  // Writes the greatest of the candidates at `positions` (one execution's) and
  // sets their outcomes.
  Status PutLatest(std::span<const ExecutionRecord> candidates, const std::vector<std::size_t>& positions,
                   const Deadline& deadline, std::vector<ApplyOutcome>& outcomes);
  // The same, as a transaction with the record's statistics.
  Status PutCounted(std::span<const ExecutionRecord> candidates, const std::vector<std::size_t>& positions,
                    const Deadline& deadline, std::vector<ApplyOutcome>& outcomes);
  // Every item of StatsIndex partition `partition` with statsKey in [low, high].
  Result<std::vector<boost::json::object>> QueryStats(const std::string& partition, const std::string& low,
                                                      const std::string& high, const std::string& filter,
                                                      const boost::json::object& values);
  Result<std::string> CallCounted(std::string_view operation, const std::string& request);
  Result<std::vector<ExecutionRecord>> Merge(std::vector<std::unique_ptr<PartitionReader>> readers,
                                             const ScanRequest& request);

  const std::unique_ptr<aws::JsonClient> client_;
  const DynamoDbStoreOptions options_;
  std::atomic<bool> has_agent_status_index_{false};
  std::atomic<bool> has_all_index_{false};
  std::atomic<bool> has_stats_index_{false};  // Apply keeps the statistics.
  std::atomic<bool> stats_readable_{false};   // StatsIndex is ACTIVE: they can be read.
  std::atomic<std::int64_t> next_describe_millis_{0};  // Steady clock.
  std::mutex secret_mu_;
  std::optional<std::string> secret_;  // Guarded by secret_mu_.
  std::atomic<std::uint64_t> items_read_{0}, items_returned_{0};
  std::string stream_arn_;        // LatestStreamArn; empty: no stream enabled.
  std::string stream_view_type_;  // StreamSpecification's StreamViewType.
  std::unique_ptr<TableStreamFeed> feed_;  // Last: stopped first.
};

// The version of a record as text whose byte order is VersionOf's order.
std::string VersionKey(const ExecutionRecord& record);

// The shard of AllDateIndex an execution goes to: 0 .. kAllShards-1.
int AllShardOf(std::string_view execution_arn);

}  // namespace exidx
