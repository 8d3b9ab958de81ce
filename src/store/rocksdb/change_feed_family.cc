#include "store/rocksdb/change_feed_family.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <iterator>
#include <memory>

#include "store/rocksdb/key_coding.h"
#include "store/rocksdb/record_codec.h"
#include "store/rocksdb/rocksdb_support.h"

namespace exidx {
namespace {

// Sorted before every sequence: the first one kept.
constexpr std::string_view kFeedStartKey = "";

// A change's value: the record with its executionArn, which the record
// codec leaves to the key of the records family.
void EncodeChangeValue(const ExecutionRecord& record, std::string& out) {
  AppendLengthPrefixed(out, record.execution_arn);
  EncodeRecordValue(record, out);
}

Result<ExecutionRecord> DecodeChangeValue(std::uint64_t sequence, std::string_view bytes) {
  const std::optional<std::uint64_t> size = ReadVarint64(bytes);
  if (!size || *size > bytes.size()) {
    return Fail(ErrorCode::kInternal, fmt::format("change {} of the change feed is corrupt", sequence));
  }
  return DecodeRecordValue(bytes.substr(0, *size), bytes.substr(*size));
}

}  // namespace

ChangeFeedFamily::ChangeFeedFamily(FamilyHandle handle, std::uint64_t capacity)
    : DerivedFamily(handle),
      capacity_(std::max<std::uint64_t>(1, capacity)),
      trim_step_(std::max<std::uint64_t>(1, capacity_ / 8)) {}

Status ChangeFeedFamily::Load() {
  std::unique_ptr<rocksdb::Iterator> it(handle_.db->NewIterator(rocksdb::ReadOptions(), handle_.family));
  auto bounds = Bounds(*it);
  if (!bounds) return std::unexpected(bounds.error());
  start_ = bounds->first;
  // Trimming always keeps the newest change, so the last one is the newest ever.
  next_sequence_ = std::max(bounds->first, bounds->second + 1);
  return {};
}

Status ChangeFeedFamily::Stage(const GroupChanges& group, rocksdb::WriteBatch& batch) {
  staged_next_sequence_ = next_sequence_ + group.changes.size();
  staged_start_ = start_;
  rocksdb::Status status;
  std::string value;
  for (std::size_t i = 0; i < group.changes.size() && status.ok(); ++i) {
    value.clear();
    EncodeChangeValue(*group.changes[i], value);
    status = batch.Put(handle_.family, Fixed64Key(next_sequence_ + i), value);
  }
  // Trims in steps, not every batch: each step is one range tombstone.
  if (staged_next_sequence_ - start_ > capacity_ + trim_step_) {
    staged_start_ = staged_next_sequence_ - capacity_;
    if (status.ok()) status = batch.DeleteRange(handle_.family, Fixed64Key(start_), Fixed64Key(staged_start_));
    if (status.ok()) status = batch.Put(handle_.family, ToSlice(kFeedStartKey), Fixed64Key(staged_start_));
  }
  if (!status.ok()) return StoreFailure(handle_.path, status, "building a write batch");
  return {};
}

void ChangeFeedFamily::Settle(BatchFate fate) {
  // A failed batch may still reappear after a reopen: its sequences are
  // never handed out again in this process.
  if (fate != BatchFate::kNotWritten) next_sequence_ = staged_next_sequence_;
  if (fate == BatchFate::kWritten) start_ = staged_start_;
}

Result<std::pair<std::uint64_t, std::uint64_t>> ChangeFeedFamily::Bounds(rocksdb::Iterator& it) const {
  std::uint64_t first = 1;
  std::uint64_t latest = 0;
  it.Seek(ToSlice(kFeedStartKey));
  if (it.Valid() && it.key().empty()) {
    if (it.value().size() != kFixed64Bytes) return StoreCorrupt(handle_.path, "change feed start");
    first = std::max<std::uint64_t>(1, ReadBigEndian64(ToView(it.value())));
  }
  it.SeekToLast();
  if (it.Valid() && !it.key().empty()) {
    if (it.key().size() != kFixed64Bytes) return StoreCorrupt(handle_.path, "change feed key");
    latest = ReadBigEndian64(ToView(it.key()));
  }
  if (!it.status().ok()) return StoreFailure(handle_.path, it.status(), "reading the change feed");
  return std::pair(first, latest);
}

Result<ChangeRange> ChangeFeedFamily::Read(std::uint64_t after, std::size_t limit, const ChangeFilter& keep) const {
  // One iterator reads one implicit snapshot: its bounds and its changes
  // agree, and batches show whole, so no sequence shows before a lower one.
  std::unique_ptr<rocksdb::Iterator> it(handle_.db->NewIterator(rocksdb::ReadOptions(), handle_.family));
  auto bounds = Bounds(*it);
  if (!bounds) return std::unexpected(bounds.error());
  const auto [first, latest] = *bounds;
  ChangeRange range;
  range.latest = latest;
  range.missed = after < first - 1;
  if (limit == 0 || after >= latest) return range;

  range.changes.reserve(std::min<std::uint64_t>({limit, latest - after, 1024}));
  // In chunks of what is still wanted: `keep` may drop some of each.
  std::vector<RecordChange> chunk;
  it->Seek(Fixed64Key(std::max(after + 1, first)));
  while (it->Valid() && range.changes.size() < limit) {
    chunk.clear();
    for (; it->Valid() && range.changes.size() + chunk.size() < limit; it->Next()) {
      if (it->key().size() != kFixed64Bytes) return StoreCorrupt(handle_.path, "change feed key");
      const std::uint64_t sequence = ReadBigEndian64(ToView(it->key()));
      auto record = DecodeChangeValue(sequence, ToView(it->value()));
      if (!record) return std::unexpected(record.error());
      chunk.push_back(RecordChange{sequence, std::move(*record)});
    }
    if (keep) {
      if (auto kept = keep(chunk); !kept) return std::unexpected(kept.error());
    }
    std::move(chunk.begin(), chunk.end(), std::back_inserter(range.changes));
  }
  if (!it->status().ok()) return StoreFailure(handle_.path, it->status(), "reading the change feed");
  return range;
}

}  // namespace exidx
