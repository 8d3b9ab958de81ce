// exidx's embedded store, through the real Indexer and ListExecutions (page
// tokens included), as the server runs it.
#include <filesystem>

#include "bench/bench_engine.h"
#include "core/page_token.h"
#include "query/list_executions.h"
#include "store/rocksdb/rocksdb_store.h"

namespace exidx::bench {
namespace {

std::uint64_t DirectoryBytes(const std::string& path) {
  std::uint64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

// A client is the engine's Indexer, which is thread-safe: concurrent callers
// meet in RocksDbStore::Apply's commit queue, as `exidx serve`'s concurrent
// requests do.
class ExidxClient final : public BenchClient {
 public:
  explicit ExidxClient(Indexer& indexer) : indexer_(indexer) {}
  Result<IngestCounts> Ingest(std::span<const ParsedEvent> events) override { return indexer_.Ingest(events); }

 private:
  Indexer& indexer_;
};

class ExidxEngine final : public BenchEngine {
 public:
  ExidxEngine(std::string path, std::unique_ptr<RocksDbStore> store, std::string secret, AgentResolver& agents,
              const Clock& clock)
      : path_(std::move(path)),
        store_(std::move(store)),
        tokens_(std::move(secret)),
        indexer_(*store_, agents, clock) {}

  Result<IngestCounts> Ingest(std::span<const ParsedEvent> events) override { return indexer_.Ingest(events); }

  Result<std::unique_ptr<BenchClient>> OpenClient() override { return std::make_unique<ExidxClient>(indexer_); }

  std::string ConcurrencyNote() override {
    return "every client calls Apply on the one RocksDbStore (as exidx serve's concurrent requests do); Apply "
           "commits in groups: the first queued caller writes the queued callers' candidates as one WriteBatch, "
           "one WAL write (one fsync when sync)";
  }

  Result<BenchPage> Query(const BenchQuery& query, const std::optional<std::string>& continuation) override {
    QueryArguments arguments;
    arguments.agent_name = query.agent_name;
    if (query.status) arguments.status = std::string(StatusName(*query.status));
    arguments.start_date_from = FormatTimestamp(query.from);
    arguments.start_date_to = FormatTimestamp(query.to);
    arguments.max_results = std::to_string(query.page_size);
    arguments.next_token = continuation;
    if (query.ascending) arguments.order = "asc";
    auto page = ListExecutions(*store_, tokens_, arguments);
    if (!page) return std::unexpected(page.error());
    return BenchPage{.executions = std::move(page->executions), .next = std::move(page->next_token)};
  }

  // RocksDB catches up with flushes and compactions after the bulk load, as
  // it always has at the ingest rate of a live index.
  Status BeforeQueries() override { return store_->WaitForBackgroundWork(); }

  Result<std::string> Settle() override {
    if (auto ok = store_->CompactAll(); !ok) return std::unexpected(ok.error());
    return std::string("RocksDbStore::CompactAll (memtables flushed, every file compacted to the bottom level)");
  }

  Result<std::pair<std::uint64_t, std::string>> DiskBytes() override {
    return std::pair{DirectoryBytes(path_), std::string("the whole store directory (SST, WAL, MANIFEST, OPTIONS)")};
  }

  std::string Version() override;

 private:
  std::string path_;
  std::unique_ptr<RocksDbStore> store_;
  PageTokenCodec tokens_;
  Indexer indexer_;
};

}  // namespace
}  // namespace exidx::bench

#include <rocksdb/version.h>

namespace exidx::bench {
namespace {
std::string ExidxEngine::Version() {
  return "exidx RocksDbStore on RocksDB " + std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." +
         std::to_string(ROCKSDB_PATCH);
}
}  // namespace

Result<std::unique_ptr<BenchEngine>> OpenExidxEngine(const EngineOptions& options, AgentResolver& agents,
                                                     const Clock& clock) {
  std::filesystem::remove_all(options.directory);
  auto store = RocksDbStore::Open(
      {.path = options.directory,
       .durability = options.durability == BenchDurability::kSync ? Durability::kSync : Durability::kRelaxed});
  if (!store) return std::unexpected(store.error());
  auto secret = (*store)->PageTokenSecret();
  if (!secret) return std::unexpected(secret.error());
  return std::make_unique<ExidxEngine>(options.directory, std::move(*store), std::move(*secret), agents, clock);
}

}  // namespace exidx::bench
