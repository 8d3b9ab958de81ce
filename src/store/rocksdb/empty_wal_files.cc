#include "store/rocksdb/empty_wal_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace exidx {
namespace {

// RocksDB's lock on dir/LOCK (PosixEnv::LockFile: a whole-file F_WRLCK).
// Closing the descriptor releases it.
class DatabaseLock {
 public:
  explicit DatabaseLock(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CLOEXEC)) {
    if (fd_ < 0) return;
    struct flock lock{};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    held_ = ::fcntl(fd_, F_SETLK, &lock) == 0;
  }
  ~DatabaseLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;

  bool held() const { return held_; }

 private:
  int fd_;
  bool held_ = false;
};

bool IsWalFileName(const std::string& name) {
  if (name.size() <= 4 || name.substr(name.size() - 4) != ".log") return false;
  for (std::size_t i = 0; i + 4 < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
  }
  return true;
}

}  // namespace

Result<std::size_t> RemoveEmptyWalFiles(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(fs::path(dir) / "LOCK", error)) return std::size_t{0};  // Not a database yet.
  DatabaseLock lock((fs::path(dir) / "LOCK").string());
  if (!lock.held()) return std::size_t{0};  // Open elsewhere: its current WAL may be one of them.
  std::size_t removed = 0;
  for (auto it = fs::directory_iterator(dir, error); !error && it != fs::directory_iterator(); it.increment(error)) {
    if (!IsWalFileName(it->path().filename().string())) continue;
    std::error_code size_error;
    if (it->file_size(size_error) != 0 || size_error) continue;
    if (fs::remove(it->path(), error)) ++removed;
    if (error) break;
  }
  if (error) {
    return Fail(ErrorCode::kUnavailable,
                fmt::format("rocksdb store {}: cannot remove empty write-ahead logs: {}", dir, error.message()));
  }
  return removed;
}

}  // namespace exidx
