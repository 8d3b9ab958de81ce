// Where a state machine's tags come from (CONTRACT.md section 3): a tags file,
// nothing at all (--index-all), or Step Functions' ListTagsForResource.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/deadline.h"
#include "core/error.h"

namespace exidx {

using Tags = std::map<std::string, std::string, std::less<>>;

struct TagSourceStats {
  std::uint64_t throttled = 0;  // Lookups that failed because the service throttled them.
};

class TagSource {
 public:
  virtual ~TagSource() = default;

  // What the lookups met so far; thread-safe. Sources that ask no service: zeros.
  virtual TagSourceStats Stats() const { return {}; }

  // The tags of a state machine (its unqualified ARN); empty when it has none
  // or does not exist. An error (kUnavailable) when the lookup itself failed,
  // e.g. throttled or unreachable, or could not finish before `deadline`:
  // callers must then fail, never guess. A source that asks a service makes
  // no call that outlives `deadline`. Thread-safe.
  virtual Result<Tags> TagsOf(const std::string& state_machine_arn, const Deadline& deadline) = 0;
};

// Tags read once from a JSON file {"<stateMachineArn>": {"<key>": "<value>"}}.
// A state machine missing from the file has no tags.
class FileTagSource final : public TagSource {
 public:
  // kInvalidParameter when the file cannot be read or is not of that shape.
  static Result<std::unique_ptr<FileTagSource>> Load(const std::string& path);
  // The same from JSON text; `origin` names it in messages.
  static Result<std::unique_ptr<FileTagSource>> Parse(std::string_view json, std::string_view origin);

  Result<Tags> TagsOf(const std::string& state_machine_arn, const Deadline& deadline) override;

 private:
  explicit FileTagSource(std::map<std::string, Tags, std::less<>> tags) : tags_(std::move(tags)) {}
  const std::map<std::string, Tags, std::less<>> tags_;
};

}  // namespace exidx
