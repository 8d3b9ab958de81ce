// How `exidx query` prints a page for people and spreadsheets.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "core/error.h"
#include "core/query.h"

namespace exidx::cli {

enum class OutputFormat { kJson, kTable, kCsv };

Result<OutputFormat> ParseOutputFormat(std::string_view name);

// An aligned table, newest first as given, and a last line with the next
// page's token when there is one.
void PrintTable(const ExecutionPage& page, std::ostream& out);

// RFC 4180 CSV with a header row; fields quoted where needed.
void PrintCsv(const ExecutionPage& page, std::ostream& out);

}  // namespace exidx::cli
