#include "lambda/stream_handler.h"

#include <boost/json.hpp>

#include <cstdint>
#include <optional>

#include "core/record.h"
#include "store/dynamodb/dynamodb_store.h"
#include "store/dynamodb/item_codec.h"

namespace exidx::lambda {
namespace {

namespace json = boost::json;

// What became of one record.
enum class RecordOutcome { kPublished, kRemoved, kReserved, kUnchanged, kFailed };

struct StreamCounts {
  std::uint64_t published = 0;
  std::uint64_t removed = 0;
  std::uint64_t reserved = 0;
  std::uint64_t unchanged = 0;

  void Add(RecordOutcome outcome) {
    switch (outcome) {
      case RecordOutcome::kPublished: ++published; break;
      case RecordOutcome::kRemoved: ++removed; break;
      case RecordOutcome::kReserved: ++reserved; break;
      case RecordOutcome::kUnchanged: ++unchanged; break;
      case RecordOutcome::kFailed: break;
    }
  }
};

const json::object* ObjectMember(const json::object& object, std::string_view name) {
  const json::value* member = object.if_contains(name);
  return member && member->is_object() ? &member->get_object() : nullptr;
}

std::string StringMember(const json::object& object, std::string_view name) {
  const json::value* member = object.if_contains(name);
  return member && member->is_string() ? std::string(member->get_string()) : std::string();
}

// The publish deadline: `deadline` less the answer's reserve.
Deadline PublishDeadline(const Deadline& deadline) {
  if (!deadline.bounded()) return deadline;
  return Deadline::After(deadline.Remaining() - StreamHandler::kAnswerReserve, deadline.clock());
}

std::string BatchItemFailures(const std::optional<std::string>& first_failed) {
  json::array failures;
  if (first_failed) failures.push_back(json::object{{"itemIdentifier", *first_failed}});
  return json::serialize(json::object{{"batchItemFailures", std::move(failures)}});
}

// One INSERT, MODIFY or REMOVE record; `name` names it in messages. A failure
// is logged, naming the record, and answered kFailed; an error is a record
// the handler cannot read (the whole batch fails).
Result<RecordOutcome> HandleRecord(const json::object& record, const std::string& name,
                                   ExecutionChangePublisher& publisher, const Deadline& deadline, const LogSink& log) {
  const std::string event_name = StringMember(record, "eventName");
  if (event_name == "REMOVE") return RecordOutcome::kRemoved;
  if (event_name != "INSERT" && event_name != "MODIFY") {
    return Fail(ErrorCode::kInvalidEvent,
                name + ": eventName: expected INSERT, MODIFY or REMOVE, got " + Quoted(event_name));
  }
  auto failed = [&](const std::string& why) {
    std::string line = "stream: " + name;
    line += ": " + why;
    line += "; reported as the batch's first failure";
    if (log) log(LogKind::kWarning, line);
    return RecordOutcome::kFailed;
  };
  const json::object& change = *ObjectMember(record, "dynamodb");
  const json::object* new_image = ObjectMember(change, "NewImage");
  if (new_image == nullptr) return failed("no NewImage (the stream must be NEW_AND_OLD_IMAGES)");
  const json::string* arn = dynamodb::StringAttribute(*new_image, "executionArn");
  if (arn != nullptr && std::string_view(*arn).starts_with(kReservedKeyPrefix)) return RecordOutcome::kReserved;
  auto current = dynamodb::DecodeItem(*new_image);
  if (!current) return failed("NewImage does not decode: " + current.error().message);
  if (event_name == "MODIFY") {
    if (const json::object* old_image = ObjectMember(change, "OldImage")) {
      auto previous = dynamodb::DecodeItem(*old_image);
      if (previous && VersionOf(*previous) == VersionOf(*current)) return RecordOutcome::kUnchanged;
    }
  }
  if (auto published = publisher.Publish(*current, deadline); !published) {
    return failed(std::string(ErrorCodeName(published.error().code)) + ": " + published.error().message);
  }
  return RecordOutcome::kPublished;
}

}  // namespace

Result<std::string> StreamHandler::Handle(std::string_view payload, const Deadline& deadline) {
  boost::system::error_code ec;
  const json::value root = json::parse(payload, ec);
  const json::value* records = !ec && root.is_object() ? root.get_object().if_contains("Records") : nullptr;
  if (records == nullptr || !records->is_array()) {
    return Fail(ErrorCode::kInvalidEvent, "not a DynamoDB Streams event: expected an object with a Records array");
  }
  const Deadline publish_deadline = PublishDeadline(deadline);
  StreamCounts counts;
  std::optional<std::string> first_failed;
  for (std::size_t i = 0; i < records->get_array().size(); ++i) {
    const json::value& entry = records->get_array()[i];
    const json::object* record = entry.is_object() ? &entry.get_object() : nullptr;
    const json::object* change = record ? ObjectMember(*record, "dynamodb") : nullptr;
    const std::string sequence = change ? StringMember(*change, "SequenceNumber") : std::string();
    if (sequence.empty()) {
      return Fail(ErrorCode::kInvalidEvent,
                  "Records[" + std::to_string(i) + "]: no dynamodb.SequenceNumber to report it by");
    }
    const std::string name = "record " + sequence + " (eventID " + Quoted(StringMember(*record, "eventID")) + ")";
    auto outcome = HandleRecord(*record, name, publisher_, publish_deadline, log_);
    if (!outcome) return std::unexpected(outcome.error());
    if (*outcome == RecordOutcome::kFailed) {
      first_failed = sequence;
      break;
    }
    counts.Add(*outcome);
  }
  Log("stream: " + std::to_string(records->get_array().size()) + " records: " + std::to_string(counts.published) +
      " published, " + std::to_string(counts.removed) + " removed, " + std::to_string(counts.reserved) + " reserved, " +
      std::to_string(counts.unchanged) + " unchanged" +
      (first_failed ? ", failed from " + *first_failed : std::string()));
  return BatchItemFailures(first_failed);
}

}  // namespace exidx::lambda
