// runtime/usage.h: the CPU and memory figures a rebuild and the benchmarks print.
#include "sightline/runtime/usage.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace sightline::runtime {
namespace {

// Spins for about `ms` of wall time on this thread; returns something the compiler must keep.
unsigned long Spin(int ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  unsigned long x = 1;
  while (std::chrono::steady_clock::now() < until) x = x * 6364136223846793005UL + 1;
  return x;
}

TEST(Usage, CpuOfThisProcessCountsWorkDone) {
  double before = CpuSeconds(CpuOf::kThisProcess);
  volatile unsigned long sink = Spin(300);
  static_cast<void>(sink);
  // 300 ms of spinning is at least 0.1 s of CPU even on a machine busy with other work.
  EXPECT_GT(CpuSeconds(CpuOf::kThisProcess) - before, 0.1);
}

TEST(Usage, CpuOfWaitedChildrenCountsACommandOnceItHasReturned) {
  double before = CpuSeconds(CpuOf::kWaitedChildren);
  // A child that spins for 300 ms (the shell's own loop, no sleep).
  int rc = std::system(
      "end=$(( $(date +%s%N) + 300000000 )); "
      "while [ \"$(date +%s%N)\" -lt \"$end\" ]; do :; done");
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
