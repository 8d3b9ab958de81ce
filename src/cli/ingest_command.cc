#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <variant>

#include "cli/agent_options.h"
#include "cli/commands.h"
#include "cli/store_options.h"
#include "core/event.h"
#include "indexer/indexer.h"
#include "server/expiry_sweeper.h"

namespace exidx::cli {
namespace {

struct IngestOptions {
  StoreOptions store;
  AgentOptions agents;
  std::string input;
  std::size_t skip = 0;
};

// Reads events in batches of whole NDJSON lines (about kChunkBytes each), so
// that a file of millions of events needs little memory. A JSON array is
// read whole.
class EventBatchReader {
 public:
  static constexpr std::size_t kChunkBytes = std::size_t{1} << 20;

  explicit EventBatchReader(std::istream& in) : in_(in) {}

  // The next batch's text, "" at the end; kInvalidParameter if reading fails.
  Result<std::string> Next() {
    std::string batch;
    if (pending_.empty() && !Fill()) return batch;
    if (FirstNonSpace() == '[') {  // An array is one batch.
      while (Fill()) {
      }
      if (in_.bad()) return ReadError();
      return std::exchange(pending_, {});
    }
    for (;;) {
      const std::size_t end = pending_.rfind('\n');
      if (end != std::string::npos && pending_.size() >= kChunkBytes / 2) {
        batch = pending_.substr(0, end + 1);
        pending_.erase(0, end + 1);
        return batch;
      }
      if (!Fill()) break;
    }
    if (in_.bad()) return ReadError();
    return std::exchange(pending_, {});
  }

 private:
  bool Fill() {
    if (!in_) return false;
    const std::size_t old = pending_.size();
    pending_.resize(old + kChunkBytes);
    in_.read(pending_.data() + old, static_cast<std::streamsize>(kChunkBytes));
    pending_.resize(old + static_cast<std::size_t>(in_.gcount()));
    return pending_.size() > old;
  }

  char FirstNonSpace() const {
    for (char c : pending_) {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c;
    }
    return '\0';
  }

  static std::unexpected<Error> ReadError() { return Fail(ErrorCode::kInvalidParameter, "cannot read the input"); }

  std::istream& in_;
  std::string pending_;
};

// Drops up to `*count` leading events of NDJSON text, one per non-blank line,
// unparsed: so that --skip also passes over an event that does not parse.
// Counts down `*count` by the lines dropped. A JSON array is left whole.
std::string_view DropLines(std::string_view text, std::size_t* count) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] == '[') return text;
  while (*count > 0 && !text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) --*count;
  }
  return text;
}

// The event's envelope id, for messages.
std::string_view EventId(const ParsedEvent& event) {
  return std::visit([](const auto& e) -> std::string_view { return e.event_id; }, event);
}

// A run that stopped before the end: what it applied (standard output, the
// same shape as a full run's) and where to resume (standard error).
int ReportStop(const IngestCounts& applied, std::size_t resume_at, const std::string& first_not_applied,
               const Error& error) {
  std::cout << RenderIngestCounts(applied) << '\n';
  std::cerr << "exidx: " << first_not_applied << " was not applied: " << error.message << '\n'
            << "exidx: the " << resume_at << " events before it are applied (their counts are on standard output); "
            << "resume with the same command and --skip " << resume_at
            << " (events after it may be applied too: ingesting them again is safe)\n";
  return error.code == ErrorCode::kInvalidParameter ? 2 : 1;
}

int RunIngest(const IngestOptions& options) {
  std::ifstream file;
  if (options.input != "-") {
    file.open(options.input, std::ios::binary);
    if (!file) return ReportError({ErrorCode::kInvalidParameter, "cannot open " + Quoted(options.input)});
  }
  std::istream& in = options.input == "-" ? std::cin : file;

  SystemClock clock;
  auto store = OpenStore(options.store);
  if (!store) return ReportError(store.error());
  auto agents = BuildAgentSetup(options.agents, clock, nullptr, store->get());
  if (!agents) return ReportError(agents.error());
  Indexer indexer(**store, *agents->resolver, clock);

  EventBatchReader reader(in);
  IngestCounts total;    // Of the events after the skipped ones.
  std::size_t seen = 0;  // Events read, the skipped ones included.
  for (;;) {
    auto text = reader.Next();
    if (!text) return ReportStop(total, std::max(seen, options.skip), "the rest of the input", text.error());
    if (text->empty()) break;
    std::size_t to_drop = options.skip > seen ? options.skip - seen : 0;
    const std::size_t wanted = to_drop;
    const std::string_view rest = DropLines(*text, &to_drop);
    seen += wanted - to_drop;
    if (rest.find_first_not_of(" \t\r\n") == std::string_view::npos) continue;
    auto events = ParseEventBatch(rest, seen + 1);
    if (!events) {
      // Parsing is all or nothing per batch: none of this batch was applied.
      const std::size_t at = std::max(seen, options.skip);
      return ReportStop(total, at, "event " + std::to_string(at + 1), events.error());
    }
    std::span<const ParsedEvent> batch(*events);
    const std::size_t first = seen;
    const std::size_t drop = options.skip > first ? std::min(options.skip - first, batch.size()) : 0;
    seen += batch.size();
    batch = batch.subspan(drop);
    if (batch.empty()) continue;
    IngestCounts applied;
    auto counts = indexer.Ingest(batch, Deadline::Never(), &applied);
    if (!counts) {
      total += applied;
      const std::size_t stop = first + drop + applied.received;
      return ReportStop(total, stop,
                        fmt::format("event {} (id {})", stop + 1, Quoted(EventId(batch[applied.received]))),
                        counts.error());
    }
    total += *counts;
  }
  if (options.skip > seen) {
    return ReportError(
        {ErrorCode::kInvalidParameter, fmt::format("--skip {}: the input has only {} events", options.skip, seen)});
  }
  // With retention, the embedded store also drops what has expired by now
  // (serve sweeps in the background; an ingest-only setup sweeps here).
  if (auto retention = RetentionOf(options.store); retention && !retention->Empty()) {
    server::ExpirySweeper sweeper(**store, clock, server::ExpirySweeperOptions{});
    if (auto swept = sweeper.SweepNow(); !swept) return ReportError(swept.error());
  }
  std::cout << RenderIngestCounts(total) << '\n';
  return 0;
}

}  // namespace

void AddIngestCommand(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<IngestOptions>();
  CLI::App* command = app.add_subcommand(
      "ingest",
      "Apply EventBridge events (a JSON array, or NDJSON: one per line) to the index and print the counts. "
      "Events are applied in batches of about 1 MiB. When a run stops early (an invalid event, or a store "
      "that failed), it prints the counts of what it applied, names the first event it did not apply, and "
      "tells the --skip that resumes after the events before it (merging is idempotent, so ingesting events "
      "again is always safe).");
  command->add_option("input", options->input, "File of events, or - for standard input")->required();
  command
      ->add_option("--skip", options->skip,
                   "Start after the first N events of the input (NDJSON: lines; they are neither parsed nor "
                   "counted): resumes a run that stopped, with the N it printed")
      ->capture_default_str();
  AddStoreOptions(*command, options->store, /*with_durability=*/true);
  AddAgentOptions(*command, options->agents);
  command->callback([options, &exit_status] { exit_status = RunIngest(*options); });
}

}  // namespace exidx::cli
