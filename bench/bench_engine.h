// BenchEngine: one engine under benchmark (exidx's RocksDbStore, SQLite,
// PostgreSQL) behind the few operations the benchmark driver times. Each
// engine runs in its own process (engine_bench --engine ...), so its peak RSS
// is its own.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/event.h"
#include "core/query.h"
#include "core/record.h"
#include "indexer/indexer.h"

namespace exidx::bench {

enum class BenchDurability {
  kSync,     // fsync per acknowledged batch.
  kRelaxed,  // Survives a process crash, not a power failure.
};

// A query as the benchmark poses it: the filter of listExecutionsFromIndex,
// newest first, pages of `page_size`.
struct BenchQuery {
  std::optional<std::string> agent_name;
  std::optional<ExecutionStatus> status;
  EpochMillis from = 0;
  EpochMillis to = 0;
  int page_size = 50;
  // Oldest first. Only exidx answers it (an experiment: forward against
  // backward iteration of the same index); the SQL peers answer newest first.
  bool ascending = false;
};

struct BenchPage {
  std::vector<ExecutionRecord> executions;
  // Opaque continuation: exidx's page token, a peer's keyset cursor. Present
  // exactly when more items match.
  std::optional<std::string> next;
};

// One sender of batches into an engine.
class BenchClient {
 public:
  virtual ~BenchClient() = default;

  // Ingests the events in order, as one acknowledged (durable) batch; the
  // version rule decides, duplicates within the batch included.
  virtual Result<IngestCounts> Ingest(std::span<const ParsedEvent> events) = 0;
};

class BenchEngine : public BenchClient {
 public:
  // Another sender into the same data, for the concurrent-clients cell: what
  // a server does with one more concurrent request (exidx: the same store;
  // a SQL peer: one more connection, same settings as the engine's own). Each
  // client's Ingest may run on its own thread, concurrently with the other
  // clients' but not with any other call on the engine. Clients must be
  // destroyed before the engine.
  virtual Result<std::unique_ptr<BenchClient>> OpenClient() = 0;

  // How concurrent clients share the work (group commit or not), for the
  // report.
  virtual std::string ConcurrencyNote() = 0;

  // One page; `continuation` from the previous page's `next`.
  virtual Result<BenchPage> Query(const BenchQuery& query, const std::optional<std::string>& continuation) = 0;

  // Called before queries are measured (a SQL peer updates its planner
  // statistics; exidx waits for RocksDB's flushes and compactions to catch
  // up with the bulk load).
  virtual Status BeforeQueries() { return {}; }

  // Brings the data to rest before disk bytes are measured (flush and
  // compaction, checkpoint, ...). Describes what it did.
  virtual Result<std::string> Settle() = 0;

  // Bytes on disk of the data and its indexes, and what they include.
  virtual Result<std::pair<std::uint64_t, std::string>> DiskBytes() = 0;

  // Peak resident memory of the engine in bytes, and what it covers.
  virtual std::pair<std::uint64_t, std::string> PeakRss();

  // Name and version, e.g. "SQLite 3.40.1".
  virtual std::string Version() = 0;
};

// The version rule as one comparable integer, for SQL engines: ordered as
// VersionOf(record). Aborts when a field is outside the packable range
// (redriveCount >= 1024, stopDate before 1970 or after year 10000).
std::int64_t PackedVersion(const ExecutionRecord& record);

// The process's peak RSS (getrusage ru_maxrss) in bytes.
std::uint64_t ProcessPeakRss();

struct EngineOptions {
  std::string directory;  // Scratch directory for embedded engines.
  std::string conninfo;   // libpq connection string (PostgreSQL).
  BenchDurability durability = BenchDurability::kSync;
};

Result<std::unique_ptr<BenchEngine>> OpenExidxEngine(const EngineOptions& options, AgentResolver& agents,
                                                     const Clock& clock);
Result<std::unique_ptr<BenchEngine>> OpenSqliteEngine(const EngineOptions& options, AgentResolver& agents,
                                                      const Clock& clock);
Result<std::unique_ptr<BenchEngine>> OpenPostgresEngine(const EngineOptions& options, AgentResolver& agents,
                                                        const Clock& clock);

}  // namespace exidx::bench
