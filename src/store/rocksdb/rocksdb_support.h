// What every file of the embedded store shares about RocksDB: views of its
// slices, and the one way its statuses become the store's errors.
#pragma once

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include <expected>
#include <string_view>

#include "core/error.h"

namespace exidx {

inline rocksdb::Slice ToSlice(std::string_view bytes) {
  return rocksdb::Slice(bytes.data(), bytes.size());
}
inline std::string_view ToView(const rocksdb::Slice& slice) {
  return std::string_view(slice.data(), slice.size());
}

// The error of a failed RocksDB call on the store at `path` while doing
// `what`: kUnavailable for what a retry may cure (the disk, a lock, RocksDB
// busy; a full disk says so), kInternal for anything else.
std::unexpected<Error> StoreFailure(std::string_view path, const rocksdb::Status& status, std::string_view what);

// kInternal: `what` in the store at `path` does not decode.
std::unexpected<Error> StoreCorrupt(std::string_view path, std::string_view what);

}  // namespace exidx
