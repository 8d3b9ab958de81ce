// What `exidx ingest` reads: everything ParseEventBatch takes (one event, a
// JSON array, NDJSON) and also what an operator takes out of the
// dead-letter queue (core/dead_letter.h):
//   - the output of `aws sqs receive-message ... --message-attribute-names All`:
//     {"Messages":[{"MessageId":...,"ReceiptHandle":...,"Body":"<json>",...}, ...]};
//   - one such message object (an object with a string Body);
//   - a Lambda invocation record (its requestPayload is the event);
// any number of them, one after the other, in any layout (pretty-printed too).
// The HTTP POST /v1/events body is not read by this: it takes events only.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/event.h"

namespace exidx {

// Events in the order their text gives them, numbered in messages from
// `first_position`. All or nothing, as ParseEventBatch: the first invalid
// event (or message) fails the whole text with kInvalidEvent.
Result<std::vector<ParsedEvent>> ParseIngestInput(std::string_view text, std::size_t first_position = 1);

}  // namespace exidx
