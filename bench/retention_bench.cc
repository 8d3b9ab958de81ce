// exidx_retention_bench: the cost of RocksDbStore::DeleteExpired per expired
// record, beside the cost of applying the same records (the peer, in the
// same process and store, chunk for chunk). Prints one Markdown row.
//
//   exidx_retention_bench [--executions=N] [--chunk=C] [--relaxed] [--store=DIR]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "store/rocksdb/rocksdb_store.h"

namespace exidx {
namespace {

using Steady = std::chrono::steady_clock;

constexpr EpochMillis kStart = 1'759'000'000'000;

class SettableClock final : public Clock {
 public:
  EpochMillis NowMillis() const override { return now; }
  EpochMillis now = kStart;
};

struct Args {
  std::size_t executions = 200'000;
  std::size_t chunk = 1000;
  bool relaxed = false;
  std::string store = "/tmp/exidx-retention-bench";
};

// Options as --name=value (--relaxed alone).
Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view option = argv[i];
    const std::size_t equals = option.find('=');
    const std::string_view name = option.substr(0, equals);
    const std::string value(equals == std::string_view::npos ? "" : option.substr(equals + 1));
    if (name == "--relaxed" && value.empty()) {
      args.relaxed = true;
    } else if (name == "--executions" && !value.empty()) {
      args.executions = std::stoul(value);
    } else if (name == "--chunk" && !value.empty()) {
      args.chunk = std::max<std::size_t>(1, std::stoul(value));
    } else if (name == "--store" && !value.empty()) {
      args.store = value;
    } else {
      std::cerr << "usage: exidx_retention_bench [--executions=N] [--chunk=C] [--relaxed] [--store=DIR]\n";
      std::exit(2);
    }
  }
  return args;
}

// Finished executions of 20 agents over 30 days, in random arrival order.
std::vector<ExecutionRecord> Records(std::size_t n) {
  std::mt19937_64 rng(7);
  std::vector<ExecutionRecord> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    ExecutionRecord r;
    r.agent_name = fmt::format("agent-{}", rng() % 20);
    r.execution_name = fmt::format("x{:016x}", rng());
    r.execution_arn = "arn:aws:states:us-east-1:123456789012:execution:" + r.agent_name + ":" + r.execution_name;
    r.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:" + r.agent_name;
    r.status = rng() % 10 == 0 ? ExecutionStatus::kFailed : ExecutionStatus::kSucceeded;
    r.start_date = kStart + static_cast<EpochMillis>(rng() % (30LL * 86'400'000));
    r.stop_date = r.start_date + 1 + static_cast<EpochMillis>(rng() % 600'000);
    if (r.status == ExecutionStatus::kFailed) r.error = "States.TaskFailed";
    r.indexed_at = *r.stop_date;
    out.push_back(std::move(r));
  }
  return out;
}

int Run(const Args& args) {
  std::filesystem::remove_all(args.store);
  SettableClock clock;
  RetentionPolicy policy;
  policy.default_seconds = 86'400;
  auto store = RocksDbStore::Open(RocksDbStoreOptions{
      .path = args.store,
      .durability = args.relaxed ? Durability::kRelaxed : Durability::kSync,
      .retention = policy,
      .clock = &clock,
  });
  if (!store) {
    std::cerr << store.error().message << "\n";
    return 1;
  }
  const std::vector<ExecutionRecord> records = Records(args.executions);
  const auto apply_start = Steady::now();
  for (std::size_t at = 0; at < records.size(); at += args.chunk) {
    const std::size_t n = std::min(args.chunk, records.size() - at);
    auto applied = (*store)->Apply(std::span<const ExecutionRecord>(records.data() + at, n));
    if (!applied) {
      std::cerr << applied.error().message << "\n";
      return 1;
    }
  }
  const double apply_seconds = std::chrono::duration<double>(Steady::now() - apply_start).count();
  if (auto idle = (*store)->WaitForBackgroundWork(); !idle) return 1;

  clock.now = kStart + 40LL * 86'400'000;  // Everything has expired.
  const EpochSeconds now = SecondsOf(clock.now);
  std::size_t deleted = 0;
  const auto sweep_start = Steady::now();
  for (;;) {
    auto chunk = (*store)->DeleteExpired(now, args.chunk);
    if (!chunk) {
      std::cerr << chunk.error().message << "\n";
      return 1;
    }
    deleted += *chunk;
    if (*chunk < args.chunk) break;
  }
  const double sweep_seconds = std::chrono::duration<double>(Steady::now() - sweep_start).count();
  if (deleted != records.size()) {
    std::cerr << "deleted " << deleted << " of " << records.size() << "\n";
    return 1;
  }
  const double apply_us = apply_seconds * 1e6 / static_cast<double>(records.size());
  const double sweep_us = sweep_seconds * 1e6 / static_cast<double>(deleted);
  std::cout << fmt::format("| {} | {} | {} | {:.2f} | {:.2f} | {:.2f}x |\n", records.size(), args.chunk,
                           args.relaxed ? "relaxed" : "sync", apply_us, sweep_us, sweep_us / apply_us);
  store->reset();
  std::filesystem::remove_all(args.store);
  return 0;
}

}  // namespace
}  // namespace exidx

int main(int argc, char** argv) {
  const exidx::Args args = exidx::ParseArgs(argc, argv);
  return exidx::Run(args);
}
