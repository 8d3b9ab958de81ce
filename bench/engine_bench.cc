// engine_bench: one engine, one process, one figure family; prints JSON lines
// that bench/report.py turns into RESULTS.md. bench/run.sh runs it for every
// engine in turn.
//
//   engine_bench --engine exidx|sqlite|postgres --mode ingest|load
//                --durability sync|relaxed [--sizes 100000,1000000]
//                [--batch1-events N] [--batch100-events N] [--queries Q]
//                [--clients C] [--concurrent-events N] [--concurrent-b100-events N]
//                  (ingest mode: after the sequential cells, C concurrent
//                   clients on a fresh store, batches of 1 then of 100;
//                   --clients 0 or --concurrent-...-events 0 skips a cell;
//                   defaults: 8 clients, 4000/40000 events sync,
//                   40000/200000 relaxed)
//                [--walks W] [--dir DIR] [--conninfo "host=... port=..."]
//                [--total N]  (simulate N executions, stop at the last size:
//                              the same history as a run to N)
//                [--settle-max N]  (settle and measure disk only up to N executions)
//                [--ascending]  (exidx only: oldest first, to compare forward
//                                and backward iteration of its index)
//   engine_bench --engine baseline --sizes ...   (the ListExecutions model)
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <latch>
#include <limits>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "bench/bench_engine.h"
#include "bench/history_model.h"
#include "bench/workload.h"
#include "indexer/agent_resolver.h"
#include "indexer/tag_source.h"

namespace exidx::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr EpochMillis kDay = 86'400'000;
constexpr EpochMillis kRange = 7 * kDay;

double Seconds(SteadyClock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(p * static_cast<double>(values.size())))];
}

struct Args {
  std::string engine;
  std::string mode = "load";
  BenchDurability durability = BenchDurability::kRelaxed;
  std::vector<std::int64_t> sizes = {100'000, 1'000'000};
  std::int64_t per_day = 5000;
  std::int64_t total = 0;
  std::size_t batch1_events = 2000;
  std::size_t batch100_events = 200'000;
  std::size_t load_batch = 100;
  int clients = 8;
  // Events of the concurrent cells (batches of 1, of 100); defaults by durability.
  std::optional<std::size_t> concurrent_events;
  std::optional<std::size_t> concurrent_b100_events;
  int queries = 500;
  int walks = 10;
  std::string dir = "/tmp/exidx-engine-bench";
  std::string conninfo;
  bool ascending = false;
  std::int64_t settle_max = std::numeric_limits<std::int64_t>::max();
};

[[noreturn]] void Usage(const std::string& why) {
  std::cerr << why << "\nsee the comment at the top of bench/engine_bench.cc for usage\n";
  std::exit(2);
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--engine") {
      args.engine = next();
    } else if (a == "--mode") {
      args.mode = next();
    } else if (a == "--durability") {
      const std::string d = next();
      if (d != "sync" && d != "relaxed") Usage("--durability sync|relaxed");
      args.durability = d == "sync" ? BenchDurability::kSync : BenchDurability::kRelaxed;
    } else if (a == "--sizes") {
      args.sizes.clear();
      std::string list = next();
      for (std::size_t pos = 0; pos <= list.size();) {
        const auto comma = std::min(list.find(',', pos), list.size());
        args.sizes.push_back(std::stoll(list.substr(pos, comma - pos)));
        pos = comma + 1;
      }
    } else if (a == "--total") {
      args.total = std::stoll(next());
    } else if (a == "--per-day") {
      args.per_day = std::stoll(next());
    } else if (a == "--batch1-events") {
      args.batch1_events = std::stoull(next());
    } else if (a == "--batch100-events") {
      args.batch100_events = std::stoull(next());
    } else if (a == "--clients") {
      args.clients = std::stoi(next());
    } else if (a == "--concurrent-events") {
      args.concurrent_events = std::stoull(next());
    } else if (a == "--concurrent-b100-events") {
      args.concurrent_b100_events = std::stoull(next());
    } else if (a == "--load-batch") {
      args.load_batch = std::stoull(next());
    } else if (a == "--queries") {
      args.queries = std::stoi(next());
    } else if (a == "--walks") {
      args.walks = std::stoi(next());
    } else if (a == "--dir") {
      args.dir = next();
    } else if (a == "--settle-max") {
      args.settle_max = std::stoll(next());
    } else if (a == "--ascending") {
      args.ascending = true;
    } else if (a == "--conninfo") {
      args.conninfo = next();
    } else {
      Usage("unknown argument " + a);
    }
  }
  if (!std::is_sorted(args.sizes.begin(), args.sizes.end()) || args.sizes.empty()) Usage("--sizes ascending");
  if (args.clients < 0) Usage("--clients >= 0");
  const bool sync = args.durability == BenchDurability::kSync;
  if (!args.concurrent_events) args.concurrent_events = sync ? 4000 : 40'000;
  if (!args.concurrent_b100_events) args.concurrent_b100_events = sync ? 40'000 : 200'000;
  return args;
}

// Every line printed is one JSON object with these fields first.
std::string Head(const Args& args, std::string_view figure) {
  return fmt::format(R"({{"engine":"{}","durability":"{}","figure":"{}")", args.engine + (args.ascending ? "-asc" : ""),
                     args.durability == BenchDurability::kSync ? "sync" : "relaxed", figure);
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

[[noreturn]] void Die(const Error& error) {
  std::cerr << "engine_bench: " << error.message << '\n';
  std::exit(1);
}

// Ingests `events` in batches of `batch`; the seconds spent inside Ingest.
double IngestTimed(BenchEngine& engine, const std::vector<ParsedEvent>& events, std::size_t batch,
                   IngestCounts& counts) {
  double seconds = 0;
  for (std::size_t i = 0; i < events.size(); i += batch) {
    const std::span<const ParsedEvent> part(events.data() + i, std::min(batch, events.size() - i));
    const auto t0 = SteadyClock::now();
    auto c = engine.Ingest(part);
    seconds += Seconds(SteadyClock::now() - t0);
    if (!c) Die(c.error());
    counts += *c;
  }
  return seconds;
}

// The counts a sequential run of `events` on an empty store ends with, from
// the version rule itself (Supersedes), independent of every engine.
IngestCounts SequentialCounts(const std::vector<ParsedEvent>& events, AgentResolver& agents) {
  auto batch = PrepareBatch(events, agents, 0);
  if (!batch) Die(batch.error());
  IngestCounts counts = batch->counts;
  std::unordered_map<std::string, ExecutionRecord> stored;
  for (const ExecutionRecord& r : batch->candidates) {
    const auto it = stored.find(r.execution_arn);
    if (!Supersedes(r, it == stored.end() ? nullptr : &it->second)) {
      ++counts.unchanged;
    } else {
      ++counts.indexed;
      stored.insert_or_assign(r.execution_arn, r);
    }
  }
  return counts;
}

// Splits the stream into `clients` disjoint slices: every event of one
// execution goes to the same slice (by a hash of its executionArn), in stream
// order, so that each execution's events are applied in the order a
// sequential run applies them and the counts do not depend on how the
// clients interleave. Events without an execution (skipped kinds) go round
// robin.
std::vector<std::vector<ParsedEvent>> Partition(std::vector<ParsedEvent> events, int clients) {
  std::vector<std::vector<ParsedEvent>> slices(static_cast<std::size_t>(clients));
  std::size_t position = 0;
  for (ParsedEvent& parsed : events) {
    const auto* event = std::get_if<StatusChangeEvent>(&parsed);
    const std::size_t key = event != nullptr ? std::hash<std::string>{}(event->execution_arn) : position;
    slices[key % slices.size()].push_back(std::move(parsed));
    ++position;
  }
  return slices;
}

using EngineOpener = std::function<Result<std::unique_ptr<BenchEngine>>()>;

// The concurrent-clients cell: `engine` is fresh; args.clients threads, each
// with its own client and slice of the first `total` events of the stream,
// send batches of `batch` as fast as they are acknowledged. Events/s is all
// events over the wall time from the release of the threads (after every
// client is connected and every event parsed) to the last acknowledgement.
// Returns false when the counts differ from a sequential run's.
bool RunConcurrentCell(const Args& args, BenchEngine& engine, AgentResolver& agents, std::size_t batch,
                       std::size_t total) {
  Workload workload({.sizes = {args.sizes.back()}, .total_executions = args.total, .executions_per_day = args.per_day});
  std::vector<ParsedEvent> events;
  while (events.size() < total && !workload.done()) {
    workload.Fill(events, std::min<std::size_t>(total - events.size(), 20'000));  // Untimed: generate and parse.
  }
  const IngestCounts expected = SequentialCounts(events, agents);
  const std::vector<std::vector<ParsedEvent>> slices = Partition(std::move(events), args.clients);
  std::vector<std::unique_ptr<BenchClient>> clients;
  for (int c = 0; c < args.clients; ++c) {
    auto client = engine.OpenClient();
    if (!client) Die(client.error());
    clients.push_back(std::move(*client));
  }

  struct Outcome {
    IngestCounts counts;
    std::optional<Error> error;
    SteadyClock::time_point finished;
    std::vector<double> batch_ms;  // Submit to acknowledgement, per batch.
  };
  std::vector<Outcome> outcomes(clients.size());
  std::latch start(1);
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < clients.size(); ++c) {
    threads.emplace_back([&, c] {
      const std::vector<ParsedEvent>& slice = slices[c];
      Outcome& out = outcomes[c];
      start.wait();
      for (std::size_t i = 0; i < slice.size(); i += batch) {
        const std::span<const ParsedEvent> part(slice.data() + i, std::min(batch, slice.size() - i));
        const auto t0 = SteadyClock::now();
        auto counts = clients[c]->Ingest(part);
        out.batch_ms.push_back(Seconds(SteadyClock::now() - t0) * 1e3);
        if (!counts) {
          out.error = counts.error();
          break;
        }
        out.counts += *counts;
      }
      out.finished = SteadyClock::now();
    });
  }
  const auto t0 = SteadyClock::now();
  start.count_down();
  for (std::thread& t : threads) t.join();
  clients.clear();

  IngestCounts counts;
  SteadyClock::time_point finished = t0;
  std::vector<double> batch_ms;
  for (const Outcome& out : outcomes) {
    if (out.error) Die(*out.error);
    counts += out.counts;
    finished = std::max(finished, out.finished);
    batch_ms.insert(batch_ms.end(), out.batch_ms.begin(), out.batch_ms.end());
  }
  const double seconds = Seconds(finished - t0);
  const bool match = counts == expected;
  std::cout << Head(args, "ingest-concurrent")
            << fmt::format(R"(,"clients":{},"batch":{},"events":{},"seconds":{:.4f},"events_per_s":{:.1f},)"
                           R"("batch_p50_ms":{:.2f},"batch_p99_ms":{:.2f},"indexed":{},"unchanged":{},"skipped":{},)"
                           R"("counts_match":{},"note":{}}})",
                           args.clients, batch, counts.received, seconds, counts.received / seconds,
                           Percentile(batch_ms, 0.5), Percentile(batch_ms, 0.99), counts.indexed, counts.unchanged,
                           counts.skipped, match, JsonString(engine.ConcurrencyNote()))
            << std::endl;
  if (!match) {
    std::cerr << fmt::format(
        "engine_bench: ERROR: {} with {} concurrent clients, batches of {}: counts {} differ from a sequential "
        "run's {}\n",
        args.engine, args.clients, batch, RenderIngestCounts(counts), RenderIngestCounts(expected));
  }
  return match;
}

int RunIngest(const Args& args, std::unique_ptr<BenchEngine> engine, const EngineOpener& open, AgentResolver& agents) {
  Workload workload({.sizes = {args.sizes.back()}, .total_executions = args.total, .executions_per_day = args.per_day});
  for (const std::size_t batch : {std::size_t{1}, std::size_t{100}}) {
    const std::size_t total = batch == 1 ? args.batch1_events : args.batch100_events;
    IngestCounts counts;
    double seconds = 0;
    for (std::size_t done = 0; done < total && !workload.done();) {
      std::vector<ParsedEvent> events;
      workload.Fill(events, std::min<std::size_t>(total - done, 20'000));  // Untimed: generate and parse.
      done += events.size();
      seconds += IngestTimed(*engine, events, batch, counts);
    }
    std::cout << Head(args, "ingest")
              << fmt::format(R"(,"batch":{},"events":{},"seconds":{:.4f},"events_per_s":{:.1f},)"
                             R"("indexed":{},"unchanged":{},"skipped":{}}})",
                             batch, counts.received, seconds, counts.received / seconds, counts.indexed,
                             counts.unchanged, counts.skipped)
              << std::endl;
  }
  // Concurrent clients, each cell on a fresh store: the engine is closed first
  // (it holds the store's lock, the SQLite file, the PostgreSQL table).
  bool match = true;
  for (const auto& [batch, total] : {std::pair{std::size_t{1}, *args.concurrent_events},
                                     std::pair{std::size_t{100}, *args.concurrent_b100_events}}) {
    if (args.clients == 0 || total == 0) continue;
    engine.reset();
    auto fresh = open();
    if (!fresh) Die(fresh.error());
    engine = std::move(*fresh);
    match &= RunConcurrentCell(args, *engine, agents, batch, total);
  }
  return match ? 0 : 1;
}

struct Range {
  std::string name;
  EpochMillis from;
  EpochMillis to;
};

std::vector<Range> RangesAt(const Workload& workload, const Checkpoint& checkpoint) {
  const EpochMillis deep = checkpoint.now - (checkpoint.now - workload.history_start()) * 9 / 10;
  return {{"recent", checkpoint.now - kRange, checkpoint.now}, {"deep", deep - kRange, deep}};
}

constexpr std::array<std::string_view, 4> kShapes = {"none", "agent", "status", "agent+status"};
constexpr std::array<ExecutionStatus, 4> kStatusRotation = {ExecutionStatus::kFailed, ExecutionStatus::kSucceeded,
                                                            ExecutionStatus::kTimedOut, ExecutionStatus::kAborted};
constexpr int kAgentRotation = 8;  // The 8 busiest agents.

BenchQuery QueryOf(const Workload& workload, int shape, const Range& range, int rotation) {
  BenchQuery q{.from = range.from, .to = range.to};
  if (shape & 1) q.agent_name = workload.agent_names()[static_cast<std::size_t>(rotation % kAgentRotation)];
  if (shape & 2) q.status = kStatusRotation[static_cast<std::size_t>((rotation / 2) % kStatusRotation.size())];
  return q;
}

std::uint64_t Digest(const BenchPage& page) {
  std::uint64_t h = 1469598103934665603ull;
  for (const ExecutionRecord& r : page.executions) {
    for (char c : r.execution_arn + std::to_string(static_cast<int>(r.status))) {
      h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
  }
  return h;
}

void MeasureQueries(const Args& args, BenchEngine& engine, const Workload& workload, const Checkpoint& checkpoint) {
  const auto before = SteadyClock::now();
  if (auto ok = engine.BeforeQueries(); !ok) Die(ok.error());
  std::cerr << fmt::format("{}: {:.1f} s to prepare for queries at {} executions\n", args.engine,
                           Seconds(SteadyClock::now() - before), checkpoint.executions);
  for (const Range& range : RangesAt(workload, checkpoint)) {
    for (int shape = 0; shape < 4; ++shape) {
      std::vector<double> micros;
      std::size_t items = 0;
      std::uint64_t digest = 0;
      for (int q = 0; q < args.queries; ++q) {
        BenchQuery query = QueryOf(workload, shape, range, q);
        query.ascending = args.ascending;
        const auto t0 = SteadyClock::now();
        auto page = engine.Query(query, std::nullopt);
        micros.push_back(Seconds(SteadyClock::now() - t0) * 1e6);
        if (!page) Die(page.error());
        if (q == 0) {
          items = page->executions.size();
          digest = Digest(*page);
        }
      }
      std::vector<double> walk_ms;
      double pages = 0;
      for (int w = 0; w < args.walks; ++w) {
        BenchQuery query = QueryOf(workload, shape, range, w);
        query.ascending = args.ascending;
        std::optional<std::string> next;
        const auto t0 = SteadyClock::now();
        for (int p = 0; p < 20; ++p) {
          auto page = engine.Query(query, next);
          if (!page) Die(page.error());
          pages += 1;
          next = std::move(page->next);
          if (!next) break;
        }
        walk_ms.push_back(Seconds(SteadyClock::now() - t0) * 1e3);
      }
      std::cout << Head(args, "query")
                << fmt::format(R"(,"size":{},"shape":"{}","range":"{}","p50_us":{:.1f},"p99_us":{:.1f},)"
                               R"("walk20_ms":{:.3f},"walk_pages":{:.1f},"first_items":{},"digest":"{:016x}"}})",
                               checkpoint.executions, kShapes[static_cast<std::size_t>(shape)], range.name,
                               Percentile(micros, 0.5), Percentile(micros, 0.99), Percentile(walk_ms, 0.5),
                               pages / args.walks, items, digest)
                << std::endl;
    }
  }
}

int RunLoad(const Args& args, BenchEngine& engine) {
  Workload workload({.sizes = args.sizes, .total_executions = args.total, .executions_per_day = args.per_day});
  IngestCounts counts;
  double seconds = 0;
  std::size_t segment_events = 0;
  double segment_seconds = 0;
  while (!workload.done()) {
    std::vector<ParsedEvent> events;
    auto checkpoint = workload.Fill(events, 20'000);  // Untimed: generate and parse.
    const double s = IngestTimed(engine, events, args.load_batch, counts);
    seconds += s;
    segment_seconds += s;
    segment_events += events.size();
    if (!checkpoint) continue;
    std::cout << Head(args, "load")
              << fmt::format(R"(,"size":{},"batch":{},"segment_events":{},"events_per_s":{:.1f},)"
                             R"("total_events":{},"indexed":{},"unchanged":{},"skipped":{},"now":"{}"}})",
                             checkpoint->executions, args.load_batch, segment_events, segment_events / segment_seconds,
                             counts.received, counts.indexed, counts.unchanged, counts.skipped,
                             FormatTimestamp(checkpoint->now))
              << std::endl;
    segment_events = 0;
    segment_seconds = 0;
    MeasureQueries(args, engine, workload, *checkpoint);
    if (checkpoint->executions > args.settle_max) continue;
    const auto t0 = SteadyClock::now();
    auto settled = engine.Settle();
    if (!settled) Die(settled.error());
    const double settle_seconds = Seconds(SteadyClock::now() - t0);
    auto disk = engine.DiskBytes();
    if (!disk) Die(disk.error());
    std::cout << Head(args, "disk")
              << fmt::format(R"(,"size":{},"bytes":{},"agent_executions":{},"bytes_per_execution":{:.1f},)"
                             R"("settle_seconds":{:.1f},"settle":{},"what":{}}})",
                             checkpoint->executions, disk->first, checkpoint->agent_executions,
                             static_cast<double>(disk->first) / static_cast<double>(checkpoint->agent_executions),
                             settle_seconds, JsonString(*settled), JsonString(disk->second))
              << std::endl;
  }
  const auto [rss, what] = engine.PeakRss();
  std::cout << Head(args, "rss")
            << fmt::format(R"(,"size":{},"bytes":{},"what":{},"version":{}}})", args.sizes.back(), rss,
                           JsonString(what), JsonString(engine.Version()))
            << std::endl;
  return 0;
}

int RunBaseline(const Args& args) {
  Workload workload(
      {.sizes = args.sizes, .total_executions = args.total, .executions_per_day = args.per_day, .parse = false});
  std::vector<ParsedEvent> none;
  while (!workload.done()) {
    auto checkpoint = workload.Fill(none, std::size_t{1} << 30);
    if (!checkpoint) continue;
    const HistoryModel model(workload.executions(), workload.agent_names().size(), checkpoint->now);
    for (const Range& range : RangesAt(workload, *checkpoint)) {
      for (int shape = 0; shape < 4; ++shape) {
        std::vector<double> calls;
        std::vector<double> deepest;
        for (int q = 0; q < 2 * kAgentRotation; ++q) {
          const BenchQuery bq = QueryOf(workload, shape, range, q);
          HistoryQuery hq{.status = bq.status, .from = bq.from, .to = bq.to};
          if (bq.agent_name) hq.agent = q % kAgentRotation;
          const HistoryCost cost = model.Cost(hq);
          calls.push_back(static_cast<double>(cost.calls));
          deepest.push_back(static_cast<double>(cost.deepest_agent));
        }
        std::cout << Head(args, "baseline")
                  << fmt::format(R"(,"size":{},"shape":"{}","range":"{}","calls_p50":{},"calls_max":{},)"
                                 R"("deepest_agent_p50":{},"agents":{}}})",
                                 checkpoint->executions, kShapes[static_cast<std::size_t>(shape)], range.name,
                                 Percentile(calls, 0.5), Percentile(calls, 1.0), Percentile(deepest, 0.5),
                                 workload.agent_names().size())
                  << std::endl;
      }
    }
  }
  return 0;
}

int Run(const Args& args) {
  if (args.engine == "baseline") return RunBaseline(args);
  SystemClock clock;
  Workload probe({.sizes = {args.sizes.back()}, .total_executions = args.total, .executions_per_day = args.per_day});
  auto tags = FileTagSource::Parse(TagsFileJson(probe.simulation()), "simulation");
  if (!tags) Die(tags.error());
  AgentResolver agents(tags->get(), AgentRule{}, clock);
  const EngineOptions options{.directory = args.dir, .conninfo = args.conninfo, .durability = args.durability};
  // Opens the engine on a fresh, empty store.
  const EngineOpener open = [&]() -> Result<std::unique_ptr<BenchEngine>> {
    if (args.engine == "exidx") return OpenExidxEngine(options, agents, clock);
    if (args.engine == "sqlite") return OpenSqliteEngine(options, agents, clock);
    if (args.engine == "postgres") return OpenPostgresEngine(options, agents, clock);
    return Fail(ErrorCode::kInvalidParameter, "--engine " + args.engine);
  };
  Result<std::unique_ptr<BenchEngine>> engine = open();
  if (!engine) Die(engine.error());
  if (args.ascending && args.engine != "exidx") Usage("--ascending is for exidx only");
  if (args.mode == "ingest") return RunIngest(args, std::move(*engine), open, agents);
  if (args.mode == "load") return RunLoad(args, **engine);
  Usage("--mode ingest|load");
}

}  // namespace
}  // namespace exidx::bench

int main(int argc, char** argv) {
  return exidx::bench::Run(exidx::bench::ParseArgs(argc, argv));
}
