#include "cli/event_batch_reader.h"

#include <utility>

namespace exidx::cli {
namespace {

// True when `line` is one event of NDJSON (valid or not: an invalid line is
// one event too): not the first line of a pretty-printed value (it ends with
// '{' or '['), not an array, and no queue message (a "Body" key) or Lambda
// invocation record ("requestPayload"). Inside a JSON string a quote is
// escaped, so an unescaped "Body" is a key.
bool IsOneEventLine(std::string_view line) {
  const std::size_t first = line.find_first_not_of(" \t\r");
  const std::size_t last = line.find_last_not_of(" \t\r");
  if (line[first] == '[' || line[last] == '{' || line[last] == '[') return false;
  return line.find("\"Body\"") == std::string_view::npos && line.find("\"requestPayload\"") == std::string_view::npos &&
         line.find("\"Messages\"") == std::string_view::npos;
}

}  // namespace

Result<std::string> EventBatchReader::Next() {
  for (;;) {
    if (boundary_ > 0 && pending_.size() >= kChunkBytes / 2) break;
    if (!Fill()) break;
  }
  if (in_.bad()) return Fail(ErrorCode::kInvalidParameter, "cannot read the input");
  // At the end of the input the rest is the last batch, whatever its shape.
  const std::size_t end = in_ ? boundary_ : pending_.size();
  std::string batch = pending_.substr(0, end);
  pending_.erase(0, end);
  scanned_ -= std::min(scanned_, end);
  boundary_ = 0;
  return batch;
}

bool EventBatchReader::Fill() {
  if (!in_) return false;
  const std::size_t old = pending_.size();
  pending_.resize(old + kChunkBytes);
  in_.read(pending_.data() + old, static_cast<std::streamsize>(kChunkBytes));
  pending_.resize(old + static_cast<std::size_t>(in_.gcount()));
  Scan();
  return pending_.size() > old;
}

void EventBatchReader::Scan() {
  for (; scanned_ < pending_.size(); ++scanned_) {
    const char c = pending_[scanned_];
    if (in_string_) {
      if (escaped_)
        escaped_ = false;
      else if (c == '\\')
        escaped_ = true;
      else if (c == '"')
        in_string_ = false;
    } else if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      --depth_;
    } else if (c == '\n' && depth_ <= 0) {
      boundary_ = scanned_ + 1;
    }
  }
}

std::string_view DropLeadingEvents(std::string_view text, std::size_t* count) {
  while (*count > 0 && !text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    const bool blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
    if (!blank && !IsOneEventLine(line)) break;
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!blank) --*count;
  }
  return text;
}

}  // namespace exidx::cli
