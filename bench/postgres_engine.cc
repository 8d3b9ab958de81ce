// PostgreSQL peer (libpq): the same schema as SQLite's, the version rule in
// `INSERT ... ON CONFLICT DO UPDATE ... WHERE`, a batch as one transaction of
// pipelined prepared upserts (one round trip, processed in order, so
// duplicates inside a batch merge as everywhere), keyset pages.
#include <libpq-fe.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench/bench_engine.h"
#include "bench/sql_schema.h"

namespace exidx::bench {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE executions(executionArn text COLLATE \"C\" NOT NULL PRIMARY KEY, "
    "agentName text COLLATE \"C\" NOT NULL, stateMachineArn text NOT NULL, executionName text NOT NULL, "
    "status smallint NOT NULL, startDate bigint NOT NULL, stopDate bigint, redriveCount bigint NOT NULL, "
    "error text, cause text, indexedAt bigint NOT NULL, version bigint NOT NULL)";

constexpr std::string_view kUpsert =
    "INSERT INTO executions(executionArn, agentName, stateMachineArn, executionName, status, startDate, stopDate, "
    "redriveCount, error, cause, indexedAt, version) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
    "ON CONFLICT(executionArn) DO UPDATE SET agentName = excluded.agentName, "
    "stateMachineArn = excluded.stateMachineArn, executionName = excluded.executionName, "
    "status = excluded.status, startDate = excluded.startDate, stopDate = excluded.stopDate, "
    "redriveCount = excluded.redriveCount, error = excluded.error, cause = excluded.cause, "
    "indexedAt = excluded.indexedAt, version = excluded.version WHERE executions.version < excluded.version";

// Text parameters of one statement; keeps the strings alive while libpq sends them.
class Params {
 public:
  void Add(std::string value) {
    storage_.push_back(std::move(value));
    null_.push_back(false);
  }
  void Add(const std::optional<std::string>& value) {
    storage_.push_back(value.value_or(""));
    null_.push_back(!value.has_value());
  }
  const char* const* Values() {
    pointers_.clear();
    for (std::size_t i = 0; i < storage_.size(); ++i) pointers_.push_back(null_[i] ? nullptr : storage_[i].c_str());
    return pointers_.data();
  }
  int Count() const { return static_cast<int>(storage_.size()); }

 private:
  std::vector<std::string> storage_;
  std::vector<bool> null_;
  std::vector<const char*> pointers_;
};

std::uint64_t ProcStatusKb(int pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field)) return std::stoull(line.substr(field.size() + 1));
  }
  return 0;
}

std::uint64_t ProcPssKb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("Pss:")) return std::stoull(line.substr(4));
  }
  return 0;
}

int ParentPid(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 2));
  std::string state;
  int ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

class PostgresEngine final : public BenchEngine {
 public:
  PostgresEngine(AgentResolver& agents, const Clock& clock) : agents_(agents), clock_(clock) {}
  ~PostgresEngine() override { PQfinish(conn_); }

  // Connects. An engine (`client` false) creates the table afresh and
  // prepares every statement; a client (OpenClient) is one more connection
  // with the same session settings and the upsert only.
  Status Open(const EngineOptions& options, bool client = false) {
    options_ = options;
    conn_ = PQconnectdb(options.conninfo.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) return Failure("connect");
    const std::string sync = options.durability == BenchDurability::kSync ? "on" : "off";
    for (const std::string& sql :
         {std::string("SET client_min_messages = warning"), std::string("SET synchronous_commit = ") + sync}) {
      if (auto ok = Exec(sql); !ok) return std::unexpected(ok.error());
    }
    if (client) {
      if (auto ok = PrepareStatement("upsert", std::string(kUpsert)); !ok) return ok;
      if (PQenterPipelineMode(conn_) != 1) return Failure("pipeline mode");
      return {};
    }
    for (const std::string& sql : {std::string("DROP TABLE IF EXISTS executions"), std::string(kCreateTable)}) {
      if (auto ok = Exec(sql); !ok) return std::unexpected(ok.error());
    }
    for (std::string_view index : kSqlIndexes) {
      if (auto ok = Exec(std::string(index)); !ok) return std::unexpected(ok.error());
    }
    if (auto ok = PrepareStatement("upsert", std::string(kUpsert)); !ok) return ok;
    for (int shape = 0; shape < 4; ++shape) {
      for (int cursor = 0; cursor < 2; ++cursor) {
        const std::string sql =
            SqlPageQuery(shape, cursor == 1, [](int i) { return std::string("$").append(std::to_string(i)); });
        if (auto ok = PrepareStatement(PageStatement(shape, cursor == 1), sql); !ok) return ok;
      }
    }
    auto delay = Exec(
        "SELECT current_setting('commit_delay') || ' us, commit_siblings ' || "
        "current_setting('commit_siblings')");
    if (!delay) return std::unexpected(delay.error());
    commit_delay_ = *delay;
    auto pid = Exec("SELECT pg_backend_pid()");
    if (!pid) return std::unexpected(pid.error());
    backend_pid_ = std::stoi(*pid);
    if (PQenterPipelineMode(conn_) != 1) return Failure("pipeline mode");
    return {};
  }

  Result<IngestCounts> Ingest(std::span<const ParsedEvent> events) override {
    auto batch = PrepareBatch(events, agents_, clock_.NowMillis());
    if (!batch) return std::unexpected(batch.error());
    IngestCounts counts = batch->counts;
    const std::vector<ExecutionRecord>& candidates = batch->candidates;
    if (candidates.empty()) return counts;
    const bool transaction = candidates.size() > 1;
    if (transaction && PQsendQueryParams(conn_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
      return std::unexpected(Failure("BEGIN").error());
    }
    for (const ExecutionRecord& r : candidates) {
      Params p;
      p.Add(r.execution_arn);
      p.Add(r.agent_name);
      p.Add(r.state_machine_arn);
      p.Add(r.execution_name);
      p.Add(std::to_string(static_cast<int>(r.status)));
      p.Add(std::to_string(r.start_date));
      p.Add(r.stop_date ? std::optional(std::to_string(*r.stop_date)) : std::nullopt);
      p.Add(std::to_string(r.redrive_count));
      p.Add(r.error);
      p.Add(r.cause);
      p.Add(std::to_string(r.indexed_at));
      p.Add(std::to_string(PackedVersion(r)));
      if (PQsendQueryPrepared(conn_, "upsert", p.Count(), p.Values(), nullptr, nullptr, 0) != 1) {
        return std::unexpected(Failure("upsert").error());
      }
    }
    if (transaction && PQsendQueryParams(conn_, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
      return std::unexpected(Failure("COMMIT").error());
    }
    if (PQpipelineSync(conn_) != 1) return std::unexpected(Failure("sync").error());
    // Results: [BEGIN], one per upsert, [COMMIT], then the sync.
    Status status;
    const std::size_t results = candidates.size() + (transaction ? 2 : 0);
    for (std::size_t i = 0; i < results; ++i) {
      PGresult* result = PQgetResult(conn_);
      const bool upsert = !transaction || (i > 0 && i + 1 < results);
      if (PQresultStatus(result) != PGRES_COMMAND_OK && status) {
        status = Fail(ErrorCode::kInternal, std::string("postgres ingest: ") + PQresultErrorMessage(result));
      } else if (upsert && status) {
        ++(std::string_view(PQcmdTuples(result)) == "1" ? counts.indexed : counts.unchanged);
      }
      PQclear(result);
      PQclear(PQgetResult(conn_));  // The NULL that ends each query's results.
    }
    if (auto ok = ReadSync(); !ok && status) status = ok;
    if (!status) return std::unexpected(status.error());
    return counts;
  }

  Result<std::unique_ptr<BenchClient>> OpenClient() override {
    auto client = std::make_unique<PostgresEngine>(agents_, clock_);
    if (auto ok = client->Open(options_, /*client=*/true); !ok) return std::unexpected(ok.error());
    return client;
  }

  std::string ConcurrencyNote() override {
    std::string note = "one connection (backend process) per client, the same prepared upsert, synchronous_commit=";
    note += options_.durability == BenchDurability::kSync ? "on" : "off";
    note += "; commit_delay " + commit_delay_;
    if (commit_delay_.starts_with("0 us")) {
      note +=
          " (the default: no deliberate group commit; a backend that flushes the WAL flushes every commit "
          "record written before it, so concurrent commits can share an fsync by coincidence)";
    }
    return note;
  }

  Result<BenchPage> Query(const BenchQuery& query, const std::optional<std::string>& continuation) override {
    Params p;
    if (query.agent_name) p.Add(*query.agent_name);
    if (query.status) p.Add(std::to_string(static_cast<int>(*query.status)));
    p.Add(std::to_string(query.from));
    p.Add(std::to_string(query.to));
    if (continuation) {
      EpochMillis start = 0;
      std::string arn;
      if (!DecodeKeyset(*continuation, start, arn)) return Fail(ErrorCode::kInvalidToken, "keyset");
      p.Add(std::to_string(start));
      p.Add(arn);
    }
    p.Add(std::to_string(query.page_size + 1));
    const std::string name = PageStatement(ShapeOf(query), continuation.has_value());
    if (PQsendQueryPrepared(conn_, name.c_str(), p.Count(), p.Values(), nullptr, nullptr, 0) != 1 ||
        PQpipelineSync(conn_) != 1) {
      return std::unexpected(Failure("query").error());
    }
    PGresult* result = PQgetResult(conn_);
    BenchPage page;
    Status status;
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
      status = Fail(ErrorCode::kInternal, std::string("postgres query: ") + PQresultErrorMessage(result));
    } else {
      for (int row = 0; row < PQntuples(result); ++row) page.executions.push_back(ReadRecord(result, row));
    }
    PQclear(result);
    PQclear(PQgetResult(conn_));
    if (auto ok = ReadSync(); !ok && status) status = ok;
    if (!status) return std::unexpected(status.error());
    if (page.executions.size() > static_cast<std::size_t>(query.page_size)) {
      page.executions.pop_back();
      page.next = EncodeKeyset(page.executions.back());
    }
    return page;
  }

  // Statistics for the planner (autovacuum would get there; the benchmark
  // does not wait for it).
  Status BeforeQueries() override { return OutsidePipeline("ANALYZE executions"); }

  Result<std::string> Settle() override {
    if (auto ok = OutsidePipeline("VACUUM executions"); !ok) return std::unexpected(ok.error());
    if (auto ok = OutsidePipeline("CHECKPOINT"); !ok) return std::unexpected(ok.error());
    return std::string("VACUUM executions; CHECKPOINT (no VACUUM FULL)");
  }

  Result<std::pair<std::uint64_t, std::string>> DiskBytes() override {
    if (PQexitPipelineMode(conn_) != 1) return std::unexpected(Failure("exit pipeline").error());
    auto bytes = Exec("SELECT pg_total_relation_size('executions')");
    PQenterPipelineMode(conn_);
    if (!bytes) return std::unexpected(bytes.error());
    return std::pair{std::stoull(*bytes),
                     std::string("pg_total_relation_size('executions'): heap, TOAST, 5 indexes (not WAL)")};
  }

  // The server's memory: PSS summed over the postmaster and its children
  // (shared buffers counted once), at the time of the call.
  std::pair<std::uint64_t, std::string> PeakRss() override {
    const int postmaster = ParentPid(backend_pid_);
    std::uint64_t pss_kb = ProcPssKb(postmaster);
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      const std::string name = entry.path().filename();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      const int pid = std::stoi(name);
      if (ParentPid(pid) == postmaster) pss_kb += ProcPssKb(pid);
    }
    return {pss_kb * 1024,
            "server: sum of PSS of the postmaster and its children at the end of the run "
            "(backend VmHWM " +
                std::to_string(ProcStatusKb(backend_pid_, "VmHWM:") / 1024) + " MiB)"};
  }

  std::string Version() override {
    return "PostgreSQL " + std::to_string(PQserverVersion(conn_) / 10000) + "." +
           std::to_string(PQserverVersion(conn_) % 10000) + " (libpq " + std::to_string(PQlibVersion()) + ")";
  }

 private:
  static std::string PageStatement(int shape, bool cursor) {
    return "page" + std::to_string(shape) + (cursor ? "c" : "");
  }

  static ExecutionRecord ReadRecord(PGresult* result, int row) {
    auto text = [&](int column) { return std::string(PQgetvalue(result, row, column)); };
    auto optional_text = [&](int column) -> std::optional<std::string> {
      if (PQgetisnull(result, row, column)) return std::nullopt;
      return text(column);
    };
    ExecutionRecord r;
    r.execution_arn = text(0);
    r.agent_name = text(1);
    r.state_machine_arn = text(2);
    r.execution_name = text(3);
    r.status = static_cast<ExecutionStatus>(std::stoi(text(4)));
    r.start_date = std::stoll(text(5));
    if (!PQgetisnull(result, row, 6)) r.stop_date = std::stoll(text(6));
    r.redrive_count = std::stoll(text(7));
    r.error = optional_text(8);
    r.cause = optional_text(9);
    r.indexed_at = std::stoll(text(10));
    return r;
  }

  Status Failure(std::string_view what) {
    return Fail(ErrorCode::kInternal, "postgres " + std::string(what) + ": " + PQerrorMessage(conn_));
  }

  Status ReadSync() {
    PGresult* sync = PQgetResult(conn_);
    const bool ok = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (!ok) return Failure("pipeline sync");
    return {};
  }

  // Runs one statement outside pipeline mode; the first value of its result.
  Result<std::string> Exec(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    const auto status = PQresultStatus(result);
    std::string value;
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) value = PQgetvalue(result, 0, 0);
    const std::string message = PQresultErrorMessage(result);
    PQclear(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return Fail(ErrorCode::kInternal, "postgres: " + sql.substr(0, 60) + ": " + message);
    }
    return value;
  }

  Status OutsidePipeline(const std::string& sql) {
    if (PQexitPipelineMode(conn_) != 1) return Failure("exit pipeline");
    auto ok = Exec(sql);
    PQenterPipelineMode(conn_);
    if (!ok) return std::unexpected(ok.error());
    return {};
  }

  Status PrepareStatement(const std::string& name, const std::string& sql) {
    PGresult* result = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    const std::string message = PQresultErrorMessage(result);
    PQclear(result);
    if (!ok) return Fail(ErrorCode::kInternal, "postgres prepare " + name + ": " + message);
    return {};
  }

  AgentResolver& agents_;
  const Clock& clock_;
  EngineOptions options_;
  std::string commit_delay_;  // The server's commit_delay and commit_siblings, as text.
  PGconn* conn_ = nullptr;
  int backend_pid_ = 0;
};

}  // namespace

Result<std::unique_ptr<BenchEngine>> OpenPostgresEngine(const EngineOptions& options, AgentResolver& agents,
                                                        const Clock& clock) {
  auto engine = std::make_unique<PostgresEngine>(agents, clock);
  if (auto ok = engine->Open(options); !ok) return std::unexpected(ok.error());
  return engine;
}

}  // namespace exidx::bench
