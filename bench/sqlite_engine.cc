// SQLite peer (C API): WAL, a WITHOUT ROWID table keyed by executionArn, an
// index per filter shape, the version rule in the upsert, keyset pages.
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>

#include "bench/bench_engine.h"
#include "bench/sql_schema.h"

namespace exidx::bench {

std::string EncodeKeyset(const ExecutionRecord& last) {
  return std::to_string(last.start_date) + " " + last.execution_arn;
}

bool DecodeKeyset(const std::string& text, EpochMillis& start, std::string& arn) {
  const auto space = text.find(' ');
  if (space == std::string::npos) return false;
  start = std::stoll(text.substr(0, space));
  arn = text.substr(space + 1);
  return true;
}

namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE executions(executionArn TEXT NOT NULL PRIMARY KEY, agentName TEXT NOT NULL, "
    "stateMachineArn TEXT NOT NULL, executionName TEXT NOT NULL, status INTEGER NOT NULL, "
    "startDate INTEGER NOT NULL, stopDate INTEGER, redriveCount INTEGER NOT NULL, error TEXT, cause TEXT, "
    "indexedAt INTEGER NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID";

constexpr std::string_view kUpsert =
    "INSERT INTO executions(executionArn, agentName, stateMachineArn, executionName, status, startDate, stopDate, "
    "redriveCount, error, cause, indexedAt, version) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
    "ON CONFLICT(executionArn) DO UPDATE SET agentName = excluded.agentName, "
    "stateMachineArn = excluded.stateMachineArn, executionName = excluded.executionName, "
    "status = excluded.status, startDate = excluded.startDate, stopDate = excluded.stopDate, "
    "redriveCount = excluded.redriveCount, error = excluded.error, cause = excluded.cause, "
    "indexedAt = excluded.indexedAt, version = excluded.version WHERE excluded.version > executions.version";

void BindText(sqlite3_stmt* stmt, int i, std::string_view text) {
  sqlite3_bind_text(stmt, i, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

void BindOptionalText(sqlite3_stmt* stmt, int i, const std::optional<std::string>& text) {
  if (text) {
    BindText(stmt, i, *text);
  } else {
    sqlite3_bind_null(stmt, i);
  }
}

std::string ColumnText(sqlite3_stmt* stmt, int i) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
  return text == nullptr ? std::string() : std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
}

std::optional<std::string> ColumnOptionalText(sqlite3_stmt* stmt, int i) {
  if (sqlite3_column_type(stmt, i) == SQLITE_NULL) return std::nullopt;
  return ColumnText(stmt, i);
}

class SqliteEngine final : public BenchEngine {
 public:
  SqliteEngine(std::string path, AgentResolver& agents, const Clock& clock)
      : path_(std::move(path)), agents_(agents), clock_(clock) {}

  ~SqliteEngine() override {
    sqlite3_finalize(upsert_);
    for (auto* stmt : pages_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  // Opens the connection. An engine (`client` false) creates the schema and
  // prepares every statement; a client (OpenClient) connects to the engine's
  // database with the same pragmas, waits for the write lock instead of
  // failing (busy_timeout), and prepares the upsert only.
  Status Open(BenchDurability durability, bool client = false) {
    durability_ = durability;
    if (sqlite3_open(path_.c_str(), &db_) != SQLITE_OK) return Failure("open");
    // The page cache matches RocksDbStore's 64 MiB block cache.
    std::string setup = "PRAGMA journal_mode=WAL; PRAGMA cache_size=-65536; PRAGMA synchronous=";
    // Relaxed: no fsync at all (NORMAL would still fsync at every WAL checkpoint),
    // which survives a process crash only, as exidx's kRelaxed.
    setup += durability == BenchDurability::kSync ? "FULL;" : "OFF;";
    if (client) setup += " PRAGMA busy_timeout=" + std::to_string(kBusyTimeoutMs) + ";";
    if (auto ok = Exec(setup); !ok) return ok;
    if (client) return Prepare(std::string(kUpsert), &upsert_);
    if (auto ok = Exec(std::string(kCreateTable)); !ok) return ok;
    for (std::string_view index : kSqlIndexes) {
      if (auto ok = Exec(std::string(index)); !ok) return ok;
    }
    if (auto ok = Prepare(std::string(kUpsert), &upsert_); !ok) return ok;
    for (int shape = 0; shape < 4; ++shape) {
      for (int cursor = 0; cursor < 2; ++cursor) {
        const std::string sql =
            SqlPageQuery(shape, cursor == 1, [](int i) { return std::string("?").append(std::to_string(i)); });
        if (auto ok = Prepare(sql, &pages_[shape * 2 + cursor]); !ok) return ok;
      }
    }
    return {};
  }

  Result<IngestCounts> Ingest(std::span<const ParsedEvent> events) override {
    auto batch = PrepareBatch(events, agents_, clock_.NowMillis());
    if (!batch) return std::unexpected(batch.error());
    IngestCounts counts = batch->counts;
    const std::vector<ExecutionRecord>& candidates = batch->candidates;
    if (candidates.empty()) return counts;
    if (auto ok = Exec("BEGIN IMMEDIATE"); !ok) return std::unexpected(ok.error());
    for (const ExecutionRecord& r : candidates) {
      BindText(upsert_, 1, r.execution_arn);
      BindText(upsert_, 2, r.agent_name);
      BindText(upsert_, 3, r.state_machine_arn);
      BindText(upsert_, 4, r.execution_name);
      sqlite3_bind_int(upsert_, 5, static_cast<int>(r.status));
      sqlite3_bind_int64(upsert_, 6, r.start_date);
      if (r.stop_date) {
        sqlite3_bind_int64(upsert_, 7, *r.stop_date);
      } else {
        sqlite3_bind_null(upsert_, 7);
      }
      sqlite3_bind_int64(upsert_, 8, r.redrive_count);
      BindOptionalText(upsert_, 9, r.error);
      BindOptionalText(upsert_, 10, r.cause);
      sqlite3_bind_int64(upsert_, 11, r.indexed_at);
      sqlite3_bind_int64(upsert_, 12, PackedVersion(r));
      const int rc = sqlite3_step(upsert_);
      sqlite3_reset(upsert_);
      if (rc != SQLITE_DONE) {
        auto failure = Failure("upsert");
        // The upsert's error is the one to report; if the ROLLBACK fails as
        // well, the next batch's BEGIN fails and reports it.
        (void)Exec("ROLLBACK");
        return std::unexpected(failure.error());
      }
      ++(sqlite3_changes(db_) > 0 ? counts.indexed : counts.unchanged);
    }
    if (auto ok = Exec("COMMIT"); !ok) return std::unexpected(ok.error());
    return counts;
  }

  Result<std::unique_ptr<BenchClient>> OpenClient() override {
    auto client = std::make_unique<SqliteEngine>(path_, agents_, clock_);
    if (auto ok = client->Open(durability_, /*client=*/true); !ok) return std::unexpected(ok.error());
    return client;
  }

  std::string ConcurrencyNote() override {
    return "one connection per client, same pragmas, busy_timeout=" + std::to_string(kBusyTimeoutMs) +
           " ms; every batch is one BEGIN IMMEDIATE transaction, so writers take the database's one write lock "
           "in turn (a writer that finds it taken sleeps in SQLite's busy handler) and every commit is its own "
           "WAL append" +
           (durability_ == BenchDurability::kSync ? " and fsync" : "");
  }

  Result<BenchPage> Query(const BenchQuery& query, const std::optional<std::string>& continuation) override {
    const int shape = ShapeOf(query);
    sqlite3_stmt* stmt = pages_[shape * 2 + (continuation ? 1 : 0)];
    int n = 0;
    if (query.agent_name) BindText(stmt, ++n, *query.agent_name);
    if (query.status) sqlite3_bind_int(stmt, ++n, static_cast<int>(*query.status));
    EpochMillis cursor_start = 0;
    std::string cursor_arn;
    if (continuation && !DecodeKeyset(*continuation, cursor_start, cursor_arn)) {
      return Fail(ErrorCode::kInvalidToken, "keyset");
    }
    sqlite3_bind_int64(stmt, ++n, query.from);
    // SQLite bounds the index range by `startDate <= ?` but not by the row
    // value, so a continuation would step over every row before the cursor
    // (pages cost O(page number)): the cursor's startDate is the upper bound.
    sqlite3_bind_int64(stmt, ++n, continuation ? std::min(query.to, cursor_start) : query.to);
    if (continuation) {
      sqlite3_bind_int64(stmt, ++n, cursor_start);
      BindText(stmt, ++n, cursor_arn);
    }
    sqlite3_bind_int(stmt, ++n, query.page_size + 1);
    BenchPage page;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      page.executions.push_back(ReadRecord(stmt));
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return std::unexpected(Failure("query").error());
    if (page.executions.size() > static_cast<std::size_t>(query.page_size)) {
      page.executions.pop_back();
      page.next = EncodeKeyset(page.executions.back());
    }
    return page;
  }

  // Statistics for the planner, as a tuned deployment would keep them.
  Status BeforeQueries() override { return Exec("ANALYZE"); }

  Result<std::string> Settle() override {
    if (auto ok = Exec("PRAGMA wal_checkpoint(TRUNCATE)"); !ok) return std::unexpected(ok.error());
    return std::string("PRAGMA wal_checkpoint(TRUNCATE) (no VACUUM)");
  }

  Result<std::pair<std::uint64_t, std::string>> DiskBytes() override {
    std::uint64_t total = 0;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::error_code error;
      const auto size = std::filesystem::file_size(path_ + suffix, error);
      if (!error) total += size;
    }
    return std::pair{total, std::string("database file + -wal + -shm (table and 4 indexes)")};
  }

  std::string Version() override { return std::string("SQLite ") + sqlite3_libversion(); }

 private:
  static ExecutionRecord ReadRecord(sqlite3_stmt* stmt) {
    ExecutionRecord r;
    r.execution_arn = ColumnText(stmt, 0);
    r.agent_name = ColumnText(stmt, 1);
    r.state_machine_arn = ColumnText(stmt, 2);
    r.execution_name = ColumnText(stmt, 3);
    r.status = static_cast<ExecutionStatus>(sqlite3_column_int(stmt, 4));
    r.start_date = sqlite3_column_int64(stmt, 5);
    if (sqlite3_column_type(stmt, 6) != SQLITE_NULL) r.stop_date = sqlite3_column_int64(stmt, 6);
    r.redrive_count = sqlite3_column_int64(stmt, 7);
    r.error = ColumnOptionalText(stmt, 8);
    r.cause = ColumnOptionalText(stmt, 9);
    r.indexed_at = sqlite3_column_int64(stmt, 10);
    return r;
  }

  Status Failure(std::string_view what) {
    return Fail(ErrorCode::kInternal, std::string("sqlite ") + std::string(what) + ": " +
                                          (db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory"));
  }

  Status Exec(const std::string& sql) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return Failure(sql);
    return {};
  }

  Status Prepare(const std::string& sql, sqlite3_stmt** stmt) {
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr) != SQLITE_OK) {
      return Failure(sql);
    }
    return {};
  }

  // Long enough that a client never gives up while the others hold the lock.
  static constexpr int kBusyTimeoutMs = 600'000;

  std::string path_;
  AgentResolver& agents_;
  const Clock& clock_;
  BenchDurability durability_ = BenchDurability::kSync;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  std::array<sqlite3_stmt*, 8> pages_{};
};

}  // namespace

Result<std::unique_ptr<BenchEngine>> OpenSqliteEngine(const EngineOptions& options, AgentResolver& agents,
                                                      const Clock& clock) {
  std::filesystem::remove_all(options.directory);
  std::filesystem::create_directories(options.directory);
  auto engine = std::make_unique<SqliteEngine>(options.directory + "/exidx.sqlite", agents, clock);
  if (auto ok = engine->Open(options.durability); !ok) return std::unexpected(ok.error());
  return engine;
}

}  // namespace exidx::bench
