#include "indexer/dead_letter_replay.h"

#include <fmt/format.h>

#include <set>

#include "core/dead_letter.h"

namespace exidx {
namespace {

constexpr std::size_t kMaxReceive = 10;  // SQS's limit per ReceiveMessage.

// The event of one message, or why it has none.
Result<ParsedEvent> EventOf(const aws::QueueMessage& message) {
  auto text = UnwrapDeadLetterBody(message.body);
  if (!text) return std::unexpected(text.error());
  return ParseEvent(*text, 1);
}

}  // namespace

std::string RenderDeadLetterCounts(const DeadLetterCounts& c) {
  std::string events = RenderIngestCounts(c.events);
  events.pop_back();  // The closing brace: the message counts follow.
  return events + fmt::format(R"(,"messagesReceived":{},"messagesDeleted":{},"messagesInvalid":{},)"
                              R"("movedToInvalidQueue":{},"leftInQueue":{}}})",
                              c.received, c.deleted, c.invalid, c.moved_to_invalid_queue, c.left_in_queue);
}

DeadLetterReplay::DeadLetterReplay(aws::SqsClient& queue, aws::SqsClient* invalid_queue, Indexer& indexer,
                                   DeadLetterReplayOptions options)
    : queue_(queue), invalid_queue_(invalid_queue), indexer_(indexer), options_(options) {}

Status DeadLetterReplay::Run(DeadLetterCounts* counts, DeadLetterReplayObserver* observer) {
  *counts = {};
  // Messages this run left in the queue: when their visibility timeout ends
  // during the run they are received again, and are then not handled twice.
  std::set<std::string, std::less<>> left;
  for (;;) {
    std::size_t wanted = kMaxReceive;
    if (options_.max_messages) {
      if (counts->received >= *options_.max_messages) return {};
      wanted = std::min(wanted, *options_.max_messages - counts->received);
    }
    auto received = queue_.Receive({.max_messages = static_cast<int>(wanted),
                                    .wait_seconds = options_.wait_seconds,
                                    .visibility_timeout = options_.visibility_timeout},
                                   Deadline::After(std::chrono::seconds(options_.wait_seconds + 30)));
    if (!received) return std::unexpected(received.error());
    std::erase_if(*received, [&](const aws::QueueMessage& m) { return left.contains(m.message_id); });
    if (received->empty()) return {};
    const std::size_t left_before = counts->left_in_queue;
    Status done = Batch(*received, counts, observer);
    if (counts->left_in_queue > left_before) {
      for (const aws::QueueMessage& message : *received) left.insert(message.message_id);
    }
    if (observer) observer->OnBatchDone(*counts);
    if (!done) return done;
  }
}

Status DeadLetterReplay::Batch(const std::vector<aws::QueueMessage>& messages, DeadLetterCounts* counts,
                               DeadLetterReplayObserver* observer) {
  // The batch's messages are hidden for the visibility timeout: its work ends by then.
  const Deadline deadline = Deadline::After(std::chrono::seconds(options_.visibility_timeout));
  counts->received += messages.size();
  std::vector<ParsedEvent> events;
  std::vector<std::string> to_delete;  // Receipt handles, of applied and moved messages.
  std::vector<std::pair<const aws::QueueMessage*, Error>> invalid;
  for (const aws::QueueMessage& message : messages) {
    auto event = EventOf(message);
    if (event) {
      events.push_back(std::move(*event));
      to_delete.push_back(message.receipt_handle);
    } else {
      invalid.emplace_back(&message, event.error());
    }
  }
  counts->invalid += invalid.size();
  if (!events.empty()) {
    auto applied = indexer_.Ingest(events, deadline);
    if (!applied) {
      counts->left_in_queue += messages.size();
      return std::unexpected(applied.error());
    }
    counts->events += *applied;
  }
  std::size_t moved = 0;
  for (const auto& [message, error] : invalid) {
    if (invalid_queue_ == nullptr) {
      if (observer) observer->OnInvalidMessage(*message, error, false);
      continue;
    }
    aws::MessageAttributes attributes = message->attributes;
    attributes[std::string(kInvalidReasonAttribute)] = error.message;
    if (auto sent = invalid_queue_->Send(message->body, attributes, deadline); !sent) {
      // Nothing of this batch is deleted yet: all of it comes back (the
      // applied events apply again as unchanged; a moved one may be sent twice).
      counts->left_in_queue += messages.size();
      return std::unexpected(sent.error());
    }
    if (observer) observer->OnInvalidMessage(*message, error, true);
    to_delete.push_back(message->receipt_handle);
    ++moved;
  }
  counts->moved_to_invalid_queue += moved;
  if (!to_delete.empty()) {
    if (auto deleted = queue_.DeleteBatch(to_delete, deadline); !deleted) {
      counts->left_in_queue += messages.size();
      return deleted;
    }
  }
  counts->deleted += to_delete.size();
  counts->left_in_queue += messages.size() - to_delete.size();
  return {};
}

}  // namespace exidx
