// EventBatchReader: the input of `exidx ingest` in batches of whole JSON
// values (about kChunkBytes each), so that a file of millions of events
// needs little memory. A batch ends only after a newline outside every
// value: NDJSON is cut between lines, and a pretty-printed object (the
// output of `aws sqs receive-message`) or a JSON array is never cut, however
// large. Not thread-safe.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>

#include "core/error.h"

namespace exidx::cli {

class EventBatchReader {
 public:
  static constexpr std::size_t kChunkBytes = std::size_t{1} << 20;

  explicit EventBatchReader(std::istream& in) : in_(in) {}

  // The next batch's text, "" at the end; kInvalidParameter if reading fails.
  Result<std::string> Next();

 private:
  bool Fill();
  // Scans pending_ from scanned_ on; updates boundary_: one past the last
  // newline at depth 0 outside strings.
  void Scan();

  std::istream& in_;
  std::string pending_;
  std::size_t scanned_ = 0;
  std::size_t boundary_ = 0;
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
};

// Drops up to `*count` leading events of a batch unparsed, so that --skip
// also passes over an event that does not parse: one per non-blank NDJSON
// line that holds one event. Stops at a JSON array, at the first line of a
// pretty-printed value, and at a queue message or invocation record: their
// events are counted once parsed. Counts down `*count` by the events dropped.
std::string_view DropLeadingEvents(std::string_view text, std::size_t* count);

}  // namespace exidx::cli
