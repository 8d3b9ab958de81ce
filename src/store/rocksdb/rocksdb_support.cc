#include "store/rocksdb/rocksdb_support.h"

#include <fmt/format.h>

namespace exidx {
namespace {

bool IsTransient(const rocksdb::Status& status) {
  return status.IsIOError() || status.IsBusy() || status.IsTryAgain() || status.IsTimedOut() || status.IsIncomplete() ||
         status.IsShutdownInProgress() || status.IsAborted();
}

}  // namespace

std::unexpected<Error> StoreFailure(std::string_view path, const rocksdb::Status& status, std::string_view what) {
  if (status.IsNoSpace()) {
    return Fail(ErrorCode::kUnavailable,
                fmt::format("rocksdb store {}: {}: the disk is full ({}); writes resume once there is space", path,
                            what, status.ToString()));
  }
  return Fail(IsTransient(status) ? ErrorCode::kUnavailable : ErrorCode::kInternal,
              fmt::format("rocksdb store {}: {}: {}", path, what, status.ToString()));
}

std::unexpected<Error> StoreCorrupt(std::string_view path, std::string_view what) {
  return Fail(ErrorCode::kInternal, fmt::format("rocksdb store {}: {} is corrupt", path, what));
}

}  // namespace exidx
