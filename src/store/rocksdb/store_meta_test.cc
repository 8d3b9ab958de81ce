// Opening a store that an older build, or an interrupted rebuild, left:
// every derived family that is missing or in an older layout is written
// again from the records in the same open.
#include "store/rocksdb/store_meta.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <random>
#include <string>
#include <vector>

#include "store/rocksdb/key_coding.h"
#include "store/rocksdb/rocksdb_store.h"
#include "store/rocksdb/test_raw_store.h"
#include "support/record_builder.h"
#include "support/reference_store.h"
#include "support/temp_dir.h"

namespace exidx {
namespace {

using testing::Exec;

class StoreMetaTest : public ::testing::Test {
 protected:
  RocksDbStoreOptions Options() const {
    RocksDbStoreOptions options;
    options.path = (dir_.path() / "db").string();
    options.block_cache_bytes = 8 << 20;
    return options;
  }

  std::unique_ptr<RocksDbStore> OpenStore() {
    auto store = RocksDbStore::Open(Options());
    EXPECT_TRUE(store.has_value()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // Every answer of `store` that a derived family gives, against the reference.
  static void ExpectSameAnswers(ExecutionStore& store, testing::ReferenceStore& reference) {
    for (const std::optional<std::string>& agent : {std::optional<std::string>(), std::optional<std::string>("a1")}) {
      for (const std::optional<ExecutionStatus> status :
           {std::optional<ExecutionStatus>(), std::optional<ExecutionStatus>(ExecutionStatus::kFailed)}) {
        ScanRequest request;
        request.filter.agent_name = agent;
        request.filter.status = status;
        request.limit = 100'000;
        EXPECT_EQ(store.Scan(request).value(), reference.Scan(request).value());
        const StatsRequest stats{agent, status, 0, 100 * kMillisPerHour};
        EXPECT_EQ(store.ReadHourlyStats(stats).value(), reference.ReadHourlyStats(stats).value());
      }
    }
    EXPECT_EQ(store.ListAgents().value(), reference.ListAgents().value());
  }

  testing::TempDir dir_{"store-meta"};
};

TEST_F(StoreMetaTest, EveryStaleFamilyIsRebuiltInOneOpen) {
  testing::ReferenceStore reference;
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    std::mt19937 random(5);
    std::vector<ExecutionRecord> records;
    for (int i = 0; i < 600; ++i) {
      const auto status = kAllStatuses[random() % kAllStatuses.size()];
      const EpochMillis start = static_cast<EpochMillis>(random() % (90 * kMillisPerHour));
      records.push_back(Exec("arn:e:" + std::to_string(i % 400), "a" + std::to_string(random() % 4), status, start,
                             IsTerminal(status) ? std::optional<EpochMillis>(start + 1'000) : std::nullopt));
    }
    ASSERT_TRUE(store->Apply(records).has_value());
    ASSERT_TRUE(reference.Apply(records).has_value());
    ExpectSameAnswers(*store, reference);
  }
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "an older store" : "a rebuild interrupted");
    {
      // Format 1, before the agent counts and the hourly stats; every derived
      // family also holds an entry that no rebuild writes.
      auto raw = RawStore::Open(Options().path);
      ASSERT_NE(raw, nullptr);
      rocksdb::DB& db = raw->db();
      const rocksdb::WriteOptions write;
      ASSERT_TRUE(db.Put(write, raw->family(RawStore::kMeta), "format_version", "\x01").ok());
      ASSERT_TRUE(db.Delete(write, raw->family(RawStore::kMeta), "agent_counts").ok());
      ASSERT_TRUE(db.Delete(write, raw->family(RawStore::kMeta), "hourly_stats").ok());
      std::string stale_index = "\x01";
      AppendMillisNewestFirst(stale_index, 7);
      stale_index += "arn:stale";
      ASSERT_TRUE(db.Put(write, raw->family(RawStore::kIndex), stale_index, "stale").ok());
      ASSERT_TRUE(db.Put(write, raw->family(RawStore::kAgents), "ghost", "\x05").ok());
      std::string stale_cell;
      AppendLengthPrefixed(stale_cell, "ghost");
      AppendMillisOldestFirst(stale_cell, kMillisPerHour);
      stale_cell.push_back('\0');
      ASSERT_TRUE(db.Put(write, raw->family(RawStore::kStats), stale_cell, std::string("\x03\x00", 2)).ok());
      ASSERT_TRUE(raw->Close());
    }
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ExpectSameAnswers(*store, reference);
  }
  // Rebuilt for good, and writes go on.
  auto store = OpenStore();
  const std::vector<ExecutionRecord> more = {Exec("arn:e:new", "a9", ExecutionStatus::kRunning, 5)};
  ASSERT_TRUE(store->Apply(more).has_value());
  ASSERT_TRUE(reference.Apply(more).has_value());
  ExpectSameAnswers(*store, reference);
}

// Records what a conversion reports, call by call.
class RecordingObserver final : public StoreConversionObserver {
 public:
  void OnStart(const StoreConversion& conversion) override {
    calls.push_back("start");
    started = conversion;
  }
  void OnProgress(std::uint64_t records) override { calls.push_back("progress " + std::to_string(records)); }
  void OnEnd(std::uint64_t records, const Status& status) override {
    calls.push_back("end " + std::to_string(records) + (status ? " ok" : " failed: " + status.error().message));
  }

  std::vector<std::string> calls;
  StoreConversion started;
};

TEST_F(StoreMetaTest, AConversionIsReportedToTheObserver) {
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    std::vector<ExecutionRecord> records;
    for (int i = 0; i < 2'500; ++i) {
      records.push_back(Exec("arn:e:" + std::to_string(i), "a" + std::to_string(i % 3), ExecutionStatus::kRunning, i));
    }
    ASSERT_TRUE(store->Apply(records).has_value());
  }
  RecordingObserver observer;
  RocksDbStoreOptions options = Options();
  options.conversion_observer = &observer;
  ASSERT_TRUE(RocksDbStore::Open(options).has_value());
  EXPECT_EQ(observer.calls, std::vector<std::string>()) << "a current store converts nothing";
  {
    auto raw = RawStore::Open(options.path);
    ASSERT_NE(raw, nullptr);
    ASSERT_TRUE(raw->db().Delete(rocksdb::WriteOptions(), raw->family(RawStore::kMeta), "agent_counts").ok());
    ASSERT_TRUE(raw->db().Delete(rocksdb::WriteOptions(), raw->family(RawStore::kMeta), "hourly_stats").ok());
    ASSERT_TRUE(raw->Close());
  }
  auto store = RocksDbStore::Open(options);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  EXPECT_EQ(observer.calls, (std::vector<std::string>{"start", "progress 1000", "progress 2000", "end 2500 ok"}));
  EXPECT_EQ(observer.started.families, (std::vector<std::string>{"agent counts", "hourly stats"}));
  ASSERT_TRUE(observer.started.estimated_records.has_value());
  EXPECT_GT(*observer.started.estimated_records, 0u);
  EXPECT_EQ((*store)->ListAgents().value().size(), 3u);
}

TEST_F(StoreMetaTest, ALayoutNewerThanThisBuildIsRefused) {
  OpenStore().reset();
  {
    auto raw = RawStore::Open(Options().path);
    ASSERT_NE(raw, nullptr);
    ASSERT_TRUE(raw->db().Put(rocksdb::WriteOptions(), raw->family(RawStore::kMeta), "agent_counts", "\x02").ok());
    ASSERT_TRUE(raw->Close());
  }
  auto store = RocksDbStore::Open(Options());
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
  EXPECT_NE(store.error().message.find("unsupported agent counts version"), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace exidx
