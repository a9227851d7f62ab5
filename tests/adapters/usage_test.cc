// runtime/usage.h: the CPU and memory figures a rebuild and the benchmarks print.
#include "sightline/runtime/usage.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

namespace sightline::runtime {
namespace {

// This thread's own CPU time, read from another clock than the one under test.
double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Works on this thread until it has had `seconds` of CPU, however busy the machine is (spinning
// for wall time gave under 0.1 s of CPU in 300 ms while the suite ran beside it); returns
// something the compiler must keep.
unsigned long Spin(double seconds) {
  double until = ThreadCpuSeconds() + seconds;
  unsigned long x = 1;
  while (ThreadCpuSeconds() < until) x = x * 6364136223846793005UL + 1;
  return x;
}

TEST(Usage, CpuOfThisProcessCountsWorkDone) {
  double before = CpuSeconds(CpuOf::kThisProcess);
  volatile unsigned long sink = Spin(0.2);
  static_cast<void>(sink);
  // The process's CPU includes this thread's 0.2 s (and whatever other threads did).
  EXPECT_GE(CpuSeconds(CpuOf::kThisProcess) - before, 0.19);
}

TEST(Usage, CpuOfWaitedChildrenCountsACommandOnceItHasReturned) {
  double before = CpuSeconds(CpuOf::kWaitedChildren);
  // A child that does a fixed amount of work (the shell's own loop, no sleep): its CPU time does
  // not shrink when the machine is busy, as a child spinning for wall time did.
  int rc = std::system("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done");
  ASSERT_EQ(rc, 0);
  EXPECT_GT(CpuSeconds(CpuOf::kWaitedChildren) - before, 0.05);
}

TEST(Usage, PeakRssFollowsMemoryTouched) {
  long before = PeakRssMiB();
  ASSERT_GT(before, 0);
  std::vector<char> block(256u << 20);
  std::memset(block.data(), 1, block.size());  // Touched: resident, not only reserved.
  EXPECT_GE(PeakRssMiB(), before + 200);
  EXPECT_EQ(block[block.size() / 2], 1);
}

}  // namespace
}  // namespace sightline::runtime
