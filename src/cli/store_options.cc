#include "cli/store_options.h"

#include <iostream>
#include <optional>

#include "cli/conversion_progress.h"

#include "aws/environment.h"
#include "aws/json_client.h"
#include "store/dynamodb/dynamodb_store.h"
#include "store/rocksdb/rocksdb_store.h"

namespace exidx::cli {

void AddStoreOptions(CLI::App& command, StoreOptions& options, bool with_durability) {
  command
      .add_option("--store", options.store,
                  "The index: a directory for the embedded store, or dynamodb://TABLE "
                  "(dynamodb:// alone: the table named by EXECUTION_INDEX_TABLE_NAME)")
      ->capture_default_str()
      ->envname("EXIDX_STORE");
  if (with_durability) {
    command
        .add_flag("--relaxed-durability", options.relaxed_durability,
                  "Acknowledge writes once in the operating system's write-ahead log, without fsync: "
                  "faster, and a power loss may lose the last acknowledged writes (a crash of exidx alone "
                  "does not)")
        ->envname("EXIDX_RELAXED_DURABILITY");
    command
        .add_option("--writes-in-flight", options.writes_in_flight,
                    "DynamoDB: conditional PutItems a batch of events keeps in flight at once (1: one at a "
                    "time); each execution is still written whole")
        ->capture_default_str()
        ->check(CLI::Range(1, 256))
        ->envname("EXIDX_WRITES_IN_FLIGHT");
    command
        .add_option("--retention-days", options.retention_days,
                    "Keep each execution this many days (1-36500) after its stopDate (a running one: after "
                    "its startDate or last redrive), then drop it from every query, the feed and the statistics "
                    "(stored as the record's ttl; DynamoDB's TTL deletes the item). Default: for ever")
        ->envname("EXIDX_RETENTION_DAYS");
    command
        .add_option("--retain", options.retain,
                    "Per status, overriding --retention-days: STATUS=<days>d or STATUS=<hours>h, comma-separated, "
                    "e.g. SUCCEEDED=30d,FAILED=180d (statuses without one follow --retention-days)")
        ->envname("EXIDX_RETAIN");
  }
}

Result<RetentionPolicy> RetentionOf(const StoreOptions& options) {
  return ParseRetentionPolicy(options.retention_days, options.retain);
}

Result<std::string> DynamoDbTableOf(const StoreOptions& options) {
  constexpr std::string_view kScheme = "dynamodb://";
  if (!options.store.starts_with(kScheme)) {
    return Fail(ErrorCode::kInvalidParameter, "--store: " + Quoted(options.store) + " is not dynamodb://TABLE");
  }
  std::string table = options.store.substr(kScheme.size());
  if (table.empty()) table = aws::GetSetting(aws::Environment::Process(), "EXECUTION_INDEX_TABLE_NAME").value_or("");
  if (table.empty()) {
    return Fail(ErrorCode::kInvalidParameter,
                "--store dynamodb://: no table name, and EXECUTION_INDEX_TABLE_NAME is unset");
  }
  return table;
}

Result<std::unique_ptr<ExecutionStore>> OpenStore(const StoreOptions& options, StoreAccess access) {
  auto retention = RetentionOf(options);
  if (!retention) return std::unexpected(retention.error());
  if (options.store.starts_with("dynamodb://")) {
    auto table = DynamoDbTableOf(options);
    if (!table) return std::unexpected(table.error());
    const aws::Environment& env = aws::Environment::Process();
    DynamoDbStoreOptions store_options{.table_name = *table,
                                       .token_secret = aws::GetSetting(env, "EXIDX_TOKEN_SECRET"),
                                       .max_writes_in_flight = options.writes_in_flight,
                                       .retention = *retention};
    if (options.change_feed) {
      store_options.change_feed = TableStreamFeedOptions{
          .poll_interval = std::chrono::milliseconds(options.stream_poll_ms),
          .diagnostics = options.stream_diagnostics,
      };
    }
    auto store = DynamoDbStore::Open(aws::AwsContext::Default(env), std::move(store_options));
    if (!store) return std::unexpected(store.error());
    return std::unique_ptr<ExecutionStore>(std::move(*store));
  }
  if (options.store.find("://") != std::string::npos) {
    return Fail(ErrorCode::kInvalidParameter,
                "--store: " + Quoted(options.store) + " is neither a directory nor dynamodb://TABLE");
  }
  ConversionProgress progress(options.store, std::cerr, Progress::StderrIsTerminal());
  StoreConversionObserver* observer = options.conversion_observer ? options.conversion_observer : &progress;
  std::optional<HeldConversion> held;
  if (auto release = aws::GetSetting(aws::Environment::Process(), "EXIDX_TEST_HOLD_CONVERSION")) {
    observer = &held.emplace(*observer, *release);
  }
  auto store = RocksDbStore::Open(RocksDbStoreOptions{
      .path = options.store,
      .durability = options.relaxed_durability ? Durability::kRelaxed : Durability::kSync,
      .open_mode = access == StoreAccess::kReadOnly ? OpenMode::kReadOnly : OpenMode::kReadWrite,
      .diagnostics = options.diagnostics,
      .read_only_when_full = true,
      .retention = *retention,
      .conversion_observer = observer,
  });
  if (!store) return std::unexpected(store.error());
  return std::unique_ptr<ExecutionStore>(std::move(*store));
}

}  // namespace exidx::cli
