// exidx_dynamodb_write_units: what DynamoDB bills for the writes of one
// ingested event, on a table without the statistics (one conditional
// PutItem) and with them (a GetItem, then a TransactWriteItems of the record
// and its cells), computed from the items DynamoDbStore writes (EncodeItem,
// stat_cells) and DynamoDB's published rules: a write unit per started KB of
// an item, twice that in a transaction; each global secondary index an item
// is in costs a write per KB of its projection, two when the item's key in it
// changes (a delete and a put); a failed condition still costs the write; a
// strongly consistent read is a read unit per started 4 KB. Prints a
// Markdown table.
//
//   exidx_dynamodb_write_units [--cause-bytes=N]
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "store/dynamodb/dynamodb_store.h"
#include "store/dynamodb/item_codec.h"
#include "store/dynamodb/stat_cells.h"

namespace exidx {
namespace {

namespace json = boost::json;

// An item's size as DynamoDB counts it: attribute names plus values (strings
// by their UTF-8 bytes, numbers by about one byte per two digits plus one).
std::size_t ItemBytes(const json::object& item) {
  std::size_t bytes = 0;
  for (const auto& [name, value] : item) {
    bytes += name.size();
    const auto& typed = value.as_object();
    if (const auto* s = typed.if_contains("S")) bytes += s->as_string().size();
    if (const auto* n = typed.if_contains("N")) bytes += (n->as_string().size() + 1) / 2 + 1;
  }
  return bytes;
}

std::size_t Kb(std::size_t bytes) {
  return (bytes + 1023) / 1024;
}

// The cell item as an increment leaves it (stat_cells.h): its key, StatsIndex
// keys, hour, status, agent, count and one bin.
std::size_t CellBytes(const ExecutionRecord& record) {
  const auto counted = dynamodb::CountedInOf(record);
  const std::string value = dynamodb::CountedValue(counted);  // "<bin>#<shard>#<cellKey>"
  const std::string cell_key = value.substr(value.find('#', value.find('#') + 1) + 1);
  json::object item{
      {"executionArn",
       dynamodb::S(std::string(kReservedKeyPrefix) + "cell#" + std::to_string(counted.shard) + "#" + cell_key)},
      {"statsPartition", dynamodb::S(dynamodb::CellPartition(counted.shard))},
      {"statsKey", dynamodb::S(cell_key)},
      {"cellHour", dynamodb::N(std::to_string(counted.hour))},
      {"cellStatus", dynamodb::S(StatusName(counted.status))},
      {"cellAgent", dynamodb::S(counted.agent_name)},
      {"n", dynamodb::N("1000")},
      {"b40", dynamodb::N("1000")},
  };
  return ItemBytes(item);
}

struct Cost {
  double reads = 0;
  std::size_t writes = 0;
};

ExecutionRecord Record(ExecutionStatus status, std::size_t cause_bytes) {
  ExecutionRecord r;
  r.execution_arn =
      "arn:aws:states:us-east-1:123456789012:execution:research-agent-prod:0f8c6d2e-5b7a-4c1e-9a3f-2d4b6e8f0a1c";
  r.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:research-agent-prod";
  r.execution_name = "0f8c6d2e-5b7a-4c1e-9a3f-2d4b6e8f0a1c";
  r.agent_name = "research-agent";
  r.status = status;
  r.start_date = 1'764'590'000'000;
  r.indexed_at = r.start_date + 40'000;
  if (status != ExecutionStatus::kRunning) {
    r.stop_date = r.start_date + 38'500;
    r.indexed_at = *r.stop_date + 900;
  }
  if (status == ExecutionStatus::kFailed) {
    r.error = "States.TaskFailed";
    r.cause = std::string(cause_bytes, 'c');
  }
  return r;
}

std::size_t RecordKb(const ExecutionRecord& record, bool counted) {
  json::object item = dynamodb::EncodeItem(record);
  if (counted) item["counted"] = dynamodb::S(dynamodb::CountedValue(dynamodb::CountedInOf(record)));
  return Kb(ItemBytes(item));
}

// Without the statistics: one conditional PutItem (4 indexes).
Cost Before(const ExecutionRecord& record, bool first, bool duplicate) {
  const std::size_t kb = RecordKb(record, false);
  if (duplicate) return {0, kb};  // The failed condition.
  // First: a put into each of the 4 indexes. A status change moves the
  // item in StatusDateIndex and AgentStatusDateIndex; updates it in the others.
  return {0, kb + (first ? 4 * kb : 2 * 2 * kb + 2 * kb)};
}

// With them: GetItem, then the transaction (record, old and new cell, and
// on first sight the agent count), each cell also in StatsIndex.
Cost After(const ExecutionRecord& record, bool first, bool duplicate) {
  const std::size_t kb = RecordKb(record, true);
  if (duplicate) return {1, 0};  // The read (under 4 KB) finds the version stored: nothing is written.
  const std::size_t cell = Kb(CellBytes(record));
  std::size_t writes = 2 * kb + (first ? 4 * kb : 2 * 2 * kb + 2 * kb);
  writes += (first ? 1 : 2) * (2 * cell + cell);  // New cell (and the old one), each in StatsIndex.
  if (first) writes += 2 * 1 + 1;                 // The agent count and its StatsIndex entry.
  const std::size_t read_units = (ItemBytes(dynamodb::EncodeItem(record)) + 4095) / 4096;  // The GetItem.
  return {static_cast<double>(read_units), writes};
}

}  // namespace
}  // namespace exidx

int main(int argc, char** argv) {
  using namespace exidx;
  std::size_t cause_bytes = 300;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--cause-bytes=")) {
      cause_bytes = std::strtoul(argv[i] + 14, nullptr, 10);
    } else {
      std::cerr << "usage: exidx_dynamodb_write_units [--cause-bytes=N]\n";
      return 2;
    }
  }
  const ExecutionRecord running = Record(ExecutionStatus::kRunning, 0);
  const ExecutionRecord succeeded = Record(ExecutionStatus::kSucceeded, 0);
  const ExecutionRecord failed = Record(ExecutionStatus::kFailed, cause_bytes);
  std::cout << fmt::format("record item: {} bytes running, {} bytes failed with a {}-byte cause\n\n",
                           ItemBytes(dynamodb::EncodeItem(running)), ItemBytes(dynamodb::EncodeItem(failed)),
                           cause_bytes);
  std::cout << "| event | without statistics (WCU) | with statistics (WCU + RCU) |\n|---|---|---|\n";
  struct Row {
    const char* name;
    const ExecutionRecord& record;
    bool first, duplicate;
  };
  double before_total = 0, after_total = 0, reads_total = 0;
  for (const Row& row :
       {Row{"first event (RUNNING)", running, true, false}, Row{"RUNNING -> SUCCEEDED", succeeded, false, false},
        Row{"RUNNING -> FAILED (with cause)", failed, false, false},
        Row{"duplicate delivery", succeeded, false, true}}) {
    const Cost before = Before(row.record, row.first, row.duplicate);
    const Cost after = After(row.record, row.first, row.duplicate);
    std::cout << fmt::format("| {} | {} | {} + {} |\n", row.name, before.writes, after.writes, after.reads);
    if (!row.duplicate && std::string_view(row.name) != "RUNNING -> FAILED (with cause)") {
      before_total += static_cast<double>(before.writes);
      after_total += static_cast<double>(after.writes);
      reads_total += after.reads;
    }
  }
  std::cout << fmt::format("\nan execution (RUNNING, then SUCCEEDED): {} WCU without, {} WCU + {} RCU with ({:.2f}x)\n",
                           before_total, after_total, reads_total, after_total / before_total);
  return 0;
}
