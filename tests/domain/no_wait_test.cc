// NoWaitScope: outside a scope nothing refuses; inside one the first refusal marks it, and the
// scope is per thread (another thread's work is not refused by it).
#include "sightline/core/no_wait.h"

#include <gtest/gtest.h>

#include <thread>

namespace sightline {
namespace {

TEST(NoWait, OnlyCodeInsideAScopeOnThisThreadRefuses) {
  EXPECT_FALSE(InNoWaitScope());
  EXPECT_FALSE(RefuseToWait()) << "outside a scope: wait as usual";
  {
    NoWaitScope scope;
    EXPECT_TRUE(InNoWaitScope());
    EXPECT_FALSE(scope.refused());
    bool other_thread_refused = true;
    std::thread([&] { other_thread_refused = InNoWaitScope() || RefuseToWait(); }).join();
    EXPECT_FALSE(other_thread_refused) << "the scope is this thread's";
    EXPECT_FALSE(scope.refused());
    EXPECT_TRUE(RefuseToWait());
    EXPECT_TRUE(scope.refused());
  }
  EXPECT_FALSE(InNoWaitScope());
  EXPECT_FALSE(RefuseToWait());
  NoWaitScope next;
  EXPECT_FALSE(next.refused()) << "a new scope starts clean";
}

}  // namespace
}  // namespace sightline
