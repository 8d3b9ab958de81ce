// How the embedded store configures RocksDB: the database's options and
// each column family's, with the measurements behind them.
#pragma once

#include <rocksdb/options.h>

#include <memory>

#include "store/rocksdb/rocksdb_store.h"

namespace rocksdb {
class Cache;
}  // namespace rocksdb

namespace exidx {

rocksdb::DBOptions DatabaseOptions(const RocksDbStoreOptions& options);

// `point_lookups`: the family is read by key (records), not only by range.
rocksdb::ColumnFamilyOptions FamilyOptions(const std::shared_ptr<rocksdb::Cache>& cache, bool point_lookups);

}  // namespace exidx
