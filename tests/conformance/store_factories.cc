#include "conformance/store_factories.h"

#include <unistd.h>

#include <atomic>
#include <memory>

#include "store/rocksdb/rocksdb_store.h"
#include "support/temp_dir.h"
#include "support/wrapping_store.h"

#ifdef EXIDX_CONFORMANCE_DYNAMODB
#include <cstdio>

#include "aws/moto_server.h"
#include "store/dynamodb/dynamodb_store.h"
#endif

namespace exidx {
namespace {

using testing::WrappingStore;

#ifdef EXIDX_CONFORMANCE_DYNAMODB
aws::JsonClientOptions ClientOptions() {
  return aws::JsonClientOptions{.retry_base = std::chrono::milliseconds(5)};
}

// A DynamoDbStore over a fresh table of a local DynamoDB (moto_server or
// dynalite, started on first use), deleted with it.
std::unique_ptr<ExecutionStore> OpenTemporaryDynamoDbStore(aws::testing::MotoServer& server, TableLayout layout,
                                                           const StoreSetup& setup) {
  static std::atomic<int> counter{0};
  if (!server.ok()) {
    std::fprintf(stderr, "local DynamoDB unavailable: %s\n", server.error().c_str());
    return nullptr;
  }
  auto client =
      aws::JsonClient::Create(server.Context(), aws::AwsService::kDynamoDb, "DynamoDB_20120810", ClientOptions());
  if (!client) return nullptr;
  const std::string table = "conformance-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  if (auto created = DynamoDbStore::CreateTable(**client, table, layout); !created) {
    std::fprintf(stderr, "CreateTable: %s\n", created.error().message.c_str());
    return nullptr;
  }
  auto store = DynamoDbStore::Open(
      std::move(*client),
      DynamoDbStoreOptions{.table_name = table, .retention = setup.retention, .clock = setup.clock});
  if (!store) {
    std::fprintf(stderr, "DynamoDbStore::Open: %s\n", store.error().message.c_str());
    return nullptr;
  }
  return std::make_unique<WrappingStore>(std::move(*store), [&server, table] {
    auto cleaner =
        aws::JsonClient::Create(server.Context(), aws::AwsService::kDynamoDb, "DynamoDB_20120810", ClientOptions());
    // Best effort: each store has its own table, so one left behind changes no result.
    if (cleaner) (void)DynamoDbStore::DeleteTable(**cleaner, table);
  });
}
#else
// A RocksDbStore in its own temporary directory, removed with it.
std::unique_ptr<ExecutionStore> OpenTemporaryRocksDbStore(const StoreSetup& setup) {
  auto dir = std::make_shared<testing::TempDir>("conformance");
  auto store = RocksDbStore::Open({.path = dir->File("db"),
                                   .durability = Durability::kRelaxed,
                                   .retention = setup.retention,
                                   .clock = setup.clock});
  if (!store) return nullptr;
  return std::make_unique<WrappingStore>(std::move(*store), [dir]() mutable { dir.reset(); });
}
#endif

}  // namespace

#ifdef EXIDX_CONFORMANCE_DYNAMODB
// The DynamoDB conformance binary runs these instead (fewer streams: see
// tests/CMakeLists.txt): the full layout and the seed's two indexes on moto,
// and the full layout on dynalite when it is installed.
std::vector<StoreFactory> AllStoreFactories() {
  using aws::testing::MotoServer;
  std::vector<StoreFactory> factories = {
      {"DynamoDbOnMoto",
       [](const StoreSetup& setup) {
         return OpenTemporaryDynamoDbStore(MotoServer::Shared(), TableLayout::kFull, setup);
       }},
      {"DynamoDbSeedIndexesOnMoto",
       [](const StoreSetup& setup) {
         return OpenTemporaryDynamoDbStore(MotoServer::Shared(), TableLayout::kSeedOnly, setup);
       },
       false},
  };
  if (::access(MotoServer::DynalitePath().c_str(), X_OK) == 0) {
    // dynalite has no TransactWriteItems: its tables keep no statistics.
    factories.push_back({"DynamoDbOnDynalite",
                         [](const StoreSetup& setup) {
                           return OpenTemporaryDynamoDbStore(MotoServer::SharedDynalite(), TableLayout::kNoStatistics,
                                                             setup);
                         },
                         false});
  } else {
    std::fprintf(stderr, "dynalite not installed at %s (scripts/install-deps.sh installs it): not run\n",
                 MotoServer::DynalitePath().c_str());
  }
  return factories;
}
#else
std::vector<StoreFactory> AllStoreFactories() {
  return {StoreFactory{"RocksDb", &OpenTemporaryRocksDbStore}};
}
#endif

}  // namespace exidx
