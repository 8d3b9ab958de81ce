#include "cli/conversion_progress.h"

#include <fmt/format.h>

#include <filesystem>
#include <thread>

namespace exidx::cli {

ConversionProgress::ConversionProgress(std::string store_path, std::ostream& out, bool terminal,
                                       std::chrono::milliseconds interval)
    : store_path_(std::move(store_path)), out_(out), terminal_(terminal), interval_(interval) {}

std::string DescribeConversion(const StoreConversion& conversion) {
  return fmt::format("{}", fmt::join(conversion.families, ", "));
}

void ConversionProgress::OnStart(const StoreConversion& conversion) {
  out_ << "exidx: converting the store " << store_path_ << ", written by an older build: rebuilding "
       << DescribeConversion(conversion) << " from "
       << (conversion.estimated_records ? fmt::format("about {} records", *conversion.estimated_records)
                                        : std::string("its records"))
       << " (once; an interrupted conversion starts again at the next open)\n"
       << std::flush;
  progress_.emplace(ProgressOptions{.command = "convert", .counters = {"records"}, .interval = interval_}, out_,
                    terminal_);
  progress_->SetTotal(conversion.estimated_records);
}

void ConversionProgress::OnProgress(std::uint64_t records) {
  if (!progress_) return;
  progress_->Set("records", records);
  progress_->Tick();
}

void ConversionProgress::OnEnd(std::uint64_t records, const Status& status) {
  if (!progress_) return;
  progress_->Set("records", records);
  progress_->Finish();
  if (status) {
    out_ << "exidx: the store " << store_path_ << " is converted (" << records << " records)\n";
  } else {
    out_ << "exidx: the conversion of the store " << store_path_ << " stopped after " << records
         << " records; the next open starts it again\n";
  }
  out_ << std::flush;
}

HeldConversion::HeldConversion(StoreConversionObserver& inner, std::string release_path)
    : inner_(inner), release_path_(std::move(release_path)) {}

void HeldConversion::OnStart(const StoreConversion& conversion) {
  inner_.OnStart(conversion);
  std::error_code error;
  while (!std::filesystem::exists(release_path_, error)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void HeldConversion::OnProgress(std::uint64_t records) {
  inner_.OnProgress(records);
}

void HeldConversion::OnEnd(std::uint64_t records, const Status& status) {
  inner_.OnEnd(records, status);
}

}  // namespace exidx::cli
