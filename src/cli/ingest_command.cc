#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "cli/agent_options.h"
#include "cli/commands.h"
#include "cli/store_options.h"
#include "core/event.h"
#include "indexer/indexer.h"

namespace exidx::cli {
namespace {

struct IngestOptions {
  StoreOptions store;
  AgentOptions agents;
  std::string input;
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

int RunIngest(const IngestOptions& options) {
  std::ifstream file;
  if (options.input != "-") {
    file.open(options.input, std::ios::binary);
    if (!file) return ReportError({ErrorCode::kInvalidParameter, "cannot open " + Quoted(options.input)});
  }
  std::istream& in = options.input == "-" ? std::cin : file;

  SystemClock clock;
  auto agents = BuildAgentSetup(options.agents, clock);
  if (!agents) return ReportError(agents.error());
  auto store = OpenStore(options.store);
  if (!store) return ReportError(store.error());
  Indexer indexer(**store, *agents->resolver, clock);

  EventBatchReader reader(in);
  IngestCounts total;
  for (;;) {
    auto text = reader.Next();
    if (!text) return ReportError(text.error());
    if (text->empty()) break;
    auto events = ParseEventBatch(*text, total.received + 1);
    Result<IngestCounts> counts =
        events ? indexer.Ingest(*events) : Result<IngestCounts>(std::unexpected(events.error()));
    if (!counts) {
      std::cerr << "exidx: applied before the error: " << RenderIngestCounts(total)
                << " (ingesting the same events again is safe)\n";
      return ReportError(counts.error());
    }
    total += *counts;
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
      "Events are applied in batches of about 1 MiB; an invalid event stops the run and names it, and the "
      "batches before it stay applied (merging is idempotent, so ingesting again is safe).");
  command->add_option("input", options->input, "File of events, or - for standard input")->required();
  AddStoreOptions(*command, options->store, /*with_durability=*/true);
  AddAgentOptions(*command, options->agents);
  command->callback([options, &exit_status] { exit_status = RunIngest(*options); });
}

}  // namespace exidx::cli
