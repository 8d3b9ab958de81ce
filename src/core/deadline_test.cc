#include "core/deadline.h"

#include <gtest/gtest.h>

#include "support/fake_monotonic_clock.h"

namespace exidx {
namespace {

using std::chrono::milliseconds;

TEST(DeadlineTest, CountsDownOnItsClock) {
  testing::FakeMonotonicClock clock;
  const Deadline deadline = Deadline::After(milliseconds(100), clock);
  EXPECT_TRUE(deadline.bounded());
  EXPECT_EQ(deadline.Remaining(), milliseconds(100));
  EXPECT_EQ(deadline.Cap(milliseconds(10'000)), milliseconds(100));
  EXPECT_EQ(deadline.Cap(milliseconds(30)), milliseconds(30));
  clock.Advance(milliseconds(99));
  EXPECT_FALSE(deadline.Expired());
  EXPECT_EQ(deadline.Remaining(), milliseconds(1));
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(deadline.Expired());
  clock.Advance(milliseconds(50));
  EXPECT_EQ(deadline.Remaining(), milliseconds(0));
  EXPECT_EQ(deadline.Cap(milliseconds(10)), milliseconds(0));
}

TEST(DeadlineTest, NeverExpires) {
  const Deadline never = Deadline::Never();
  EXPECT_FALSE(never.bounded());
  EXPECT_FALSE(never.Expired());
  EXPECT_EQ(never.Remaining(), Deadline::Unbounded());
  EXPECT_EQ(never.Cap(milliseconds(10'000)), milliseconds(10'000));
}

TEST(DeadlineTest, EarlierPicksTheNearerBound) {
  testing::FakeMonotonicClock clock;
  const Deadline soon = Deadline::After(milliseconds(10), clock);
  const Deadline later = Deadline::After(milliseconds(500), clock);
  EXPECT_EQ(soon.Earlier(later).Remaining(), milliseconds(10));
  EXPECT_EQ(later.Earlier(soon).Remaining(), milliseconds(10));
  EXPECT_EQ(Deadline::Never().Earlier(later).Remaining(), milliseconds(500));
  EXPECT_EQ(later.Earlier(Deadline::Never()).Remaining(), milliseconds(500));
  EXPECT_TRUE(Deadline::After(milliseconds(0), clock).Expired());
  EXPECT_TRUE(Deadline::After(milliseconds(-5), clock).Expired());
}

}  // namespace
}  // namespace exidx
