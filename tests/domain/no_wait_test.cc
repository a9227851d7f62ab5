// NoWaitScope: outside a scope nothing refuses; inside one the first refusal marks it, and the
// scope is per thread (another thread's work is not refused by it).
#include "sightline/core/no_wait.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

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

// An attempt's other effects (a request counted) are made only if its result is used, once, in
// the order asked, and as outside the scope; a refused or dropped attempt makes none.
TEST(NoWait, EffectsWaitForTheAttemptToBeUsed) {
  std::vector<std::string> made;
  WhenUsed([&] { made.push_back("outside"); });
  EXPECT_EQ(made, std::vector<std::string>{"outside"}) << "outside a scope: made at once";
  made.clear();
  {
    NoWaitScope dropped;
    WhenUsed([&] { made.push_back("dropped"); });
    EXPECT_TRUE(RefuseToWait());
  }
  EXPECT_TRUE(made.empty()) << "a refused attempt's effects are never made";
  {
    NoWaitScope used;
    WhenUsed([&] { made.push_back("first"); });
    WhenUsed([&] {
      made.push_back(InNoWaitScope() ? "second, in the scope" : "second");
      WhenUsed([&] { made.push_back("asked for by an effect"); });
    });
    EXPECT_TRUE(made.empty()) << "kept until used";
    used.Use();
    EXPECT_EQ(made, (std::vector<std::string>{"first", "second", "asked for by an effect"}));
    EXPECT_TRUE(InNoWaitScope()) << "the scope is back once its effects are made";
    made.clear();
    used.Use();
    EXPECT_TRUE(made.empty()) << "each effect made once";
  }
  {
    NoWaitScope never_used;
    WhenUsed([&] { made.push_back("never"); });
  }
  EXPECT_TRUE(made.empty()) << "a scope destroyed without Use() drops its effects";
}

}  // namespace
}  // namespace sightline
