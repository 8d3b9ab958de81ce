#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <variant>

#include "cli/agent_options.h"
#include "cli/commands.h"
#include "cli/event_batch_reader.h"
#include "cli/progress.h"
#include "cli/store_options.h"
#include "core/event.h"
#include "core/ingest_input.h"
#include "indexer/indexer.h"
#include "server/expiry_sweeper.h"

namespace exidx::cli {
namespace {

struct IngestOptions {
  StoreOptions store;
  AgentOptions agents;
  std::string input;
  std::size_t skip = 0;
  int progress_interval_ms = 1000;
};

// The input's size when it is a regular file (Progress's total), else nullopt.
std::optional<std::uint64_t> InputBytes(const std::string& input) {
  std::error_code error;
  if (input == "-" || !std::filesystem::is_regular_file(input, error)) return std::nullopt;
  const std::uintmax_t size = std::filesystem::file_size(input, error);
  if (error) return std::nullopt;
  return size;
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

  // Bytes first: the measure that has a total (the file's size).
  Progress progress(ProgressOptions{.command = "ingest",
                                    .counters = {"bytes", "events", "applied"},
                                    .interval = std::chrono::milliseconds(options.progress_interval_ms)},
                    std::cerr, Progress::StderrIsTerminal());
  progress.SetTotal(InputBytes(options.input));
  EventBatchReader reader(in);
  IngestCounts total;    // Of the events after the skipped ones.
  std::size_t seen = 0;  // Events read, the skipped ones included.
  auto stop = [&](std::size_t resume_at, const std::string& first_not_applied, const Error& error) {
    progress.Finish();
    return ReportStop(total, resume_at, first_not_applied, error);
  };
  for (;;) {
    auto text = reader.Next();
    if (!text) return stop(std::max(seen, options.skip), "the rest of the input", text.error());
    if (text->empty()) break;
    progress.Add("bytes", text->size());
    std::size_t to_drop = options.skip > seen ? options.skip - seen : 0;
    const std::size_t wanted = to_drop;
    const std::string_view rest = DropLeadingEvents(*text, &to_drop);
    seen += wanted - to_drop;
    progress.Set("events", seen);
    if (rest.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      progress.Tick();
      continue;
    }
    auto events = ParseIngestInput(rest, seen + 1);
    if (!events) {
      // Parsing is all or nothing per batch: none of this batch was applied.
      const std::size_t at = std::max(seen, options.skip);
      return stop(at, "event " + std::to_string(at + 1), events.error());
    }
    std::span<const ParsedEvent> batch(*events);
    const std::size_t first = seen;
    const std::size_t drop = options.skip > first ? std::min(options.skip - first, batch.size()) : 0;
    seen += batch.size();
    progress.Set("events", seen);
    batch = batch.subspan(drop);
    if (batch.empty()) {
      progress.Tick();
      continue;
    }
    IngestCounts applied;
    auto counts = indexer.Ingest(batch, Deadline::Never(), &applied);
    if (!counts) {
      total += applied;
      const std::size_t at = first + drop + applied.received;
      return stop(at, fmt::format("event {} (id {})", at + 1, Quoted(EventId(batch[applied.received]))),
                  counts.error());
    }
    total += *counts;
    progress.Set("applied", total.received);
    progress.Tick();
  }
  progress.Finish();
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
      "Also reads what the dead-letter queue holds: the output of `aws sqs receive-message "
      "--message-attribute-names All` (each message's Body), single messages, and Lambda invocation records "
      "(their requestPayload). "
      "Events are applied in batches of about 1 MiB. When a run stops early (an invalid event, or a store "
      "that failed), it prints the counts of what it applied, names the first event it did not apply, and "
      "tells the --skip that resumes after the events before it (merging is idempotent, so ingesting events "
      "again is always safe). Progress goes to standard error (a bar on a terminal, JSON lines otherwise: "
      "bytes of input read, against the file's size, events read and applied), the counts as JSON to standard "
      "output.");
  command->add_option("input", options->input, "File of events, or - for standard input")->required();
  command
      ->add_option("--skip", options->skip,
                   "Start after the first N events of the input (NDJSON: lines; they are neither parsed nor "
                   "counted): resumes a run that stopped, with the N it printed")
      ->capture_default_str();
  command
      ->add_option("--progress-interval-ms", options->progress_interval_ms,
                   "Milliseconds between two progress reports on standard error (0: after every batch of "
                   "about 1 MiB)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3'600'000))
      ->envname("EXIDX_PROGRESS_INTERVAL_MS");
  AddStoreOptions(*command, options->store, /*with_durability=*/true);
  AddAgentOptions(*command, options->agents);
  command->callback([options, &exit_status] { exit_status = RunIngest(*options); });
}

}  // namespace exidx::cli
