// MigrateTable: rewrites the items of a DynamoDB table that lack the index
// attributes (version, startKey, agentStatus, allShard: dynamodb_store.h), as
// the first design wrote them, so that every index serves them.
//
// How: a parallel Scan (Segment/TotalSegments), each segment a thread that
// reads a page, rewrites the page's items with up to a share of
// `writes_in_flight` conditional UpdateItems at once, and only then records the
// page's LastEvaluatedKey as the checkpoint "migrate/<segment>/<total>" of the
// store ("done" once the segment ends), so that a run killed at any point
// resumes (options.resume) without skipping an item. A rewrite sets the item's
// attributes to the canonical encoding of its record (EncodeItem: the record
// attributes as this version writes them, and the index attributes) and
// removes the record attributes that encoding has not (a NULL stopDate, a zero
// redriveCount); attributes it does not know are left as they are. It is
// conditioned on every record and index attribute being exactly what the Scan
// read (equal, or still absent), so a write in between is never overwritten:
// after a failed condition the item is read again; one that a live write
// indexed (or deleted) meanwhile is counted as left alone, one still without
// index attributes (a writer of the first design changed it) is rewritten from
// what was read, up to kMigrationAttempts times in all.
//
// What the first design wrote is read tolerantly: indexedAt may be missing
// (the record's latest known time, stopDate or else startDate, stands in for
// when it last changed), timestamps may be epoch milliseconds (N) or carry an
// offset, optional attributes may be NULL, redriveCount may be a string of
// digits, durationSeconds may have any form (it is derived again). An item
// that still cannot be read is counted, reported through on_not_rewritten by
// its key, never written, and does not stop the run. Items that have all four
// index attributes are skipped, so a completed migration run again writes
// nothing; reserved items (kReservedKeyPrefix: the page token secret, the
// checkpoints) are passed over and not counted at all.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/dynamodb/dynamodb_store.h"

namespace exidx {

inline constexpr int kMigrationAttempts = 3;
// One thread per segment: DynamoDB allows a million segments, a process not.
inline constexpr int kMaxMigrationSegments = 256;

// Counted over the whole run (all segments); a resumed run counts only what
// it scanned itself.
struct MigrationCounts {
  std::uint64_t scanned = 0;      // Items the Scan returned, reserved items aside.
  std::uint64_t rewritten = 0;    // Items given the index attributes (a dry run: that would be).
  std::uint64_t skipped = 0;      // Items that had them already.
  std::uint64_t left_alone = 0;   // Items changed by another writer during the run, not rewritten.
  std::uint64_t undecodable = 0;  // Items whose record could not be read: not rewritten.
  std::uint64_t calls = 0;        // DynamoDB requests, retries included.

  bool operator==(const MigrationCounts&) const = default;
};

struct MigrationOptions {
  int total_segments = 4;  // 1..kMaxMigrationSegments; one thread each.
  // UpdateItems in flight at most, shared out over the segments (at least one each).
  int writes_in_flight = 16;
  int page_limit = 0;    // Items per Scan page (Limit); 0: DynamoDB's 1 MB pages.
  bool dry_run = false;  // Scan and count only: no write, no checkpoint.
  // Start each segment after its checkpoint ("done": not at all). Without it
  // every segment starts at the beginning and overwrites its checkpoint.
  bool resume = false;
  // When it becomes true, each segment stops before its next page (its
  // checkpoint then says where to resume) and MigrateTable fails kUnavailable.
  const std::atomic<bool>* stop = nullptr;
  // Called from the segment threads after each page and each rewrite with the counts so far,
  // and with the approximate item count of the table (DescribeTable's
  // ItemCount, which DynamoDB updates about every six hours) once at the start.
  std::function<void(const MigrationCounts&)> on_progress;
  std::function<void(std::uint64_t approximate_items)> on_total;
  // An item left without the index attributes: its record could not be read
  // (counted undecodable), or it was changed by a first-design writer before
  // each of kMigrationAttempts rewrites (counted left alone). Its key and why.
  std::function<void(const std::string& execution_arn, const Error& error)> on_not_rewritten;
  // Tests: called with the keys of a page's items to rewrite after the page
  // was read and before any of them is written.
  std::function<void(const std::vector<std::string>& execution_arns)> before_rewrites;
};

// The checkpoint of `segment` of a run over `total` segments: "migrate/<segment>/<total>".
std::string MigrationCheckpointName(int segment, int total);

// Runs the migration of `store`'s table. The counts of the whole run when
// every segment reached its end; otherwise the first error (kUnavailable for
// throttling or DynamoDB failures that outlasted the client's retries, and for
// a stop), with no checkpoint past an item not yet rewritten. `*counts`, when
// given, holds what was done either way. kInvalidParameter for options out of
// range. Thread-safe as far as `store` is; the callbacks must be thread-safe.
Result<MigrationCounts> MigrateTable(DynamoDbStore& store, const MigrationOptions& options,
                                     MigrationCounts* counts = nullptr);

}  // namespace exidx
