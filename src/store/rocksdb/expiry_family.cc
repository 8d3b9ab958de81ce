#include "store/rocksdb/expiry_family.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <limits>
#include <memory>

#include "store/rocksdb/key_coding.h"
#include "store/rocksdb/rocksdb_support.h"

namespace exidx {
namespace {

std::string ExpiryKey(EpochSeconds ttl, std::string_view execution_arn) {
  std::string key;
  key.reserve(kFixed64Bytes + execution_arn.size());
  AppendMillisOldestFirst(key, ttl);  // An int64 in order; here seconds.
  key.append(execution_arn);
  return key;
}

std::optional<std::string> ExpiryKeyOf(const ExecutionRecord* record) {
  if (record == nullptr || !record->ttl) return std::nullopt;
  return ExpiryKey(*record->ttl, record->execution_arn);
}

}  // namespace

std::optional<FamilyLayout> ExpiryFamily::Layout() const {
  return FamilyLayout{"expiry", "expiry", "\x01", ""};
}

Status ExpiryFamily::Load() {
  std::unique_ptr<rocksdb::Iterator> it(handle_.db->NewIterator(rocksdb::ReadOptions(), handle_.family));
  it->SeekToFirst();
  if (!it->status().ok()) return StoreFailure(handle_.path, it->status(), "reading the expiry entries");
  if (it->Valid()) may_have_entries_.store(true, std::memory_order_release);
  return {};
}

Status ExpiryFamily::Rebuild(const ExecutionRecord& record, std::string_view, rocksdb::WriteBatch& batch) {
  const auto key = ExpiryKeyOf(&record);
  if (!key) return {};
  const rocksdb::Status status = batch.Put(handle_.family, *key, rocksdb::Slice());
  if (!status.ok()) return StoreFailure(handle_.path, status, "building a write batch");
  return {};
}

Status ExpiryFamily::Stage(const GroupChanges& group, rocksdb::WriteBatch& batch) {
  for (const Replacement& replacement : group.replaced) {
    const auto old_key = ExpiryKeyOf(replacement.before);
    const auto new_key = ExpiryKeyOf(replacement.after);
    if (old_key == new_key) continue;
    rocksdb::Status status;
    if (old_key) status = batch.Delete(handle_.family, *old_key);
    if (new_key && status.ok()) {
      // Before the batch is visible: a reader that sees the record sees this.
      may_have_entries_.store(true, std::memory_order_release);
      status = batch.Put(handle_.family, *new_key, rocksdb::Slice());
      // Lowering the start of the next sweep is safe whatever becomes of the batch.
      if (*new_key < sweep_from_) sweep_from_ = *new_key;
    }
    if (!status.ok()) return StoreFailure(handle_.path, status, "building a write batch");
  }
  return {};
}

Result<std::vector<ExpiryFamily::Expired>> ExpiryFamily::Due(EpochSeconds now, std::size_t limit) const {
  std::vector<Expired> out;
  if (limit == 0 || now == std::numeric_limits<EpochSeconds>::max()) return out;
  std::string upper_key;
  AppendMillisOldestFirst(upper_key, now + 1);
  const rocksdb::Slice lower(sweep_from_);
  const rocksdb::Slice upper(upper_key);
  rocksdb::ReadOptions options;
  options.iterate_lower_bound = &lower;
  options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(handle_.db->NewIterator(options, handle_.family));
  for (it->SeekToFirst(); it->Valid() && out.size() < limit; it->Next()) {
    const std::string_view key = ToView(it->key());
    if (key.size() <= kFixed64Bytes) return StoreCorrupt(handle_.path, "an expiry key");
    out.push_back(Expired{std::string(key), std::string(key.substr(kFixed64Bytes)), ReadMillisOldestFirst(key)});
  }
  if (!it->status().ok()) return StoreFailure(handle_.path, it->status(), "reading the expiry entries");
  return out;
}

void ExpiryFamily::SweptThrough(const Expired& last) {
  std::string next = last.key;
  next.push_back('\0');  // The smallest key after it.
  if (next > sweep_from_) sweep_from_ = std::move(next);
}

}  // namespace exidx
