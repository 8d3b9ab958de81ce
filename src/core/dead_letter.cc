#include "core/dead_letter.h"

#include <boost/json.hpp>

namespace exidx {

namespace json = boost::json;

Result<std::string> UnwrapDeadLetterBody(std::string_view body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) return Fail(ErrorCode::kInvalidEvent, "message body: invalid JSON: " + ec.message());
  const json::object* record = value.if_object();
  if (record == nullptr || !record->contains("requestContext") || !record->contains("requestPayload")) {
    return std::string(body);
  }
  const json::value& payload = record->at("requestPayload");
  if (!payload.is_object()) return Fail(ErrorCode::kInvalidEvent, "requestPayload: expected the event object");
  return json::serialize(payload);
}

}  // namespace exidx
