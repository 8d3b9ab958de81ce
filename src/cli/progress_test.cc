#include "cli/progress.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <sstream>

#include "support/fake_monotonic_clock.h"

namespace exidx::cli {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ProgressTest, JsonLinesAtMostOncePerIntervalAndAFinalOne) {
  testing::FakeMonotonicClock clock;
  std::ostringstream out;
  Progress progress(ProgressOptions{.command = "migrate", .counters = {"scanned", "rewritten"}, .clock = &clock}, out,
                    /*terminal=*/false);
  progress.SetTotal(1000);
  progress.Add("scanned", 100);
  progress.Tick();
  EXPECT_EQ(out.str(), "") << "nothing before the first interval";
  clock.Advance(milliseconds(1000));
  progress.Set("scanned", 250);
  progress.Add("rewritten", 7);
  progress.Tick();
  clock.Advance(milliseconds(400));
  progress.Tick();  // Within the interval: nothing.
  auto lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(json::parse(lines[0]),
            json::parse(R"({"progress":"migrate","elapsedSeconds":1.0,"scanned":250,"rewritten":7,"total":1000,
                            "ratePerSecond":250.0,"etaSeconds":3})"));
  clock.Advance(milliseconds(100));
  progress.Finish();
  progress.Finish();
  progress.Tick();
  lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 2u);
  const auto last = json::parse(lines[1]).as_object();
  EXPECT_TRUE(last.at("done").as_bool());
  EXPECT_EQ(last.at("scanned").as_int64(), 250);
  EXPECT_DOUBLE_EQ(last.at("ratePerSecond").to_number<double>(), 166.7);
}

TEST(ProgressTest, WithoutATotalThereIsNoEta) {
  testing::FakeMonotonicClock clock;
  std::ostringstream out;
  Progress progress(ProgressOptions{.command = "backfill", .counters = {"executions"}, .clock = &clock}, out, false);
  clock.Advance(milliseconds(2000));
  progress.Add("executions", 10);
  progress.Finish();
  EXPECT_EQ(json::parse(out.str()),
            json::parse(R"({"progress":"backfill","done":true,"elapsedSeconds":2.0,"executions":10,
                            "ratePerSecond":5.0})"));
}

TEST(ProgressTest, ATerminalGetsOneLineRedrawnWithABar) {
  testing::FakeMonotonicClock clock;
  std::ostringstream out;
  Progress progress(ProgressOptions{.command = "migrate", .counters = {"scanned", "skipped"}, .clock = &clock}, out,
                    /*terminal=*/true);
  progress.SetTotal(200);
  clock.Advance(milliseconds(1000));
  progress.Set("scanned", 100);
  progress.Tick();
  EXPECT_EQ(out.str(), "\rmigrate [##########----------]  50% scanned 100/200 skipped 0 100/s 1s ETA 1s\x1b[K");
  clock.Advance(milliseconds(1000));
  progress.Set("scanned", 250);  // More than the estimate: the bar stops at 100 %.
  progress.Finish();
  EXPECT_TRUE(
      out.str().ends_with("\rmigrate [####################] 100% scanned 250/200 skipped 0 125/s 2s ETA 0s\x1b[K\n"))
      << out.str();
}

}  // namespace
}  // namespace exidx::cli
