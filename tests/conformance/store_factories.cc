#include "conformance/store_factories.h"

#include <atomic>
#include <filesystem>

#include <unistd.h>

#include "store/rocksdb/rocksdb_store.h"

#ifdef EXIDX_CONFORMANCE_DYNAMODB
#include <cstdio>

#include "aws/moto_server.h"
#include "store/dynamodb/dynamodb_store.h"
#endif

namespace exidx {
namespace {

// A RocksDbStore in its own temporary directory, removed with it.
class TemporaryRocksDbStore final : public ExecutionStore {
 public:
  static std::unique_ptr<ExecutionStore> Open() {
    static std::atomic<int> counter{0};
    auto dir = std::filesystem::temp_directory_path() /
               ("exidx-conformance-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    auto store = RocksDbStore::Open({.path = dir.string(), .durability = Durability::kRelaxed});
    if (!store) return nullptr;
    return std::unique_ptr<ExecutionStore>(new TemporaryRocksDbStore(dir, std::move(*store)));
  }

  ~TemporaryRocksDbStore() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Result<std::vector<ApplyOutcome>> Apply(std::span<const ExecutionRecord> c, const Deadline& d,
                                          KnownOutcomes* k) override {
    return store_->Apply(c, d, k);
  }
  Result<std::vector<ExecutionRecord>> Scan(const ScanRequest& r) override { return store_->Scan(r); }
  Result<std::optional<ExecutionRecord>> Get(std::string_view arn) override { return store_->Get(arn); }
  Result<std::string> PageTokenSecret() override { return store_->PageTokenSecret(); }

 private:
  TemporaryRocksDbStore(std::filesystem::path dir, std::unique_ptr<RocksDbStore> store)
      : dir_(std::move(dir)), store_(std::move(store)) {}

  std::filesystem::path dir_;
  std::unique_ptr<RocksDbStore> store_;
};

#ifdef EXIDX_CONFORMANCE_DYNAMODB
// A DynamoDbStore over a fresh table of a local DynamoDB (moto_server or
// dynalite, started on first use), deleted with it.
class TemporaryDynamoDbStore final : public ExecutionStore {
 public:
  static std::unique_ptr<ExecutionStore> Open(aws::testing::MotoServer& server, TableLayout layout) {
    static std::atomic<int> counter{0};
    if (!server.ok()) {
      std::fprintf(stderr, "local DynamoDB unavailable: %s\n", server.error().c_str());
      return nullptr;
    }
    auto client = aws::JsonClient::Create(server.Context(), aws::AwsService::kDynamoDb, "DynamoDB_20120810",
                                          aws::JsonClientOptions{.retry_base = std::chrono::milliseconds(5)});
    if (!client) return nullptr;
    const std::string table = "conformance-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    if (auto created = DynamoDbStore::CreateTable(**client, table, layout); !created) {
      std::fprintf(stderr, "CreateTable: %s\n", created.error().message.c_str());
      return nullptr;
    }
    auto store = DynamoDbStore::Open(std::move(*client), DynamoDbStoreOptions{.table_name = table});
    if (!store) {
      std::fprintf(stderr, "DynamoDbStore::Open: %s\n", store.error().message.c_str());
      return nullptr;
    }
    return std::unique_ptr<ExecutionStore>(new TemporaryDynamoDbStore(table, std::move(*store)));
  }

  ~TemporaryDynamoDbStore() override { (void)DynamoDbStore::DeleteTable(store_->client(), table_); }

  Result<std::vector<ApplyOutcome>> Apply(std::span<const ExecutionRecord> c, const Deadline& d,
                                          KnownOutcomes* k) override {
    return store_->Apply(c, d, k);
  }
  Result<std::vector<ExecutionRecord>> Scan(const ScanRequest& r) override { return store_->Scan(r); }
  Result<std::optional<ExecutionRecord>> Get(std::string_view arn) override { return store_->Get(arn); }
  Result<std::string> PageTokenSecret() override { return store_->PageTokenSecret(); }

 private:
  TemporaryDynamoDbStore(std::string table, std::unique_ptr<DynamoDbStore> store)
      : table_(std::move(table)), store_(std::move(store)) {}

  std::string table_;
  std::unique_ptr<DynamoDbStore> store_;
};
#endif

}  // namespace

#ifdef EXIDX_CONFORMANCE_DYNAMODB
// The DynamoDB conformance binary runs these instead (fewer streams: see
// tests/CMakeLists.txt): the full layout and the seed's two indexes on moto,
// and the full layout on dynalite when it is installed.
std::vector<StoreFactory> AllStoreFactories() {
  using aws::testing::MotoServer;
  std::vector<StoreFactory> factories = {
      {"DynamoDbOnMoto", [] { return TemporaryDynamoDbStore::Open(MotoServer::Shared(), TableLayout::kFull); }},
      {"DynamoDbSeedIndexesOnMoto",
       [] { return TemporaryDynamoDbStore::Open(MotoServer::Shared(), TableLayout::kSeedOnly); }},
  };
  if (::access(MotoServer::DynalitePath().c_str(), X_OK) == 0) {
    factories.push_back({"DynamoDbOnDynalite", [] {
                           return TemporaryDynamoDbStore::Open(MotoServer::SharedDynalite(), TableLayout::kFull);
                         }});
  } else {
    std::fprintf(stderr, "dynalite not installed at %s (npm install dynalite there): not run\n",
                 MotoServer::DynalitePath().c_str());
  }
  return factories;
}
#else
std::vector<StoreFactory> AllStoreFactories() {
  return {StoreFactory{"RocksDb", &TemporaryRocksDbStore::Open}};
}
#endif

}  // namespace exidx
