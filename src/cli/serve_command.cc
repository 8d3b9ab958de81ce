// `exidx serve`: the HTTP API (CONTRACT.md sections 5-8) over the embedded
// store or DynamoDB, with live updates (on DynamoDB from the table's stream),
// API keys, limits, metrics and graceful shutdown.
#include <pthread.h>
#include <signal.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/agent_options.h"
#include "cli/commands.h"
#include "cli/conversion_progress.h"
#include "cli/store_options.h"
#include "indexer/indexer.h"
#include "server/api_keys.h"
#include "server/change_hub.h"
#include "server/demo_feed.h"
#include "server/execution_service.h"
#include "server/expiry_sweeper.h"
#include "server/http_server.h"
#include "server/json_log.h"
#include "server/service_startup.h"

namespace exidx::cli {
namespace {

using server::LogLevel;
using server::LogLine;

struct ServeOptions {
  StoreOptions store;
  AgentOptions agents;
  std::string listen = "127.0.0.1:8080";
  std::vector<std::string> read_keys, ingest_keys;
  bool open_reads = false, open_ingest = false;
  bool insecure = false;
  bool demo = false;
  double demo_rate = 2;
  int demo_days = 7;
  std::int64_t demo_executions = 20'000;
  std::size_t max_connections = 1024;
  int read_timeout_ms = 10'000;
  int write_timeout_ms = 10'000;
  int request_deadline_ms = 4'000;
  int heartbeat_ms = 15'000;
  int io_threads = 2;
  int worker_threads = 8;
  int retention_sweep_seconds = 60;
  int stream_poll_ms = 1000;
  std::size_t sse_queue_bytes = std::size_t{1} << 20;
};

std::int64_t DirectoryBytes(const std::string& path) {
  std::error_code ec;
  std::int64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += static_cast<std::int64_t>(it->file_size(ec));
  }
  return ec ? -1 : total;
}

// The demo's tags: the simulated agents', unless the user gave a tag source.
Result<AgentSetup> DemoAgentSetup(const AgentOptions& options, const Clock& clock) {
  if (!options.tags_file.empty() || options.index_all) return BuildAgentSetup(options, clock);
  auto required = ParseAgentTags(options.agent_tags);
  if (!required) return std::unexpected(required.error());
  auto tags = FileTagSource::Parse(TagsFileJson(server::DemoSimulationOptions(clock.NowMillis())), "the demo's tags");
  if (!tags) return std::unexpected(tags.error());
  AgentSetup setup;
  setup.tags = std::move(*tags);
  setup.resolver =
      std::make_unique<AgentResolver>(setup.tags.get(), AgentRule{.required_tags = std::move(*required)}, clock);
  return setup;
}

struct ServeKeys {
  std::vector<std::string> read, ingest;
};

// The keys of both kinds, and whether leaving a kind open is allowed: with no
// keys at all (a local server, as the demo runs) both kinds are open; a kind
// left without keys while the other has some is open only when its --open-*
// flag says so, since that is more often a mistake than a wish; off loopback
// an open kind also needs --insecure.
Result<ServeKeys> ResolveKeys(const ServeOptions& options, bool loopback) {
  auto read = server::ParseKeyList("--read-key", options.read_keys);
  if (!read) return std::unexpected(read.error());
  auto ingest = server::ParseKeyList("--ingest-key", options.ingest_keys);
  if (!ingest) return std::unexpected(ingest.error());
  if (!read->empty() && options.open_reads) {
    return Fail(ErrorCode::kInvalidParameter, "--open-reads: reads have keys (--read-key); give one or the other");
  }
  if (!ingest->empty() && options.open_ingest) {
    return Fail(ErrorCode::kInvalidParameter,
                "--open-ingest: ingestion has keys (--ingest-key); give one or the other");
  }
  if (read->empty() && !ingest->empty() && !options.open_reads) {
    return Fail(ErrorCode::kInvalidParameter,
                "ingest keys but no read key: anyone who can reach the server could read the index; give "
                "--read-key (or EXIDX_READ_KEYS), or --open-reads if reads are meant to be open");
  }
  if (ingest->empty() && !read->empty() && !options.open_ingest) {
    return Fail(ErrorCode::kInvalidParameter,
                "read keys but no ingest key: anyone who can reach the server could write to the index; give "
                "--ingest-key (or EXIDX_INGEST_KEYS), or --open-ingest if ingestion is meant to be open");
  }
  if (!loopback && !options.insecure && (read->empty() || ingest->empty())) {
    return Fail(ErrorCode::kInvalidParameter,
                fmt::format("refusing to listen on {} without {}: anyone who can reach it could {}; give "
                            "--read-key and --ingest-key (or EXIDX_READ_KEYS / EXIDX_INGEST_KEYS), or "
                            "--insecure if that is really meant",
                            options.listen, read->empty() ? "read keys" : "ingest keys",
                            read->empty() ? "read the index" : "write to the index"));
  }
  for (const auto& [open, what] : {std::pair(read->empty(), "reads"), std::pair(ingest->empty(), "ingestion")}) {
    if (open) LogLine(LogLevel::kWarn, "no keys: open to anyone who can reach the server").Str("routes", what);
  }
  return ServeKeys{std::move(*read), std::move(*ingest)};
}

// The conversion of a store written by an older build, in the JSON log
// (one line at the start, one a second meanwhile, one at the end) and in
// what /readyz answers until the store is open.
class ConversionLog final : public StoreConversionObserver {
 public:
  ConversionLog(std::string store_path, server::ServiceStartup& startup)
      : store_path_(std::move(store_path)), startup_(startup) {}

  void OnStart(const StoreConversion& conversion) override {
    started_ = last_ = std::chrono::steady_clock::now();
    estimate_ = conversion.estimated_records;
    const std::string rebuilt = DescribeConversion(conversion);
    startup_.SetWaitingFor(
        fmt::format("the store, written by an older build, is being converted (rebuilding {} "
                    "from {}); it answers once the conversion is done",
                    rebuilt, estimate_ ? fmt::format("about {} records", *estimate_) : "its records"));
    LogLine line(LogLevel::kInfo, "converting the store");
    line.Str("store", store_path_).Str("rebuilding", rebuilt);
    if (estimate_) line.Int("estimated_records", static_cast<std::int64_t>(*estimate_));
  }

  void OnProgress(std::uint64_t records) override {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    LogLine line(LogLevel::kInfo, "converting the store");
    line.Str("store", store_path_).Int("records", static_cast<std::int64_t>(records)).Num("elapsed_seconds", Elapsed());
    if (estimate_) line.Int("estimated_records", static_cast<std::int64_t>(*estimate_));
  }

  void OnEnd(std::uint64_t records, const Status& status) override {
    LogLine line(status ? LogLevel::kInfo : LogLevel::kError,
                 status ? "store converted" : "store conversion failed; the next start converts it again");
    line.Str("store", store_path_).Int("records", static_cast<std::int64_t>(records)).Num("elapsed_seconds", Elapsed());
    if (!status) line.Str("error", status.error().message);
    startup_.SetWaitingFor("the store is opening");
  }

 private:
  double Elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count(); }

  const std::string store_path_;
  server::ServiceStartup& startup_;
  std::chrono::steady_clock::time_point started_, last_;
  std::optional<std::uint64_t> estimate_;
};

int RunServe(const ServeOptions& options) {
  server::InitJsonLog();
  auto address = server::ParseListenAddress(options.listen);
  if (!address) return ReportError(address.error());
  auto loopback = server::IsLoopbackHost(address->first);
  if (!loopback) return ReportError(loopback.error());
  auto keys = ResolveKeys(options, *loopback);
  if (!keys) return ReportError(keys.error());
  const std::vector<std::string>& read_keys = keys->read;
  const std::vector<std::string>& ingest_keys = keys->ingest;

  // SIGTERM and SIGINT are taken by sigwait below: block them before any
  // thread starts, so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  SystemClock clock;
  // Before the store: the store's feed calls into it until the store is closed.
  server::ChangeHub hub;
  server::ServerMetrics metrics;
  // Listening before the store opens, which may take minutes (a store of an
  // older build is converted first): /healthz says the process is alive
  // meanwhile, /readyz and the other routes answer 503 (ServiceStartup).
  server::ServiceStartup startup(metrics, "the store is opening");
  server::HttpServer http(
      server::HttpServerOptions{
          .host = address->first,
          .port = address->second,
          .io_threads = options.io_threads,
          .worker_threads = options.worker_threads,
          .max_connections = options.max_connections,
          .read_timeout = std::chrono::milliseconds(options.read_timeout_ms),
          .write_timeout = std::chrono::milliseconds(options.write_timeout_ms),
          .heartbeat = std::chrono::milliseconds(options.heartbeat_ms),
          .sse_queue_bytes = options.sse_queue_bytes,
      },
      [&startup](const server::HttpRequest& request) { return startup.Handle(request); }, hub, metrics);
  if (auto started = http.Start(); !started) return ReportError(started.error());
  const std::string store_path = options.store.store;
  const std::string host = address->first.find(':') != std::string::npos ? "[" + address->first + "]" : address->first;
  LogLine(LogLevel::kInfo, "listening")
      .Str("address", address->first)
      .Int("port", http.port())
      .Str("url", fmt::format("http://{}:{}", host, http.port()))
      .Int("read_keys", static_cast<std::int64_t>(read_keys.size()))
      .Int("ingest_keys", static_cast<std::int64_t>(ingest_keys.size()))
      .Str("store", store_path);

  ConversionLog conversion(store_path, startup);
  StoreOptions store_options = options.store;
  store_options.diagnostics = [](std::string_view line) { LogLine(LogLevel::kWarn, "rocksdb").Str("detail", line); };
  store_options.change_feed = true;
  store_options.stream_poll_ms = options.stream_poll_ms;
  store_options.stream_diagnostics = [](std::string_view line) {
    LogLine(LogLevel::kWarn, "change feed").Str("detail", line);
  };
  store_options.conversion_observer = &conversion;
  auto store = OpenStore(store_options);
  if (!store) return ReportError(store.error());
  auto agents = options.demo ? DemoAgentSetup(options.agents, clock)
                             : BuildAgentSetup(options.agents, clock, nullptr, store->get());
  if (!agents) return ReportError(agents.error());
  // Changes other servers made (and, on DynamoDB, this one's, back from the
  // stream) wake the live-update streams; this server's own ingests notify
  // the hub themselves.
  (*store)->SetChangeListener([&hub] { hub.Notify(); });
  if (auto writes = (*store)->WriteHealth(); !writes) {
    LogLine(LogLevel::kWarn, "the store does not take writes").Str("reason", writes.error().message);
  }
  Indexer indexer(**store, *agents->resolver, clock);
  auto service = server::ExecutionService::Create(
      **store, indexer, *agents->resolver, hub, metrics,
      server::ServiceOptions{.read_keys = read_keys,
                             .ingest_keys = ingest_keys,
                             .store_bytes = [store_path] { return DirectoryBytes(store_path); },
                             .ingest_deadline = std::chrono::milliseconds(options.request_deadline_ms)});
  if (!service) return ReportError(service.error());
  startup.Open(**service);
  LogLine(LogLevel::kInfo, "ready").Str("store", store_path);

  // Retention: reads skip expired records at once; the sweep deletes them
  // (DynamoDB's TTL does that itself: its DeleteExpired does nothing).
  std::unique_ptr<server::ExpirySweeper> sweeper;
  if (auto retention = RetentionOf(options.store); retention && !retention->Empty()) {
    LogLine(LogLevel::kInfo, "retention")
        .Str("policy", DescribeRetention(*retention))
        .Int("sweep_seconds", options.retention_sweep_seconds);
    sweeper = std::make_unique<server::ExpirySweeper>(
        **store, clock,
        server::ExpirySweeperOptions{.interval = std::chrono::seconds(options.retention_sweep_seconds)});
    sweeper->Start();
  }

  std::unique_ptr<server::DemoFeed> demo;
  if (options.demo) {
    demo = std::make_unique<server::DemoFeed>(**service, **store, clock,
                                              server::DemoFeedOptions{.backfill_days = options.demo_days,
                                                                      .backfill_executions = options.demo_executions,
                                                                      .executions_per_second = options.demo_rate});
    demo->Start();
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  LogLine(LogLevel::kInfo, "shutting down").Str("signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  if (demo) demo->Stop();
  if (sweeper) sweeper->Stop();
  http.Stop();  // In-flight requests finish; their events are durable before their 200.
  service->reset();
  store->reset();  // Flushes and closes the store.
  LogLine(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* command = app.add_subcommand(
      "serve",
      "Serve the HTTP API: GET /v1/executions (listExecutionsFromIndex), POST /v1/events (EventBridge API "
      "destination), GET /v1/executions/stream (live updates, Server-Sent Events), GET /v1/agents, /healthz, "
      "/readyz, /metrics. It listens before the store has opened (opening a store of an older build converts it "
      "first, logging its progress): meanwhile /healthz answers 200 and /readyz and the other routes 503. Logs "
      "JSON lines to standard error. SIGTERM/SIGINT stop it gracefully.");
  command->add_option("--listen", options->listen, "HOST:PORT to listen on; port 0 picks a free port (logged)")
      ->capture_default_str()
      ->envname("EXIDX_LISTEN");
  AddStoreOptions(*command, options->store, /*with_durability=*/true);
  AddAgentOptions(*command, options->agents);
  command
      ->add_option("--read-key", options->read_keys,
                   "API key for the read routes and /metrics (repeatable, or a comma-separated list); sent as "
                   "'Authorization: Bearer KEY' or 'x-api-key: KEY'. An empty key or one beginning with '-' is refused")
      ->allow_extra_args(false)  // One value per --read-key: never the next option's name.
      ->envname("EXIDX_READ_KEYS");
  command
      ->add_option("--ingest-key", options->ingest_keys,
                   "API key for POST /v1/events (repeatable, or a comma-separated list). With no keys of either "
                   "kind, both are open (loopback only, unless --insecure)")
      ->allow_extra_args(false)
      ->envname("EXIDX_INGEST_KEYS");
  command
      ->add_flag("--open-reads", options->open_reads,
                 "Leave the read routes open while ingestion has keys (without it, that is refused as a "
                 "likely mistake)")
      ->envname("EXIDX_OPEN_READS");
  command
      ->add_flag("--open-ingest", options->open_ingest,
                 "Leave POST /v1/events open while reads have keys (without it, that is refused as a likely "
                 "mistake)")
      ->envname("EXIDX_OPEN_INGEST");
  command
      ->add_flag("--insecure", options->insecure,
                 "Allow listening on a non-loopback address without read and ingest keys")
      ->envname("EXIDX_INSECURE");
  command
      ->add_flag("--demo", options->demo,
                 "Demo mode: backfill simulated history into an empty store, then ingest a live simulated "
                 "feed; tags are the simulated agents' unless --tags-file or --index-all is given")
      ->envname("EXIDX_DEMO");
  command->add_option("--demo-rate", options->demo_rate, "Demo: new executions per second")
      ->capture_default_str()
      ->envname("EXIDX_DEMO_RATE");
  command->add_option("--demo-days", options->demo_days, "Demo: days of history to backfill into an empty store")
      ->capture_default_str();
  command->add_option("--demo-executions", options->demo_executions, "Demo: executions in the backfilled history")
      ->capture_default_str();
  command
      ->add_option("--max-connections", options->max_connections,
                   "Open connections allowed; beyond them, new connections get 503")
      ->capture_default_str()
      ->envname("EXIDX_MAX_CONNECTIONS");
  command
      ->add_option("--read-timeout-ms", options->read_timeout_ms,
                   "Time to receive a whole request (headers and body), and the keep-alive idle time")
      ->capture_default_str()
      ->envname("EXIDX_READ_TIMEOUT_MS");
  command->add_option("--write-timeout-ms", options->write_timeout_ms, "Time allowed for each write to a client")
      ->capture_default_str()
      ->envname("EXIDX_WRITE_TIMEOUT_MS");
  command
      ->add_option("--request-deadline-ms", options->request_deadline_ms,
                   "POST /v1/events: time one request may spend on tag lookups and store writes, retries "
                   "included; past it the answer is 503 Unavailable with Retry-After and nothing is "
                   "acknowledged. Keep it well inside EventBridge's 5 s timeout")
      ->capture_default_str()
      ->check(CLI::Range(100, 600'000))
      ->envname("EXIDX_REQUEST_DEADLINE_MS");
  command->add_option("--heartbeat-ms", options->heartbeat_ms, "Interval of SSE heartbeat comments")
      ->capture_default_str()
      ->envname("EXIDX_HEARTBEAT_MS");
  command
      ->add_option("--sse-queue-bytes", options->sse_queue_bytes,
                   "Bytes queued for an SSE client before it is disconnected as too slow")
      ->capture_default_str()
      ->envname("EXIDX_SSE_QUEUE_BYTES");
  command->add_option("--io-threads", options->io_threads, "Threads doing network I/O")
      ->capture_default_str()
      ->envname("EXIDX_IO_THREADS");
  command
      ->add_option("--worker-threads", options->worker_threads,
                   "Threads running handlers (store reads and writes; concurrent ingests share fsyncs)")
      ->capture_default_str()
      ->envname("EXIDX_WORKER_THREADS");
  command
      ->add_option("--retention-sweep-seconds", options->retention_sweep_seconds,
                   "With --retention-days or --retain: seconds between two sweeps that delete expired records "
                   "from the embedded store (queries skip them from the moment they expire)")
      ->capture_default_str()
      ->check(CLI::Range(1, 86'400))
      ->envname("EXIDX_RETENTION_SWEEP_SECONDS");
  command
      ->add_option("--stream-poll-ms", options->stream_poll_ms,
                   "With --store dynamodb://TABLE: milliseconds between two reads of each shard of the table's "
                   "stream, which brings live updates (every server's changes) to this server's streams. AWS "
                   "advises at most 2 readers per shard: with more servers on one table, raise it in proportion "
                   "(e.g. 2000 for 4 servers)")
      ->capture_default_str()
      ->check(CLI::Range(10, 600'000))
      ->envname("EXIDX_STREAM_POLL_MS");
  command->callback([options, &exit_status] { exit_status = RunServe(*options); });
}

}  // namespace exidx::cli
