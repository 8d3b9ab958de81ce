#include "core/ingest_input.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/dead_letter.h"

namespace exidx {
namespace {

namespace json = boost::json;

// Parses the values of `text` one by one, unwrapping the queue's shapes.
class QueuedEventReader {
 public:
  explicit QueuedEventReader(std::size_t first_position) : next_position_(first_position) {}

  Status Read(std::string_view text) {
    json::parser parser;
    std::size_t offset = 0;
    for (;;) {
      offset = text.find_first_not_of(" \t\r\n", offset);
      if (offset == std::string_view::npos) return {};
      parser.reset();
      boost::system::error_code ec;
      offset += parser.write_some(text.data() + offset, text.size() - offset, ec);
      if (ec)
        return Fail(ErrorCode::kInvalidEvent, fmt::format("event {}: invalid JSON: {}", next_position_, ec.message()));
      if (auto read = Value(parser.release()); !read) return read;
    }
  }

  std::vector<ParsedEvent>& events() { return events_; }

 private:
  Status Value(const json::value& value) {
    if (const json::array* array = value.if_array()) {
      for (const json::value& element : *array) {
        if (auto read = Value(element); !read) return read;
      }
      return {};
    }
    const json::object* object = value.if_object();
    if (object != nullptr) {
      if (const json::value* messages = object->if_contains("Messages"); messages && messages->is_array()) {
        for (const json::value& message : messages->get_array()) {
          if (auto read = Value(message); !read) return read;
        }
        return {};
      }
      if (const json::value* body = object->if_contains("Body"); body && body->is_string()) {
        return Body(body->get_string(), object);
      }
    }
    return Body(json::serialize(value), nullptr);
  }

  // A message body or an event's text; `message`: the queue message holding it.
  Status Body(std::string_view body, const json::object* message) {
    auto event_text = UnwrapDeadLetterBody(body);
    if (!event_text) return Fail(ErrorCode::kInvalidEvent, Naming(message) + event_text.error().message);
    auto event = ParseEvent(*event_text, next_position_);
    if (!event) {  // ParseEvent's message names the event already.
      return message == nullptr ? std::unexpected(event.error())
                                : Fail(ErrorCode::kInvalidEvent, Naming(message) + event.error().message);
    }
    ++next_position_;
    events_.push_back(std::move(*event));
    return {};
  }

  std::string Naming(const json::object* message) const {
    if (message == nullptr) return fmt::format("event {}: ", next_position_);
    const json::value* id = message->if_contains("MessageId");
    return fmt::format("message {}: ", id && id->is_string() ? Quoted(id->get_string()) : "without MessageId");
  }

  std::size_t next_position_;
  std::vector<ParsedEvent> events_;
};

}  // namespace

Result<std::vector<ParsedEvent>> ParseIngestInput(std::string_view text, std::size_t first_position) {
  // Events alone (the common case, and the fast one: each parsed once) are
  // ParseEventBatch's; only a text it refuses is read again for the queue's
  // shapes, which give the same error for an event that is invalid itself.
  auto events = ParseEventBatch(text, first_position);
  if (events) return events;
  QueuedEventReader reader(first_position);
  if (auto read = reader.Read(text); !read) return std::unexpected(read.error());
  return std::move(reader.events());
}

}  // namespace exidx
