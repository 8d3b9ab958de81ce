// The bodies of messages in the dead-letter queue (deploy/template.yaml's
// DeadLetterQueue), which two writers fill:
//   - the EventBridge rule target's DLQ: the body is the event itself;
//   - the index function's asynchronous on-failure destination: the body is a
//     Lambda invocation record, {"version":"1.0","timestamp":...,
//     "requestContext":{...},"requestPayload":<the event>,"responseContext":
//     {...},"responsePayload":{...}}.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace exidx {

// The event JSON a dead-letter body carries: the invocation record's
// requestPayload (a record is an object holding both requestContext and
// requestPayload), else the body as it is. kInvalidEvent, naming the field,
// for a body that is not JSON or a record whose requestPayload is not an
// object. An event itself is not validated here (ParseEvent does that).
Result<std::string> UnwrapDeadLetterBody(std::string_view body);

}  // namespace exidx
