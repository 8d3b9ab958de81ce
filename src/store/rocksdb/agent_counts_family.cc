#include "store/rocksdb/agent_counts_family.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <memory>

#include "store/rocksdb/key_coding.h"
#include "store/rocksdb/rocksdb_support.h"

namespace exidx {
namespace {

std::string EncodeCount(std::uint64_t count) {
  std::string value;
  AppendVarint64(value, count);
  return value;
}

}  // namespace

std::optional<FamilyLayout> AgentCountsFamily::Layout() const {
  return FamilyLayout{"agent counts", "agent_counts", "\x01", ""};
}

Status AgentCountsFamily::Load() {
  counts_.clear();
  std::unique_ptr<rocksdb::Iterator> it(handle_.db->NewIterator(rocksdb::ReadOptions(), handle_.family));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto count = CountOf(ToView(it->key()), ToView(it->value()));
    if (!count) return std::unexpected(count.error());
    counts_.emplace(std::string(ToView(it->key())), *count);
  }
  if (!it->status().ok()) return StoreFailure(handle_.path, it->status(), "reading the agent counts");
  return {};
}

Status AgentCountsFamily::Rebuild(const ExecutionRecord& record, std::string_view, rocksdb::WriteBatch&) {
  ++rebuilt_[record.agent_name];
  return {};
}

Status AgentCountsFamily::FinishRebuild(rocksdb::WriteBatch& batch) {
  for (const auto& [agent, count] : rebuilt_) {
    const rocksdb::Status status = batch.Put(handle_.family, agent, EncodeCount(count));
    if (!status.ok()) return StoreFailure(handle_.path, status, "writing the agent counts of an older store");
  }
  rebuilt_.clear();
  return {};
}

Status AgentCountsFamily::Stage(const GroupChanges& group, rocksdb::WriteBatch& batch) {
  std::map<std::string_view, std::int64_t> deltas;
  for (const Replacement& replacement : group.replaced) {
    const ExecutionRecord* before = replacement.before;
    const ExecutionRecord* after = replacement.after;  // nullptr: deleted.
    if (before != nullptr && after != nullptr && before->agent_name == after->agent_name) continue;
    if (before != nullptr) --deltas[before->agent_name];
    if (after != nullptr) ++deltas[after->agent_name];
  }
  staged_.clear();
  staged_.reserve(deltas.size());
  for (const auto& [agent, delta] : deltas) {
    if (delta == 0) continue;
    staged_.push_back({counts_.try_emplace(std::string(agent), 0).first, 0});
    CountUpdate& update = staged_.back();
    const std::uint64_t count = update.entry->second;
    if (delta < 0 && count < static_cast<std::uint64_t>(-delta)) {
      DropUnusedCounts();
      return Fail(ErrorCode::kInternal, fmt::format("rocksdb store {}: agent {} has more records than its count {}",
                                                    handle_.path, Quoted(agent), count));
    }
    update.count = count + static_cast<std::uint64_t>(delta);
    const rocksdb::Status status = update.count == 0
                                       ? batch.Delete(handle_.family, ToSlice(agent))
                                       : batch.Put(handle_.family, ToSlice(agent), EncodeCount(update.count));
    if (!status.ok()) {
      DropUnusedCounts();
      return StoreFailure(handle_.path, status, "building a write batch");
    }
  }
  return {};
}

void AgentCountsFamily::Settle(BatchFate fate) {
  if (fate == BatchFate::kWritten) {
    for (const CountUpdate& update : staged_) update.entry->second = update.count;
  }
  DropUnusedCounts();
}

void AgentCountsFamily::DropUnusedCounts() {
  for (const CountUpdate& update : staged_) {
    if (update.entry->second == 0) counts_.erase(update.entry);
  }
  staged_.clear();
}

Result<std::uint64_t> AgentCountsFamily::CountOf(std::string_view agent, std::string_view value) const {
  const std::optional<std::uint64_t> count = ReadVarint64(value);
  if (!count || !value.empty() || *count == 0) {
    return StoreCorrupt(handle_.path, fmt::format("count of agent {}", Quoted(agent)));
  }
  return *count;
}

Result<std::vector<AgentSummary>> AgentCountsFamily::List() const {
  std::vector<AgentSummary> out;
  std::unique_ptr<rocksdb::Iterator> it(handle_.db->NewIterator(rocksdb::ReadOptions(), handle_.family));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto count = CountOf(ToView(it->key()), ToView(it->value()));
    if (!count) return std::unexpected(count.error());
    out.push_back(AgentSummary{std::string(ToView(it->key())), *count});
  }
  if (!it->status().ok()) return StoreFailure(handle_.path, it->status(), "reading the agent counts");
  return out;
}

Result<std::vector<std::string>> AgentCountsFamily::Names(const rocksdb::ReadOptions& options) const {
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(handle_.db->NewIterator(options, handle_.family));
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace_back(ToView(it->key()));
  if (!it->status().ok()) return StoreFailure(handle_.path, it->status(), "reading the agents");
  return out;
}

}  // namespace exidx
