// ParseEvent and ParseEventBatch (src/core/event.h) on arbitrary bytes.
// Properties: an accepted event meets CONTRACT.md section 2 (one of the six
// statuses, non-empty ARNs and name within Step Functions' bounds, dates
// within range and stopDate not before startDate, redriveCount >= 0, cause
// cut to 4 KiB); its record renders
// as JSON that reads back to the same fields; a single object parses the same
// alone and as a batch; a rejection is kInvalidEvent, names the event and
// stays short however large the input.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/event.h"
#include "core/json_render.h"
#include "core/record.h"
#include "fuzz_check.h"
#include "record_checks.h"

namespace exidx::fuzz {
namespace {

namespace json = boost::json;

// Inputs are at most -max_len bytes; a message quotes at most 100 of them per value.
constexpr std::size_t kMaxMessageBytes = 512;

// Code points of UTF-8 text (the parser has checked it is UTF-8).
std::size_t Characters(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

void CheckRendered(const ExecutionRecord& record) {
  boost::system::error_code ec;
  const json::value value = json::parse(RenderRecord(record), ec);
  FUZZ_CHECK(!ec && value.is_object());
  const json::object& object = value.get_object();
  FUZZ_CHECK(object.at("executionArn").as_string() == record.execution_arn);
  FUZZ_CHECK(object.at("name").as_string() == record.execution_name);
  FUZZ_CHECK(object.at("status").as_string() == StatusName(record.status));
  FUZZ_CHECK(ParseTimestamp(object.at("startDate").as_string()).value() == record.start_date);
  FUZZ_CHECK(object.contains("stopDate") == record.stop_date.has_value());
  if (record.stop_date) FUZZ_CHECK(ParseTimestamp(object.at("stopDate").as_string()).value() == *record.stop_date);
  FUZZ_CHECK(object.contains("error") == record.error.has_value());
  if (record.error) FUZZ_CHECK(object.at("error").as_string() == *record.error);
  if (record.cause) FUZZ_CHECK(object.at("cause").as_string() == *record.cause);
}

void CheckEvent(const ParsedEvent& parsed) {
  const auto* event = std::get_if<StatusChangeEvent>(&parsed);
  if (event == nullptr) return;
  FUZZ_CHECK(IsKnownStatus(event->status));
  FUZZ_CHECK(ParseStatus(StatusName(event->status)) == event->status);
  FUZZ_CHECK(!event->execution_arn.empty() && !event->state_machine_arn.empty() && !event->execution_name.empty());
  FUZZ_CHECK(event->execution_arn.size() <= kMaxArnBytes && event->state_machine_arn.size() <= kMaxArnBytes);
  FUZZ_CHECK(Characters(event->execution_name) <= kMaxNameCharacters);
  FUZZ_CHECK(!event->error || Characters(*event->error) <= kMaxErrorCharacters);
  FUZZ_CHECK(event->start_date >= 0 && event->start_date <= kMaxEpochMillis);
  if (event->stop_date) FUZZ_CHECK(*event->stop_date >= event->start_date && *event->stop_date <= kMaxEpochMillis);
  FUZZ_CHECK(event->redrive_count >= 0);
  FUZZ_CHECK(!event->cause || event->cause->size() <= kMaxCauseBytes);
  const ExecutionRecord record = RecordOf(*event, "agent", event->stop_date.value_or(event->start_date));
  CheckRecord(record);
  CheckRendered(record);
}

bool SameEvent(const ParsedEvent& a, const ParsedEvent& b) {
  if (a.index() != b.index()) return false;
  if (const auto* skipped = std::get_if<SkippedEvent>(&a))
    return skipped->event_id == std::get<SkippedEvent>(b).event_id;
  const auto& x = std::get<StatusChangeEvent>(a);
  const auto& y = std::get<StatusChangeEvent>(b);
  return x.event_id == y.event_id && x.execution_arn == y.execution_arn && x.state_machine_arn == y.state_machine_arn &&
         x.execution_name == y.execution_name && x.status == y.status && x.start_date == y.start_date &&
         x.stop_date == y.stop_date && x.redrive_count == y.redrive_count && x.error == y.error && x.cause == y.cause;
}

void CheckRejection(const Error& error) {
  FUZZ_CHECK(error.code == ErrorCode::kInvalidEvent);
  FUZZ_CHECK(error.message.starts_with("event "));
  FUZZ_CHECK(error.message.size() <= kMaxMessageBytes);
}

}  // namespace
}  // namespace exidx::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace exidx;
  using namespace exidx::fuzz;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto one = ParseEvent(text, 1);
  if (one) {
    CheckEvent(*one);
  } else {
    CheckRejection(one.error());
  }
  auto batch = ParseEventBatch(text, 1);
  if (batch) {
    for (const ParsedEvent& event : *batch) CheckEvent(event);
  } else {
    CheckRejection(batch.error());
  }
  if (one) FUZZ_CHECK(batch && batch->size() == 1 && SameEvent(*one, batch->front()));
  return 0;
}
