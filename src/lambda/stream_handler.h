// StreamHandler (`_HANDLER=stream`): reads the DynamoDB stream of the index
// table (NEW_AND_OLD_IMAGES) and publishes every changed execution record,
// so that AppSync subscribers (the History page) see changes live.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/deadline.h"
#include "core/error.h"
#include "lambda/execution_change_publisher.h"
#include "lambda/handlers.h"

namespace exidx::lambda {

// The payload is a DynamoDB Streams event:
//   {"Records":[{"eventID":..,"eventName":"INSERT"|"MODIFY"|"REMOVE",
//     "dynamodb":{"Keys":..,"NewImage":..,"OldImage":..,"SequenceNumber":..}}, ...]}
// Records are handled in order. Each INSERT or MODIFY of an execution record
// is decoded (dynamodb::DecodeItem) and published. Skipped: REMOVE (TTL
// expiry and deletions), reserved items (executionArn "#exidx#...": the
// page-token secret, checkpoints, statistics), and a MODIFY whose old and new
// images have the same version (a rewrite such as `exidx migrate`'s; an old
// image that does not decode does not count as the same).
//
// The answer is the partial batch response of ReportBatchItemFailures:
// {"batchItemFailures":[]} when every record was published or skipped, else
// {"batchItemFailures":[{"itemIdentifier":"<SequenceNumber>"}]} naming the
// first record that failed (its publish failed, its new image is missing or
// does not decode, or the deadline came first); the records after it are not
// tried, so Lambda's retry from there publishes in stream order, and no
// change is dropped without a failure being reported. Each failure is logged,
// naming the record. Errors (the whole batch is retried): kInvalidEvent when
// the payload is not that shape, or a record has no SequenceNumber or an
// unknown eventName.
class StreamHandler final : public InvocationHandler {
 public:
  // `publisher` must outlive the handler; `log` gets one line per failure and
  // one with the counts of each invocation (may be empty).
  StreamHandler(ExecutionChangePublisher& publisher, LogSink log) : publisher_(publisher), log_(std::move(log)) {}
  Result<std::string> Handle(std::string_view payload, const Deadline& deadline) override;

  // Publishing stops this long before the invocation's deadline, so that the
  // answer naming the unpublished records is posted before the runtime loop
  // gives up on the invocation.
  static constexpr std::chrono::milliseconds kAnswerReserve{200};

 private:
  void Log(const std::string& line) const {
    if (log_) log_(LogKind::kInfo, line);
  }

  ExecutionChangePublisher& publisher_;
  const LogSink log_;
};

}  // namespace exidx::lambda
