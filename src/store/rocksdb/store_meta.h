// The meta column family ("default") and what the store does with it at
// open: "page_token_secret" (32 bytes), the layout version of every derived
// family (FamilyLayout), among them "format_version", the store's; and the
// checkpoints of long-running commands, "checkpoint/<name>".
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "store/rocksdb/derived_family.h"
#include "store/rocksdb/store_conversion.h"

namespace exidx {

// The store's format version: its layout of families and keys (record values
// carry their own). It is the index family's layout version (index_family.h),
// and its absence marks a new store.
inline constexpr std::string_view kFormatVersionKey = "format_version";

// The meta key of the checkpoint `name` (ExecutionStore::WriteCheckpoint):
// "checkpoint/<name>", apart from every other meta key.
inline std::string CheckpointKey(std::string_view name) {
  return "checkpoint/" + std::string(name);
}

// Where the meta data and the records live. Not owned.
struct MetaHandles {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* records = nullptr;
  std::string_view path;  // For messages.
  bool read_only = false;  // Opened with DB::OpenForReadOnly: nothing may be written.
};

// Why a read-only open refuses a store whose `what` (families, or the meta
// data) must first be written at an open for writing, and what converts it.
std::string ReadOnlyConversionMessage(std::string_view path, std::string_view what);

// Opens the store's meta data; the page-token secret. A new store (no
// format version yet) gets a random secret and every family's layout
// version. In an existing one, every family whose layout version is absent
// or older (FamilyLayout) is dropped and written again from the records, in
// one scan of the records for all of them, its version last, so that an
// interrupted rebuild is simply done again at the next open. `observer`
// (may be null) watches that rebuild, the store's conversion. Then every
// family is loaded (DerivedFamily::Load). With handles.read_only nothing is
// written: a store that would need its meta data created or a family
// rebuilt is kInternal (ReadOnlyConversionMessage).
Result<std::string> OpenMeta(const MetaHandles& handles, std::span<DerivedFamily* const> families,
                             StoreConversionObserver* observer);

}  // namespace exidx
