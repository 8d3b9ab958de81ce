#include "conformance/store_factories.h"

#include <atomic>
#include <filesystem>

#include <unistd.h>

#include "store/rocksdb/rocksdb_store.h"

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

  Result<std::vector<ApplyOutcome>> Apply(std::span<const ExecutionRecord> c) override { return store_->Apply(c); }
  Result<std::vector<ExecutionRecord>> Scan(const ScanRequest& r) override { return store_->Scan(r); }
  Result<std::optional<ExecutionRecord>> Get(std::string_view arn) override { return store_->Get(arn); }
  Result<std::string> PageTokenSecret() override { return store_->PageTokenSecret(); }

 private:
  TemporaryRocksDbStore(std::filesystem::path dir, std::unique_ptr<RocksDbStore> store)
      : dir_(std::move(dir)), store_(std::move(store)) {}

  std::filesystem::path dir_;
  std::unique_ptr<RocksDbStore> store_;
};

}  // namespace

std::vector<StoreFactory> AllStoreFactories() {
  return {StoreFactory{"RocksDb", &TemporaryRocksDbStore::Open}};
}

}  // namespace exidx
