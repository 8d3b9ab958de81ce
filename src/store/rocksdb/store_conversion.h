// StoreConversionObserver: how a caller of RocksDbStore::Open watches the
// conversion of a store written by an older build (store_meta.h: the derived
// families it lacks, or has in an older layout, written again from one scan
// of the records), which takes about a minute per two million records and
// happens inside Open. Nothing of RocksDB appears here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace exidx {

// What a conversion rewrites.
struct StoreConversion {
  std::vector<std::string> families;  // Their descriptions, e.g. "index", "agent counts".
  // RocksDB's estimate of the records to scan (it may be off by a few
  // percent either way); nullopt when RocksDB has none.
  std::optional<std::uint64_t> estimated_records;
};

// Called on the thread that runs Open, never concurrently, and only when
// the store needs a conversion: OnStart once, then OnProgress every so many
// records (kConversionProgressRecords), then OnEnd once, whether the
// conversion succeeded or not. A slow observer slows the conversion down
// and nothing else.
class StoreConversionObserver {
 public:
  virtual ~StoreConversionObserver() = default;

  virtual void OnStart(const StoreConversion& conversion) = 0;
  // `records`: the records scanned so far.
  virtual void OnProgress(std::uint64_t records) = 0;
  // `records`: the records scanned; `status`: ok, or the error that stopped
  // the conversion (the next open starts it again).
  virtual void OnEnd(std::uint64_t records, const Status& status) = 0;
};

// Records between two calls of OnProgress.
inline constexpr std::uint64_t kConversionProgressRecords = 1'000;

}  // namespace exidx
