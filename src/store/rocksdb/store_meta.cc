#include "store/rocksdb/store_meta.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <memory>
#include <optional>
#include <vector>

#include "core/page_token.h"
#include "store/rocksdb/record_codec.h"
#include "store/rocksdb/rocksdb_support.h"

namespace exidx {
namespace {

constexpr std::string_view kSecretKey = "page_token_secret";
// Records per batch while families are written again from the records.
constexpr std::size_t kRebuildBatchRecords = 10'000;

rocksdb::WriteOptions Synced() {
  rocksdb::WriteOptions options;
  options.sync = true;
  return options;
}

Status InitializeMeta(const MetaHandles& handles, std::span<DerivedFamily* const> families, std::string& secret) {
  auto new_secret = PageTokenCodec::NewSecret();
  if (!new_secret) return std::unexpected(new_secret.error());
  rocksdb::WriteBatch batch;
  rocksdb::Status status = batch.Put(handles.meta, ToSlice(kSecretKey), *new_secret);
  // A new store has no records, so every family is complete.
  for (const DerivedFamily* family : families) {
    if (const auto layout = family->Layout(); layout && status.ok()) {
      status = batch.Put(handles.meta, ToSlice(layout->meta_key), ToSlice(layout->version));
    }
  }
  if (status.ok()) status = handles.db->Write(Synced(), &batch);
  // Flushed so that the rarely written meta family never pins old WAL files.
  if (status.ok()) status = handles.db->Flush(rocksdb::FlushOptions(), handles.meta);
  if (!status.ok()) return StoreFailure(handles.path, status, "creating the store's meta data");
  secret = std::move(*new_secret);
  return {};
}

// The families whose entries must be written again from the records.
Result<std::vector<DerivedFamily*>> StaleFamilies(const MetaHandles& handles,
                                                  std::span<DerivedFamily* const> families) {
  std::vector<DerivedFamily*> stale;
  for (DerivedFamily* family : families) {
    const auto layout = family->Layout();
    if (!layout) continue;
    std::string version;
    const rocksdb::Status status =
        handles.db->Get(rocksdb::ReadOptions(), handles.meta, ToSlice(layout->meta_key), &version);
    if (status.IsNotFound()) {
      stale.push_back(family);
      continue;
    }
    if (!status.ok())
      return StoreFailure(handles.path, status, fmt::format("reading the {} version", layout->description));
    if (version == layout->version) continue;
    if (!layout->rebuilds_from.empty() && version == layout->rebuilds_from) {
      stale.push_back(family);
      continue;
    }
    return Fail(ErrorCode::kInternal,
                fmt::format("rocksdb store {}: unsupported {} version {} (this build reads {})", handles.path,
                            layout->description, Quoted(version), Quoted(layout->version)));
  }
  return stale;
}

// Puts a range deletion of every entry of `family` into `batch`.
Status DropEntries(const MetaHandles& handles, rocksdb::ColumnFamilyHandle* family, rocksdb::WriteBatch& batch) {
  std::unique_ptr<rocksdb::Iterator> it(handles.db->NewIterator(rocksdb::ReadOptions(), family));
  it->SeekToFirst();
  if (!it->Valid()) {
    if (!it->status().ok()) return StoreFailure(handles.path, it->status(), "reading a family to rebuild");
    return {};
  }
  const std::string first(ToView(it->key()));
  it->SeekToLast();
  if (!it->status().ok()) return StoreFailure(handles.path, it->status(), "reading a family to rebuild");
  std::string end(ToView(it->key()));
  end.push_back('\0');  // The smallest key after the last one.
  const rocksdb::Status status = batch.DeleteRange(family, first, end);
  if (!status.ok()) return StoreFailure(handles.path, status, "building a write batch");
  return {};
}

// RocksDB's estimate of the records, or nullopt.
std::optional<std::uint64_t> EstimatedRecords(const MetaHandles& handles) {
  std::uint64_t keys = 0;
  if (!handles.db->GetIntProperty(handles.records, rocksdb::DB::Properties::kEstimateNumKeys, &keys)) {
    return std::nullopt;
  }
  return keys;
}

Status RebuildFamilies(const MetaHandles& handles, std::span<DerivedFamily* const> stale,
                       StoreConversionObserver& observer, std::uint64_t& scanned) {
  rocksdb::WriteBatch batch;
  for (const DerivedFamily* family : stale) {
    if (auto dropped = DropEntries(handles, family->handle().family, batch); !dropped) return dropped;
  }
  rocksdb::Status status = handles.db->Write(Synced(), &batch);
  if (!status.ok()) return StoreFailure(handles.path, status, "dropping the families to rebuild");

  batch.Clear();
  std::size_t batched = 0;
  std::string value;
  std::unique_ptr<rocksdb::Iterator> it(handles.db->NewIterator(rocksdb::ReadOptions(), handles.records));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto record = DecodeRecordValue(ToView(it->key()), ToView(it->value()));
    if (!record) return std::unexpected(record.error());
    value.clear();
    EncodeRecordValue(*record, value);  // In the current record format.
    for (DerivedFamily* family : stale) {
      if (auto added = family->Rebuild(*record, value, batch); !added) return added;
    }
    if (++scanned % kConversionProgressRecords == 0) observer.OnProgress(scanned);
    if (++batched == kRebuildBatchRecords) {
      status = handles.db->Write(rocksdb::WriteOptions(), &batch);
      if (!status.ok()) return StoreFailure(handles.path, status, "rebuilding from the records");
      batch.Clear();
      batched = 0;
    }
  }
  if (!it->status().ok()) return StoreFailure(handles.path, it->status(), "rebuilding from the records");
  for (DerivedFamily* family : stale) {
    if (auto finished = family->FinishRebuild(batch); !finished) return finished;
    const FamilyLayout layout = *family->Layout();
    status = batch.Put(handles.meta, ToSlice(layout.meta_key), ToSlice(layout.version));
    if (!status.ok()) return StoreFailure(handles.path, status, "building a write batch");
  }
  // Synced, so every batch before it is durable too.
  status = handles.db->Write(Synced(), &batch);
  if (!status.ok()) return StoreFailure(handles.path, status, "rebuilding from the records");
  return {};
}

Status ReadSecret(const MetaHandles& handles, std::string& secret) {
  const rocksdb::Status status = handles.db->Get(rocksdb::ReadOptions(), handles.meta, ToSlice(kSecretKey), &secret);
  if (!status.ok()) return StoreFailure(handles.path, status, "reading the page-token secret");
  if (secret.size() < 16) {
    return Fail(ErrorCode::kInternal, fmt::format("rocksdb store {}: page-token secret is too short", handles.path));
  }
  return {};
}

// Without an observer, a conversion is watched by nobody.
class NoObserver final : public StoreConversionObserver {
 public:
  void OnStart(const StoreConversion&) override {}
  void OnProgress(std::uint64_t) override {}
  void OnEnd(std::uint64_t, const Status&) override {}
};

// The conversion: the stale families rebuilt, watched by `observer`.
Status Convert(const MetaHandles& handles, std::span<DerivedFamily* const> stale, StoreConversionObserver* observer) {
  NoObserver nobody;
  StoreConversionObserver& watcher = observer != nullptr ? *observer : nobody;
  StoreConversion conversion{.estimated_records = EstimatedRecords(handles)};
  for (const DerivedFamily* family : stale) conversion.families.emplace_back(family->Layout()->description);
  watcher.OnStart(conversion);
  std::uint64_t scanned = 0;
  Status rebuilt = RebuildFamilies(handles, stale, watcher, scanned);
  watcher.OnEnd(scanned, rebuilt);
  return rebuilt;
}

}  // namespace

std::string ReadOnlyConversionMessage(std::string_view path, std::string_view what) {
  return fmt::format(
      "rocksdb store {}: written by an older build (or an open that was interrupted), it needs a conversion ({}) "
      "that a read-only open cannot make; convert it with any command that writes to it, e.g. "
      "exidx serve --store {} (stop a server of an older build first; the conversion runs when it opens)",
      path, what, path);
}

Result<std::string> OpenMeta(const MetaHandles& handles, std::span<DerivedFamily* const> families,
                             StoreConversionObserver* observer) {
  std::string secret;
  std::string version;
  const rocksdb::Status status =
      handles.db->Get(rocksdb::ReadOptions(), handles.meta, ToSlice(kFormatVersionKey), &version);
  if (status.IsNotFound()) {
    if (handles.read_only) return Fail(ErrorCode::kInternal, ReadOnlyConversionMessage(handles.path, "meta data"));
    if (auto created = InitializeMeta(handles, families, secret); !created) return std::unexpected(created.error());
  } else if (!status.ok()) {
    return StoreFailure(handles.path, status, "reading format version");
  } else {
    auto stale = StaleFamilies(handles, families);
    if (!stale) return std::unexpected(stale.error());
    if (!stale->empty() && handles.read_only) {
      std::string names;
      for (const DerivedFamily* family : *stale) {
        names += (names.empty() ? "" : ", ") + std::string(family->Layout()->description);
      }
      return Fail(ErrorCode::kInternal, ReadOnlyConversionMessage(handles.path, names));
    }
    if (!stale->empty()) {
      if (auto rebuilt = Convert(handles, *stale, observer); !rebuilt) return std::unexpected(rebuilt.error());
    }
    if (auto read = ReadSecret(handles, secret); !read) return std::unexpected(read.error());
  }
  for (DerivedFamily* family : families) {
    if (auto loaded = family->Load(); !loaded) return std::unexpected(loaded.error());
  }
  return secret;
}

}  // namespace exidx
