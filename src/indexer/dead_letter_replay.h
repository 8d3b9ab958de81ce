// DeadLetterReplay: drains the dead-letter queue (deploy/template.yaml's
// DeadLetterQueue) into the index through the Indexer, the path every event
// takes, so the agent rule, the tag cache and the version-rule merge are
// ingest's.
//
// Nothing is lost by a replay that stops or crashes at any point: a message
// is deleted only after its event is durably applied (Indexer::Ingest
// returned), or after an invalid one was sent to the invalid-message queue.
// Everything else becomes visible again after the visibility timeout, and
// replaying it again is safe because merging is idempotent.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "aws/sqs_client.h"
#include "core/error.h"
#include "indexer/indexer.h"

namespace exidx {

struct DeadLetterReplayOptions {
  // Seconds a received batch stays hidden from other receives; the batch's
  // apply and delete must end within it (it is the deadline of that work),
  // else another receive may take the same messages (harmless: idempotent).
  int visibility_timeout = 120;
  int wait_seconds = 0;  // Long polling per receive, 0..20.
  // Stop after receiving this many messages; nullopt: until the queue is drained.
  std::optional<std::size_t> max_messages;
};

// What a replay did: the events' counts as ingest gives them, and the messages'.
struct DeadLetterCounts {
  IngestCounts events;
  std::size_t received = 0;                // Messages received (each once per run).
  std::size_t deleted = 0;                 // Deleted from the dead-letter queue.
  std::size_t invalid = 0;                 // Bodies that hold no valid event.
  std::size_t moved_to_invalid_queue = 0;  // Of those, sent to the invalid-message queue (and deleted).
  std::size_t left_in_queue = 0;           // Received but not deleted: they come back after the visibility timeout.
};

// RenderIngestCounts' fields, then "messagesReceived", "messagesDeleted",
// "messagesInvalid", "movedToInvalidQueue", "leftInQueue".
std::string RenderDeadLetterCounts(const DeadLetterCounts& counts);

// Told of what a replay meets, as it goes (for progress and reports).
class DeadLetterReplayObserver {
 public:
  virtual ~DeadLetterReplayObserver() = default;
  // A message whose body holds no valid event; `moved`: it was sent to the
  // invalid-message queue (and will be deleted), else it is left in the queue.
  virtual void OnInvalidMessage(const aws::QueueMessage& message, const Error& error, bool moved) = 0;
  // After each batch, the counts so far.
  virtual void OnBatchDone(const DeadLetterCounts& counts) = 0;
};

// Not thread-safe: one Run at a time. All references must outlive it.
class DeadLetterReplay {
 public:
  // `invalid_queue`: where invalid messages go (may be null: they stay).
  DeadLetterReplay(aws::SqsClient& queue, aws::SqsClient* invalid_queue, Indexer& indexer,
                   DeadLetterReplayOptions options);

  // Receives batches of up to 10 messages until a receive returns none (or
  // only messages this run already left) or max_messages were received. Per
  // batch: every body is unwrapped (core/dead_letter.h) and parsed; the valid
  // events are applied in one Indexer::Ingest; invalid ones are sent to the
  // invalid queue with the original attributes plus EXIDX_INVALID_REASON;
  // then the applied and moved messages are deleted in one DeleteMessageBatch.
  // A foreign event (skipped by ingest) counts as applied.
  //
  // Returns the first failure of a receive, an apply, a send or a delete and
  // stops there: the messages of that batch not yet deleted are left (they
  // come back after the visibility timeout). `*counts` always tells what was done.
  Status Run(DeadLetterCounts* counts, DeadLetterReplayObserver* observer = nullptr);

 private:
  Status Batch(const std::vector<aws::QueueMessage>& messages, DeadLetterCounts* counts,
               DeadLetterReplayObserver* observer);

  aws::SqsClient& queue_;
  aws::SqsClient* const invalid_queue_;
  Indexer& indexer_;
  const DeadLetterReplayOptions options_;
};

// The message attribute an invalid message carries in the invalid queue: why it is invalid.
inline constexpr std::string_view kInvalidReasonAttribute = "EXIDX_INVALID_REASON";

}  // namespace exidx
