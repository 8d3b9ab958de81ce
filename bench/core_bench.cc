// exidx_core_bench: ingests simulated executions into the embedded store
// through the real indexer and measures ingest throughput and query latency
// per query shape. Prints a Markdown table.
//
//   exidx_core_bench [--executions N] [--store DIR] [--relaxed] [--queries Q]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <sys/resource.h>

#include "indexer/indexer.h"
#include "indexer/tag_source.h"
#include "query/execution_stats.h"
#include "query/list_executions.h"
#include "simulate/simulator.h"
#include "store/rocksdb/rocksdb_store.h"

namespace exidx {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct Args {
  std::int64_t executions = 1'000'000;
  std::string store = "/tmp/exidx-core-bench";
  bool relaxed = false;
  int queries = 2000;
};

Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--executions") {
      args.executions = std::stoll(next());
    } else if (a == "--store") {
      args.store = next();
    } else if (a == "--relaxed") {
      args.relaxed = true;
    } else if (a == "--queries") {
      args.queries = std::stoi(next());
    } else {
      std::cerr << "usage: exidx_core_bench [--executions N] [--store DIR] [--relaxed] [--queries Q]\n";
      std::exit(2);
    }
  }
  return args;
}

std::uint64_t DirectoryBytes(const std::string& path) {
  std::uint64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

struct Shape {
  std::string name;
  QueryArguments args;
};

int Run(const Args& args) {
  SystemClock clock;
  SimulationOptions sim = DefaultSimulationOptions(1'764'000'000'000);  // A fixed "now": 2025-11-24.
  sim.seed = 42;
  sim.executions = args.executions;
  if (auto ok = ValidateSimulationOptions(sim); !ok) {
    std::cerr << ok.error().message << '\n';
    return 1;
  }
  auto tags = FileTagSource::Parse(TagsFileJson(sim), "simulation");
  if (!tags) return 1;
  AgentResolver agents(tags->get(), AgentRule{}, clock);

  std::filesystem::remove_all(args.store);
  auto store =
      RocksDbStore::Open({.path = args.store, .durability = args.relaxed ? Durability::kRelaxed : Durability::kSync});
  if (!store) {
    std::cerr << store.error().message << '\n';
    return 1;
  }
  Indexer indexer(**store, agents, clock);

  // Generate and parse outside the timed part: this measures the index.
  EventSimulator simulator(sim);
  std::vector<std::vector<ParsedEvent>> batches;
  std::string line;
  std::vector<ParsedEvent> batch;
  std::size_t events = 0;
  while (simulator.Next(line)) {
    auto parsed = ParseEvent(line, ++events);
    if (!parsed) {
      std::cerr << parsed.error().message << '\n';
      return 1;
    }
    batch.push_back(std::move(*parsed));
    line.clear();
    if (batch.size() == 1000) batches.push_back(std::exchange(batch, {}));
  }
  if (!batch.empty()) batches.push_back(std::move(batch));

  const auto ingest_start = Clock::now();
  IngestCounts counts;
  for (const auto& b : batches) {
    auto c = indexer.Ingest(b);
    if (!c) {
      std::cerr << c.error().message << '\n';
      return 1;
    }
    counts += *c;
  }
  const double ingest_seconds = Seconds(Clock::now() - ingest_start);

  auto secret = (*store)->PageTokenSecret();
  const PageTokenCodec tokens(*secret);
  const std::vector<Shape> shapes = {
      {"none, recent", {}},
      {"agent, recent", {.agent_name = "sql-agent"}},
      {"status, recent", {.status = "FAILED"}},
      {"agent+status, recent", {.agent_name = "research-agent", .status = "TIMED_OUT"}},
      {"none, 20 days back", {.start_date_to = "2025-11-04"}},
      {"agent, 20 days back", {.agent_name = "sql-agent", .start_date_to = "2025-11-04"}},
      {"agent+status, 20 days back",
       {.agent_name = "research-agent", .status = "FAILED", .start_date_to = "2025-11-04"}},
      {"agent, one day range",
       {.agent_name = "sql-agent", .start_date_from = "2025-11-10", .start_date_to = "2025-11-10"}},
  };
  std::cout << fmt::format("# exidx core bench: {} executions, {} events, {} durability\n\n", args.executions,
                           counts.received, args.relaxed ? "relaxed" : "sync");
  std::cout << fmt::format(
      "ingest: {:.0f} events/s ({} events in {:.2f} s, batches of 1000; indexed {}, "
      "unchanged {}, skipped {})\n",
      counts.received / ingest_seconds, counts.received, ingest_seconds, counts.indexed, counts.unchanged,
      counts.skipped);
  std::cout << fmt::format("disk: {} bytes, {:.0f} bytes per indexed execution (before compaction)\n\n",
                           DirectoryBytes(args.store),
                           static_cast<double>(DirectoryBytes(args.store)) / static_cast<double>(args.executions));

  std::cout << "| query shape (pages of 50) | items | p50 µs | p99 µs | 20-page walk ms |\n|---|---|---|---|---|\n";
  for (const Shape& shape : shapes) {
    QueryArguments first = shape.args;
    first.max_results = "50";
    std::vector<double> micros;
    std::size_t items = 0;
    for (int q = 0; q < args.queries; ++q) {
      const auto t0 = Clock::now();
      auto page = ListExecutions(**store, tokens, first);
      micros.push_back(Seconds(Clock::now() - t0) * 1e6);
      if (!page) {
        std::cerr << page.error().message << '\n';
        return 1;
      }
      items = page->executions.size();
    }
    std::sort(micros.begin(), micros.end());
    const auto t0 = Clock::now();
    QueryArguments walk = first;
    for (int p = 0; p < 20; ++p) {
      auto page = ListExecutions(**store, tokens, walk);
      if (!page || !page->next_token) break;
      walk.next_token = page->next_token;
    }
    const double walk_ms = Seconds(Clock::now() - t0) * 1e3;
    std::cout << fmt::format("| {} | {} | {:.0f} | {:.0f} | {:.2f} |\n", shape.name, items, micros[micros.size() / 2],
                             micros[micros.size() * 99 / 100], walk_ms);
  }
  // Statistics over the whole 30-day window: from the hourly cells (what the
  // stats route does) against the same counts computed by walking the index.
  {
    StatsQuery stats_query;
    stats_query.filter.start_to = sim.window_end - 1;
    stats_query.filter.start_from = stats_query.filter.start_to - 30LL * 24 * 3600 * 1000 + 1;
    stats_query.bucket = StatsBucket::kDay;
    std::vector<double> cell_ms;
    std::uint64_t cell_total = 0;
    for (int i = 0; i < 21; ++i) {
      const auto t0 = Clock::now();
      auto answer = ComputeStats(**store, stats_query);
      cell_ms.push_back(Seconds(Clock::now() - t0) * 1e3);
      if (!answer) {
        std::cerr << answer.error().message << '\n';
        return 1;
      }
      cell_total = answer->totals.executions;
    }
    std::vector<double> walk_ms;
    std::uint64_t walk_total = 0;
    for (int i = 0; i < 3; ++i) {
      const auto t0 = Clock::now();
      std::map<std::pair<EpochMillis, ExecutionStatus>, std::uint64_t> counts;
      std::map<EpochMillis, DurationHistogram> durations;
      ScanRequest scan{.filter = stats_query.filter, .order = SortOrder::kAsc, .limit = 1000};
      walk_total = 0;
      for (;;) {
        auto page = (*store)->Scan(scan);
        if (!page) return 1;
        for (const ExecutionRecord& r : *page) {
          const EpochMillis day = r.start_date - r.start_date % (24LL * 3600 * 1000);
          ++counts[{day, r.status}];
          if (auto d = DurationSeconds(r)) durations[day].Add(*d);
          ++walk_total;
        }
        if (page->size() < scan.limit) break;
        scan.after = CursorOf(page->back());
      }
      walk_ms.push_back(Seconds(Clock::now() - t0) * 1e3);
    }
    std::sort(cell_ms.begin(), cell_ms.end());
    std::sort(walk_ms.begin(), walk_ms.end());
    std::cout << fmt::format(
        "\nstats, 30 days by day, all agents: {} executions; hourly cells p50 {:.2f} ms (21 runs), "
        "walking the index {:.0f} ms (median of 3); walk / cells = {:.0f}x{}\n",
        cell_total, cell_ms[cell_ms.size() / 2], walk_ms[walk_ms.size() / 2],
        walk_ms[walk_ms.size() / 2] / cell_ms[cell_ms.size() / 2],
        cell_total == walk_total ? "" : fmt::format(" (COUNTS DIFFER: walk {})", walk_total));
  }

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::cout << fmt::format("\npeak RSS: {} MiB\n", usage.ru_maxrss / 1024);
  store->reset();
  std::filesystem::remove_all(args.store);
  return 0;
}

}  // namespace
}  // namespace exidx

int main(int argc, char** argv) {
  return exidx::Run(exidx::ParseArgs(argc, argv));
}
