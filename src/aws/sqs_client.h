// SqsClient: the three SQS operations that replaying the dead-letter queue
// needs (receive, delete in batches, send), over JsonClient: SQS's AWS JSON
// 1.0 protocol, X-Amz-Target "AmazonSQS.<Operation>".
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws/json_client.h"
#include "core/deadline.h"
#include "core/error.h"

namespace exidx::aws {

// Message attributes of type String (and Number, kept as their text), name ->
// value. Binary attributes are not kept: neither EventBridge nor Lambda
// writes any to a dead-letter queue.
using MessageAttributes = std::map<std::string, std::string, std::less<>>;

struct QueueMessage {
  std::string message_id;
  std::string receipt_handle;  // What DeleteMessageBatch needs; valid for this receive only.
  std::string body;
  MessageAttributes attributes;
  int approximate_receive_count = 0;  // 1 on the first receive; 0 when SQS did not say.
};

struct ReceiveOptions {
  int max_messages = 10;        // 1..10 (SQS's limit per receive).
  int wait_seconds = 0;         // 0..20: long polling.
  int visibility_timeout = 30;  // Seconds the received messages stay hidden from other receives.
};

// Thread-safe (JsonClient is). Errors as JsonClient::Call gives them:
// kUnavailable for what a retry may cure, kInternal otherwise (a missing
// queue, denied access, an answer that is not SQS's).
class SqsClient {
 public:
  // A client for the queue at `queue_url` (https://sqs.<region>.amazonaws.com/<account>/<name>).
  // The region is the URL's (sqs.<region>.amazonaws.com) when the host names
  // one, else the environment's (ResolveRegion); the endpoint is
  // AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL when set, else the region's.
  // kInvalidParameter for a URL that is not http(s); kInternal when no region is found.
  static Result<std::unique_ptr<SqsClient>> ForQueue(std::shared_ptr<AwsContext> context, std::string queue_url,
                                                     JsonClientOptions options = {});
  SqsClient(std::unique_ptr<JsonClient> client, std::string queue_url)
      : client_(std::move(client)), queue_url_(std::move(queue_url)) {}

  // Up to options.max_messages messages, with all their message attributes
  // and ApproximateReceiveCount; empty when none is visible (after waiting
  // up to wait_seconds). kInvalidParameter for options out of range.
  Result<std::vector<QueueMessage>> Receive(const ReceiveOptions& options, const Deadline& deadline);

  // Deletes the messages of these receipt handles (1..10 of them, one
  // DeleteMessageBatch). Succeeds only when every entry was deleted: a failed
  // entry fails the call, kUnavailable when SQS says the fault is its own,
  // kInternal when it is the request's (an expired receipt handle), naming
  // the entry and its code. A failed call may have deleted some of them.
  Status DeleteBatch(const std::vector<std::string>& receipt_handles, const Deadline& deadline);

  // Sends one message; returns its MessageId.
  Result<std::string> Send(std::string_view body, const MessageAttributes& attributes, const Deadline& deadline);

  const std::string& queue_url() const { return queue_url_; }
  const std::string& region() const { return client_->region(); }

 private:
  const std::unique_ptr<JsonClient> client_;
  const std::string queue_url_;
};

// The region of an SQS queue URL's host, sqs.<region>.amazonaws.com (or
// .amazonaws.com.cn); "" when the host is not of that form (a local endpoint).
std::string RegionOfQueueUrl(std::string_view queue_url);

}  // namespace exidx::aws
