#include "cli/store_options.h"

#include "store/rocksdb/rocksdb_store.h"

namespace exidx::cli {

void AddStoreOptions(CLI::App& command, StoreOptions& options, bool with_durability) {
  command.add_option("--store", options.store, "The index: a directory for the embedded store")
      ->capture_default_str()
      ->envname("EXIDX_STORE");
  if (with_durability) {
    command.add_flag("--relaxed-durability", options.relaxed_durability,
                     "Acknowledge writes once in the operating system's write-ahead log, without fsync: "
                     "faster, and a power loss may lose the last acknowledged writes (a crash of exidx alone "
                     "does not)")
        ->envname("EXIDX_RELAXED_DURABILITY");
  }
}

Result<std::unique_ptr<ExecutionStore>> OpenStore(const StoreOptions& options) {
  if (options.store.find("://") != std::string::npos) {
    return Fail(ErrorCode::kInvalidParameter,
                "--store: " + Quoted(options.store) + " is not a directory, and this build knows no store URLs");
  }
  auto store = RocksDbStore::Open(RocksDbStoreOptions{
      .path = options.store,
      .durability = options.relaxed_durability ? Durability::kRelaxed : Durability::kSync,
  });
  if (!store) return std::unexpected(store.error());
  return std::unique_ptr<ExecutionStore>(std::move(*store));
}

}  // namespace exidx::cli
