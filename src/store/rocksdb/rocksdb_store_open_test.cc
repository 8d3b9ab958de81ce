// Opening a RocksDbStore: a second open, missing stores, the files it leaves
// (write-ahead logs, info log), background work, and on-disk formats (an
// unknown one refused, format 1 converted).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <random>

#include "store/rocksdb/empty_wal_files.h"
#include "store/rocksdb/index_keys.h"
#include "store/rocksdb/key_coding.h"
#include "store/rocksdb/rocksdb_store.h"
#include "store/rocksdb/test_raw_store.h"
#include "store/rocksdb/test_rocksdb_store.h"

namespace exidx {
namespace {

// Returns (not hangs) once RocksDB is idle, and the store answers as before.
TEST_F(RocksDbStoreTest, WaitForBackgroundWorkReturnsOnceIdle) {
  auto store = OpenStore();
  EXPECT_TRUE(store->WaitForBackgroundWork().has_value());
  const RandomData data = LoadRandomData(*store, 3, 300);
  ASSERT_TRUE(store->CompactAll().has_value());
  EXPECT_TRUE(store->WaitForBackgroundWork().has_value());
  const ScanRequest everything{.filter = {}, .order = SortOrder::kDesc, .after = std::nullopt, .limit = SIZE_MAX};
  EXPECT_EQ(MustScan(*store, everything), BruteForce(data.truth, everything));
}

TEST_F(RocksDbStoreTest, SecondOpenOfTheSamePathIsUnavailable) {
  auto store = OpenStore();
  auto second = RocksDbStore::Open(Options());
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message.find(Options().path), std::string::npos) << second.error().message;
}

// RocksDB 7.8 kept the empty WAL of every open that wrote nothing (737 of
// them in one store), and its info log in the store could abort the process
// on a full disk: neither is left in the directory.
TEST_F(RocksDbStoreTest, ReopeningLeavesNoEmptyWalFilesAndNoInfoLog) {
  auto count_wal_files = [&] {
    int wal_files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(Options().path)) {
      if (entry.path().extension() == ".log") ++wal_files;
    }
    return wal_files;
  };
  for (int i = 0; i < 6; ++i) {
    auto store = OpenStore();
    if (i == 2) {
      ASSERT_TRUE(store->Apply(std::vector<ExecutionRecord>{Exec("arn:e:1", "A", kRunning, 1000)}));
    }
  }
  EXPECT_LE(count_wal_files(), 1);
  EXPECT_FALSE(std::filesystem::exists(Options().path + "/LOG"));
  auto store = OpenStore();
  EXPECT_TRUE(store->Get("arn:e:1").value().has_value()) << "the write survived";
}

// Another process's store is left alone: its current WAL is empty too.
TEST_F(RocksDbStoreTest, EmptyWalFilesOfAStoreOpenElsewhereAreKept) {
  OpenStore().reset();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = RocksDbStore::Open(Options());
    const char byte = store ? 'y' : 'n';
    if (write(ready[1], &byte, 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 'y');
  std::vector<std::string> before;
  for (const auto& entry : std::filesystem::directory_iterator(Options().path)) before.push_back(entry.path());
  auto removed = RemoveEmptyWalFiles(Options().path);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_TRUE(removed.has_value()) << removed.error().message;
  EXPECT_EQ(*removed, 0u);
  for (const std::string& path : before) EXPECT_TRUE(std::filesystem::exists(path)) << path;
}

TEST_F(RocksDbStoreTest, MissingStoreIsAnErrorWithoutCreateIfMissing) {
  auto options = Options();
  options.create_if_missing = false;
  auto store = RocksDbStore::Open(options);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message.find(options.path), std::string::npos) << store.error().message;
  EXPECT_FALSE(std::filesystem::exists(options.path + "/CURRENT"));
}

TEST_F(RocksDbStoreTest, UnknownStoreFormatIsRefused) {
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, Options().path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "format_version", "\x09").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto store = RocksDbStore::Open(Options());
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
  EXPECT_NE(store.error().message.find("format version"), std::string::npos) << store.error().message;
}

// A store of format 1 (index keys oldest first) is converted when opened:
// its index is written again from the records. Simulated by marking a store
// as format 1 and adding index entries that no format 2 key can equal (an
// old key: prefix, startDate, executionArn unescaped); whether they are from
// format 1 or left by an interrupted conversion, none survives the next open.
TEST_F(RocksDbStoreTest, StoreOfFormat1IsConvertedWhenOpened) {
  Records truth;
  std::vector<ScanRequest> requests;
  std::string secret;
  {
    auto store = OpenStore();
    const RandomData data = LoadRandomData(*store, 77, 200);
    truth = data.truth;
    secret = store->PageTokenSecret().value_or("");
    std::mt19937 rng(9);
    for (const ExecutionFilter& filter : FiltersOf(data, rng)) {
      for (SortOrder order : {SortOrder::kDesc, SortOrder::kAsc}) {
        requests.push_back(ScanRequest{.filter = filter, .order = order, .after = std::nullopt, .limit = SIZE_MAX});
      }
    }
  }
  auto mark_as_format_1 = [&] {
    auto raw = RawStore::Open(Options().path);
    ASSERT_NE(raw, nullptr);
    rocksdb::DB& db = raw->db();
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), raw->family(RawStore::kMeta), "format_version", "\x01").ok());
    for (const auto& [arn, record] : truth) {
      // In the "all" shape, at the record's startDate: inside every range that holds the record.
      std::string old_key = "\x01";
      AppendMillisNewestFirst(old_key, record.start_date);
      old_key += arn;
      ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), raw->family(RawStore::kIndex), old_key, "stale").ok());
    }
    ASSERT_TRUE(raw->Close());
  };
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "format 1" : "conversion interrupted");
    mark_as_format_1();
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->PageTokenSecret().value_or(""), secret);
    for (const ScanRequest& request : requests) {
      ASSERT_EQ(MustScan(*store, request), BruteForce(truth, request)) << Describe(request);
    }
    for (const auto& [arn, record] : truth) EXPECT_EQ(MustGet(*store, arn), record);
  }
  // Converted for good: it opens as format 2, and goes on indexing.
  auto store = OpenStore();
  const std::vector<ExecutionRecord> more = {Exec("arn:new", "a", kRunning, 123)};
  EXPECT_EQ(MustApply(*store, more), std::vector{kIndexed});
  ApplySequentially(truth, more);
  for (const ScanRequest& request : requests) {
    ASSERT_EQ(MustScan(*store, request), BruteForce(truth, request)) << Describe(request);
  }
}

// OpenMode::kReadOnly beside a process that has the store open for writing:
// no LOCK taken, the store as of the open, no writes.
TEST_F(RocksDbStoreTest, AReadOnlyOpenWorksBesideAWriterAndSeesTheStoreAsOfItsOpen) {
  auto writer = OpenStore();
  const std::vector<ExecutionRecord> first = {Exec("arn:e:1", "A", kRunning, 1000)};
  ASSERT_EQ(MustApply(*writer, first), std::vector{kIndexed});
  auto options = Options();
  options.open_mode = OpenMode::kReadOnly;
  auto reader = OpenStore(options);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(MustGet(*reader, "arn:e:1"), first[0]);
  EXPECT_EQ(reader->PageTokenSecret().value_or(""), writer->PageTokenSecret().value_or("-"));

  ASSERT_EQ(MustApply(*writer, {Exec("arn:e:2", "A", kRunning, 2000)}), std::vector{kIndexed});
  EXPECT_EQ(MustGet(*reader, "arn:e:2"), std::nullopt) << "a write after the open is not seen";
  auto later = OpenStore(options);
  ASSERT_NE(later, nullptr);
  EXPECT_NE(MustGet(*later, "arn:e:2"), std::nullopt);

  auto applied = reader->Apply(first);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(applied.error().message.find("read-only"), std::string::npos) << applied.error().message;
  EXPECT_FALSE(reader->WriteCheckpoint("c", "v").has_value());
  EXPECT_FALSE(reader->WriteHealth().has_value());
  // The writer goes on writing while readers are open.
  EXPECT_EQ(MustApply(*writer, {Exec("arn:e:3", "A", kRunning, 3000)}), std::vector{kIndexed});
}

TEST_F(RocksDbStoreTest, AReadOnlyOpenOfAMissingStoreSaysHowToCreateOneAndCreatesNothing) {
  auto options = Options();
  options.open_mode = OpenMode::kReadOnly;
  auto store = RocksDbStore::Open(options);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
  EXPECT_NE(store.error().message.find("no store there (create one with: exidx ingest FILE --store " + options.path),
            std::string::npos)
      << store.error().message;
  EXPECT_FALSE(std::filesystem::exists(options.path));
}

// A conversion writes; a read-only open refuses the store instead, names
// what needs converting and what converts it, and leaves it as it was.
TEST_F(RocksDbStoreTest, AReadOnlyOpenOfAStoreThatNeedsConvertingIsRefused) {
  OpenStore().reset();
  {
    auto raw = RawStore::Open(Options().path);
    ASSERT_NE(raw, nullptr);
    ASSERT_TRUE(raw->db().Put(rocksdb::WriteOptions(), raw->family(RawStore::kMeta), "format_version", "\x01").ok());
    ASSERT_TRUE(raw->Close());
  }
  auto options = Options();
  options.open_mode = OpenMode::kReadOnly;
  auto store = RocksDbStore::Open(options);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
  EXPECT_NE(store.error().message.find("it needs a conversion (store format)"), std::string::npos)
      << store.error().message;
  EXPECT_NE(store.error().message.find("exidx serve --store " + options.path), std::string::npos)
      << store.error().message;
  {
    auto raw = RawStore::Open(Options().path);
    ASSERT_NE(raw, nullptr);
    std::string version;
    ASSERT_TRUE(raw->db().Get(rocksdb::ReadOptions(), raw->family(RawStore::kMeta), "format_version", &version).ok());
    EXPECT_EQ(version, "\x01") << "left unconverted";
  }
  EXPECT_NE(OpenStore(), nullptr) << "an open for writing converts it";
  EXPECT_NE(OpenStore(options), nullptr) << "then it opens read-only";
}

TEST_F(RocksDbStoreTest, AReadOnlyOpenOfAStoreWithoutANewerFamilyIsRefused) {
  {
    rocksdb::DBOptions db_options;
    db_options.create_if_missing = true;
    db_options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name : {"default", "records", "index", "changes", "agents", "stats"}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(db_options, Options().path, families, &handles, &raw).ok());
    for (auto* handle : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(handle).ok());
    ASSERT_TRUE(raw->Close().ok());
    delete raw;
  }
  auto options = Options();
  options.open_mode = OpenMode::kReadOnly;
  auto store = RocksDbStore::Open(options);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message.find("conversion (new column families expiry)"), std::string::npos)
      << store.error().message;
}

}  // namespace
}  // namespace exidx
