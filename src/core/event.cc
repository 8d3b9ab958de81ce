#include "core/event.h"

#include <algorithm>
#include <limits>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/record.h"
#include "core/utf8.h"

namespace exidx {
namespace json = boost::json;
namespace {

constexpr std::string_view kIndexedSource = "aws.states";
constexpr std::string_view kIndexedDetailType = "Step Functions Execution Status Change";

// Builds messages that name the event: "event 3 (id 'x'): detail.name: ...".
class EventErrors {
 public:
  explicit EventErrors(std::size_t position) : position_(position) {}
  void SetId(std::string id) { id_ = std::move(id); }

  std::unexpected<Error> operator()(std::string_view field, std::string_view problem) const {
    std::string where = fmt::format("event {}", position_);
    if (!id_.empty()) where += fmt::format(" (id {})", Quoted(id_));
    if (!field.empty()) where += fmt::format(": {}", field);
    return Fail(ErrorCode::kInvalidEvent, fmt::format("{}: {}", where, problem));
  }

 private:
  std::size_t position_;
  std::string id_;
};

std::string_view KindOf(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64: return "an integer";
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

// Reads the fields of `detail`, each with the error that names it.
class DetailReader {
 public:
  DetailReader(const json::object& detail, const EventErrors& fail) : detail_(detail), fail_(fail) {}

  Result<std::string> RequiredString(std::string_view key) const {
    const json::value* v = detail_.if_contains(key);
    if (v == nullptr || v->is_null()) return fail_(Field(key), "required string is missing");
    if (!v->is_string()) return fail_(Field(key), fmt::format("expected a string, got {}", KindOf(*v)));
    if (v->as_string().empty()) return fail_(Field(key), "must not be empty");
    return std::string(v->as_string());
  }

  // A string within Step Functions' own bounds: `max_bytes`, or
  // `max_characters` code points (the text is UTF-8, as JSON is).
  Result<std::string> BoundedString(std::string_view key, std::size_t max_bytes, std::size_t max_characters) const {
    auto text = RequiredString(key);
    if (!text) return text;
    return CheckBounds(key, std::move(*text), max_bytes, max_characters);
  }

  Result<std::string> CheckBounds(std::string_view key, std::string text, std::size_t max_bytes,
                                  std::size_t max_characters) const {
    if (text.size() > max_bytes) {
      return fail_(Field(key), fmt::format("{} bytes, more than Step Functions allows ({})", text.size(), max_bytes));
    }
    const auto characters = static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
    if (characters > max_characters) {
      return fail_(Field(key),
                   fmt::format("{} characters, more than Step Functions allows ({})", characters, max_characters));
    }
    return text;
  }

  Result<std::optional<std::string>> OptionalString(std::string_view key) const {
    const json::value* v = detail_.if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_string()) return fail_(Field(key), fmt::format("expected a string, got {}", KindOf(*v)));
    return std::string(v->as_string());
  }

  Result<std::optional<std::int64_t>> OptionalInteger(std::string_view key) const {
    const json::value* v = detail_.if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return fail_(Field(key), "integer out of range");
    return fail_(Field(key), fmt::format("expected an integer, got {}", KindOf(*v)));
  }

  Result<EpochMillis> Timestamp(std::string_view key, std::int64_t millis) const {
    if (millis < 0 || millis > kMaxEpochMillis) {
      return fail_(Field(key), fmt::format("epoch milliseconds out of range: {}", millis));
    }
    return millis;
  }

  static std::string Field(std::string_view key) { return fmt::format("detail.{}", key); }

 private:
  const json::object& detail_;
  const EventErrors& fail_;
};

Result<StatusChangeEvent> ReadDetail(const json::object& detail, std::string event_id, const EventErrors& fail) {
  DetailReader in(detail, fail);
  StatusChangeEvent event;
  event.event_id = std::move(event_id);

  constexpr std::size_t kAny = std::numeric_limits<std::size_t>::max();
  auto execution_arn = in.BoundedString("executionArn", kMaxArnBytes, kAny);
  if (!execution_arn) return std::unexpected(execution_arn.error());
  event.execution_arn = std::move(*execution_arn);
  auto state_machine_arn = in.BoundedString("stateMachineArn", kMaxArnBytes, kAny);
  if (!state_machine_arn) return std::unexpected(state_machine_arn.error());
  event.state_machine_arn = std::move(*state_machine_arn);
  auto name = in.BoundedString("name", kAny, kMaxNameCharacters);
  if (!name) return std::unexpected(name.error());
  event.execution_name = std::move(*name);

  auto status_name = in.RequiredString("status");
  if (!status_name) return std::unexpected(status_name.error());
  auto status = ParseStatus(*status_name);
  if (!status) {
    return fail(
        "detail.status",
        "expected one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE, got " + Quoted(*status_name));
  }
  event.status = *status;

  auto start = in.OptionalInteger("startDate");
  if (!start) return std::unexpected(start.error());
  if (!*start) return fail("detail.startDate", "required integer (epoch milliseconds) is missing");
  auto start_date = in.Timestamp("startDate", **start);
  if (!start_date) return std::unexpected(start_date.error());
  event.start_date = *start_date;

  auto stop = in.OptionalInteger("stopDate");
  if (!stop) return std::unexpected(stop.error());
  if (*stop) {
    auto stop_date = in.Timestamp("stopDate", **stop);
    if (!stop_date) return std::unexpected(stop_date.error());
    if (*stop_date < event.start_date) return fail("detail.stopDate", "is before startDate");
    event.stop_date = *stop_date;
  }

  auto redrive_count = in.OptionalInteger("redriveCount");
  if (!redrive_count) return std::unexpected(redrive_count.error());
  event.redrive_count = redrive_count->value_or(0);
  if (event.redrive_count < 0) return fail("detail.redriveCount", "must not be negative");

  auto error = in.OptionalString("error");
  if (!error) return std::unexpected(error.error());
  if (*error) {
    auto bounded = in.CheckBounds("error", std::move(**error), kAny, kMaxErrorCharacters);
    if (!bounded) return std::unexpected(bounded.error());
    event.error = std::move(*bounded);
  }
  auto cause = in.OptionalString("cause");
  if (!cause) return std::unexpected(cause.error());
  if (*cause) event.cause = CutUtf8(std::move(**cause), kMaxCauseBytes);
  return event;
}

Result<ParsedEvent> ReadEnvelope(const json::value& value, std::size_t position) {
  EventErrors fail(position);
  if (!value.is_object()) return fail("", fmt::format("expected a JSON object, got {}", KindOf(value)));
  const json::object& envelope = value.get_object();

  std::string event_id;
  if (const json::value* id = envelope.if_contains("id"); id != nullptr && id->is_string()) {
    event_id = std::string(id->get_string());
    fail.SetId(event_id);
  }
  const json::value* source = envelope.if_contains("source");
  const json::value* detail_type = envelope.if_contains("detail-type");
  if (source == nullptr || !source->is_string()) return fail("source", "required string is missing");
  if (detail_type == nullptr || !detail_type->is_string()) {
    return fail("detail-type", "required string is missing");
  }
  if (source->get_string() != kIndexedSource || detail_type->get_string() != kIndexedDetailType) {
    return SkippedEvent{std::move(event_id)};
  }
  const json::value* detail = envelope.if_contains("detail");
  if (detail == nullptr || detail->is_null()) return fail("detail", "required object is missing");
  if (!detail->is_object()) return fail("detail", fmt::format("expected an object, got {}", KindOf(*detail)));
  auto event = ReadDetail(detail->get_object(), std::move(event_id), fail);
  if (!event) return std::unexpected(event.error());
  return std::move(*event);
}

std::unexpected<Error> SyntaxError(std::size_t position, std::string_view what) {
  return Fail(ErrorCode::kInvalidEvent, fmt::format("event {}: invalid JSON: {}", position, what));
}

}  // namespace

Result<ParsedEvent> ParseEvent(std::string_view text, std::size_t position) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return SyntaxError(position, ec.message());
  return ReadEnvelope(value, position);
}

Result<std::vector<ParsedEvent>> ParseEventBatch(std::string_view body, std::size_t first_position) {
  std::vector<ParsedEvent> events;
  json::parser parser;
  std::size_t offset = 0;
  std::size_t values = 0;
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  for (;;) {
    while (offset < body.size() && is_space(body[offset])) ++offset;
    if (offset == body.size()) break;
    ++values;
    parser.reset();
    boost::system::error_code ec;
    std::size_t used = parser.write_some(body.data() + offset, body.size() - offset, ec);
    if (ec) return SyntaxError(first_position + events.size(), ec.message());
    offset += used;
    json::value value = parser.release();
    if (value.is_array() && values == 1) {
      // A JSON array is the whole batch: nothing may follow it.
      std::size_t rest = offset;
      while (rest < body.size() && is_space(body[rest])) ++rest;
      if (rest != body.size()) return SyntaxError(first_position, "a JSON array must be the whole body");
      for (const json::value& element : value.get_array()) {
        auto event = ReadEnvelope(element, first_position + events.size());
        if (!event) return std::unexpected(event.error());
        events.push_back(std::move(*event));
      }
      break;
    }
    auto event = ReadEnvelope(value, first_position + events.size());
    if (!event) return std::unexpected(event.error());
    events.push_back(std::move(*event));
  }
  return events;
}

ExecutionRecord RecordOf(const StatusChangeEvent& event, std::string agent_name, EpochMillis now) {
  return ExecutionRecord{
      .execution_arn = event.execution_arn,
      .agent_name = std::move(agent_name),
      .state_machine_arn = event.state_machine_arn,
      .execution_name = event.execution_name,
      .status = event.status,
      .start_date = event.start_date,
      .stop_date = event.stop_date,
      .redrive_count = event.redrive_count,
      .error = event.error,
      .cause = event.cause,
      .indexed_at = now,
  };
}

}  // namespace exidx
