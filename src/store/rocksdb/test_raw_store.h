// RawStore: a RocksDbStore's directory opened with plain RocksDB and every
// column family, for tests that make a store look as an older build, or an
// interrupted one, left it.
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <vector>

namespace exidx {

class RawStore {
 public:
  // The column families, in the order RocksDbStore opens them.
  enum Family { kMeta, kRecords, kIndex, kChanges, kAgents, kStats, kExpiry };

  // nullptr (with a test failure) when the directory does not open.
  static std::unique_ptr<RawStore> Open(const std::string& path) {
    auto raw = std::unique_ptr<RawStore>(new RawStore);
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name : {"default", "records", "index", "changes", "agents", "stats", "expiry"}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* db = nullptr;
    const rocksdb::Status status = rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &raw->handles_, &db);
    EXPECT_TRUE(status.ok()) << status.ToString();
    if (!status.ok()) return nullptr;
    raw->db_.reset(db);
    return raw;
  }

  ~RawStore() { EXPECT_TRUE(Close()); }
  RawStore(const RawStore&) = delete;
  RawStore& operator=(const RawStore&) = delete;

  rocksdb::DB& db() { return *db_; }
  rocksdb::ColumnFamilyHandle* family(Family family) { return handles_[family]; }

  // Closes the database; true when that went well (or it was closed already).
  bool Close() {
    if (!db_) return true;
    bool ok = true;
    for (rocksdb::ColumnFamilyHandle* handle : handles_) ok = db_->DestroyColumnFamilyHandle(handle).ok() && ok;
    handles_.clear();
    ok = db_->Close().ok() && ok;
    db_.reset();
    return ok;
  }

 private:
  RawStore() = default;

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace exidx
