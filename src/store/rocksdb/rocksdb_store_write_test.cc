// RocksDbStore's writes at the file system: callers that queue behind an
// fsync share the next one, and a failed write-ahead log append is invisible
// and the store recovers (in process or after a reopen).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "store/rocksdb/rocksdb_store.h"
#include "store/rocksdb/test_rocksdb_store.h"

namespace exidx {
namespace {

// Counts syncs of write-ahead logs; while `hold_syncs`, each sync waits until released.
class SyncCountingFileSystem : public rocksdb::FileSystemWrapper {
 public:
  SyncCountingFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "SyncCountingFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, file, dbg);
    if (status.ok() && name.ends_with(".log")) *file = std::make_unique<File>(std::move(*file), *this);
    return status;
  }

  void HoldSyncs() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void ReleaseSyncs() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  // Waits until a sync is waiting on the hold; false if none comes in time.
  bool AwaitHeldSync() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [this] { return waiting_ > 0; });
  }
  int syncs() const { return syncs_; }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, SyncCountingFileSystem& fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      fs_.OnSync();
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      fs_.OnSync();
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    SyncCountingFileSystem& fs_;
  };

  void OnSync() {
    ++syncs_;
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !held_; });
    --waiting_;
  }

  std::atomic<int> syncs_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  int waiting_ = 0;
};

// While one caller's fsync is in progress, the callers that queue behind it
// are committed together: one more fsync for all of them.
TEST_F(RocksDbStoreTest, QueuedCallersShareOneSync) {
  auto fs = std::make_shared<SyncCountingFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  auto options = Options();
  options.env = env.get();
  auto store = OpenStore(options);
  const int syncs_at_open = fs->syncs();

  fs->HoldSyncs();
  std::thread first([&] { MustApply(*store, {Exec("arn:e:first", "Agent", kRunning, 1000)}); });
  if (!fs->AwaitHeldSync()) {
    fs->ReleaseSyncs();
    first.join();
    FAIL() << "Apply returned without syncing the write-ahead log";
  }
  constexpr int kFollowers = 7;
  std::atomic<int> started{0};
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.emplace_back([&, i] {
      ++started;
      EXPECT_EQ(MustApply(*store, {Exec(fmt::format("arn:e:{}", i), "Agent", kRunning, 1000 + i)}),
                std::vector{kIndexed});
    });
  }
  while (started < kFollowers) std::this_thread::yield();
  // Followers queue behind the held leader; a slow one only costs an extra sync.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  fs->ReleaseSyncs();
  first.join();
  for (std::thread& follower : followers) follower.join();

  const int syncs = fs->syncs() - syncs_at_open;
  EXPECT_GE(syncs, 2);
  EXPECT_LT(syncs, 1 + kFollowers) << "no caller shared a sync";
  ScanRequest all;
  EXPECT_EQ(MustScan(*store, all).size(), 1u + kFollowers);
}

// Fails every append to a write-ahead log while armed, with `error`.
class FailingWalFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FailingWalFileSystem(rocksdb::IOStatus error)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), error_(std::move(error)) {}
  const char* Name() const override { return "FailingWalFileSystem"; }

  std::atomic<bool> armed{false};

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, file, dbg);
    if (status.ok() && name.ends_with(".log")) *file = std::make_unique<File>(std::move(*file), *this);
    return status;
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, const FailingWalFileSystem& fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_.armed) return fs_.error_;
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
      if (fs_.armed) return fs_.error_;
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }

   private:
    const FailingWalFileSystem& fs_;
  };

  rocksdb::IOStatus error_;
};

struct WalFault {
  const char* name;
  rocksdb::IOStatus error;
  bool recovers_in_process;  // RocksDB resumes writes itself, or only after a reopen.
};

class FailedWriteTest : public RocksDbStoreTest, public ::testing::WithParamInterface<WalFault> {};

TEST_P(FailedWriteTest, FailedWriteIsInvisibleAndTheStoreRecovers) {
  auto fs = std::make_shared<FailingWalFileSystem>(GetParam().error);
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  auto options = Options();
  options.env = env.get();
  const ExecutionRecord running = Exec("arn:e:1", "Agent", kRunning, 1000);
  const ExecutionRecord succeeded = Exec("arn:e:1", "Agent", kSucceeded, 1000, 2000);
  const ExecutionRecord other = Exec("arn:e:2", "Agent", kRunning, 1001);
  {
    auto store = OpenStore(options);
    MustApply(*store, {running});

    fs->armed = true;
    auto failed = store->Apply(std::vector{succeeded, other});
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(failed.error().message.find("injected"), std::string::npos) << failed.error().message;
    EXPECT_NE(failed.error().message.find(options.path), std::string::npos) << failed.error().message;
    // Reads go on, and show nothing of the failed call.
    EXPECT_EQ(MustGet(*store, "arn:e:1"), running);
    EXPECT_EQ(MustGet(*store, "arn:e:2"), std::nullopt);
    EXPECT_TRUE(MustScan(*store, ByStatus(kSucceeded)).empty());
    EXPECT_EQ(ArnsOf(MustScan(*store, ByStatus(kRunning))), std::vector<std::string>{"arn:e:1"});
    auto feed = store->ReadChanges(0, 10);
    ASSERT_TRUE(feed.has_value()) << feed.error().message;
    ASSERT_EQ(feed->changes.size(), 1u);
    EXPECT_EQ(feed->changes[0].record, running);
    EXPECT_EQ(feed->latest, 1u);
    EXPECT_EQ(store->ListAgents(), (std::vector<AgentSummary>{{"Agent", 1}}));

    fs->armed = false;
    auto retried = store->Apply(std::vector{succeeded});
    if (GetParam().recovers_in_process) {
      // RocksDB recovers in the background; until then writes are refused.
      for (int attempt = 0; attempt < 600 && !retried; ++attempt) {
        EXPECT_EQ(retried.error().code, ErrorCode::kUnavailable);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        retried = store->Apply(std::vector{succeeded});
      }
      ASSERT_TRUE(retried.has_value()) << retried.error().message;
      EXPECT_EQ(*retried, std::vector{kIndexed});
      EXPECT_EQ(MustGet(*store, "arn:e:1"), succeeded);
    } else {
      ASSERT_FALSE(retried.has_value());
      EXPECT_EQ(retried.error().code, ErrorCode::kUnavailable);
      EXPECT_NE(retried.error().message.find("reopen"), std::string::npos) << retried.error().message;
      EXPECT_EQ(MustGet(*store, "arn:e:1"), running);
    }
  }
  // After a restart the store takes writes, and the failed call never shows.
  auto store = OpenStore(options);
  EXPECT_EQ(MustGet(*store, "arn:e:2"), std::nullopt);
  EXPECT_EQ(MustApply(*store, {succeeded, other}),
            (GetParam().recovers_in_process ? std::vector{kUnchanged, kIndexed} : std::vector{kIndexed, kIndexed}));
  EXPECT_EQ(MustGet(*store, "arn:e:1"), succeeded);
  EXPECT_EQ(ArnsOf(MustScan(*store, ByStatus(kRunning))), std::vector<std::string>{"arn:e:2"});
  // The feed holds each change once, in order; a failed batch's sequences
  // may be skipped, never shown.
  auto feed = store->ReadChanges(0, 10);
  ASSERT_TRUE(feed.has_value()) << feed.error().message;
  std::vector<ExecutionRecord> changes;
  for (std::size_t i = 0; i < feed->changes.size(); ++i) {
    changes.push_back(feed->changes[i].record);
    if (i > 0) {
      EXPECT_GT(feed->changes[i].sequence, feed->changes[i - 1].sequence);
    }
  }
  EXPECT_EQ(changes, (std::vector{running, succeeded, other}));
  EXPECT_EQ(store->ListAgents(), (std::vector<AgentSummary>{{"Agent", 2}}));
}

INSTANTIATE_TEST_SUITE_P(WalFaults, FailedWriteTest,
                         ::testing::Values(WalFault{"NoSpace", rocksdb::IOStatus::NoSpace("injected: disk full"), true},
                                           WalFault{"IOError",
                                                    rocksdb::IOStatus::IOError("injected: WAL append failed"), false}),
                         [](const ::testing::TestParamInfo<WalFault>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace exidx
