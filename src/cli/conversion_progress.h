// How the CLI reports the conversion of a store written by an older build
// (store/rocksdb/store_conversion.h), which RocksDbStore::Open does before
// any command can start its work.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

#include "cli/progress.h"
#include "store/rocksdb/store_conversion.h"

namespace exidx::cli {

// A line when the conversion starts (the store, what is rebuilt, about how
// many records), Progress ("convert": records scanned against RocksDB's
// estimate) meanwhile, and a line when it ends, all on `out`. Used only by
// the thread that opens the store.
class ConversionProgress final : public StoreConversionObserver {
 public:
  // `out` must outlive it; `terminal` as Progress's.
  ConversionProgress(std::string store_path, std::ostream& out, bool terminal,
                     std::chrono::milliseconds interval = std::chrono::milliseconds(1000));

  void OnStart(const StoreConversion& conversion) override;
  void OnProgress(std::uint64_t records) override;
  void OnEnd(std::uint64_t records, const Status& status) override;

 private:
  const std::string store_path_;
  std::ostream& out_;
  const bool terminal_;
  const std::chrono::milliseconds interval_;
  std::optional<Progress> progress_;  // From OnStart on.
};

// Forwards to `inner`, and once it has reported the start, holds the
// conversion until the file `release_path` exists: a test's way to look at
// a command in the middle of a conversion however small its store
// (EXIDX_TEST_HOLD_CONVERSION, see OpenStore).
class HeldConversion final : public StoreConversionObserver {
 public:
  // `inner` must outlive it.
  HeldConversion(StoreConversionObserver& inner, std::string release_path);

  void OnStart(const StoreConversion& conversion) override;
  void OnProgress(std::uint64_t records) override;
  void OnEnd(std::uint64_t records, const Status& status) override;

 private:
  StoreConversionObserver& inner_;
  const std::string release_path_;
};

// "agent counts, hourly stats": the families a conversion rebuilds.
std::string DescribeConversion(const StoreConversion& conversion);

}  // namespace exidx::cli
