// Work that must not wait: a request answered on an HTTP I/O thread, which every other
// connection of that thread waits behind (http::Dispatch::kInlineFirst).
//
// Within a NoWaitScope, code that would wait on a disk, the network or another thread's progress
// asks RefuseToWait() first. Inside the scope it answers true: the caller fails at once instead of
// waiting, and the scope remembers that it did. The scope's owner then throws the whole attempt
// away, with whatever it produced, and does the work again where waiting is allowed. Outside a
// scope RefuseToWait() answers false and marks nothing. One scope per thread at a time.
//
// An attempt's effects that are not part of its result (a request counted in a metric) are made
// through WhenUsed(): inside a scope they are kept until the owner calls Use(), so a thrown-away
// attempt and the attempt that replaces it count once between them.
#pragma once

#include <functional>
#include <vector>

namespace sightline {

class NoWaitScope {
 public:
  NoWaitScope();
  ~NoWaitScope();
  NoWaitScope(const NoWaitScope&) = delete;
  NoWaitScope& operator=(const NoWaitScope&) = delete;

  // True if anything within the scope refused to wait: its result must not be used.
  bool refused() const { return refused_; }

  // The attempt's result is used: makes the effects kept by WhenUsed() within the scope, in the
  // order they were asked for. Not allowed once refused (the result must not be used); a scope
  // destroyed without Use() drops them.
  void Use();

 private:
  friend bool RefuseToWait();
  friend void WhenUsed(std::function<void()> effect);
  bool refused_ = false;
  std::vector<std::function<void()>> effects_;
};

// True inside a NoWaitScope on this thread, for code that can do its work without waiting in
// some cases (a store read served from memory) and must know to try.
bool InNoWaitScope();

// Inside a NoWaitScope on this thread: marks the scope refused and answers true (do not wait).
// Outside one: false (wait as usual).
bool RefuseToWait();

// Inside a NoWaitScope on this thread: keeps `effect` until the scope's result is used (and drops
// it if never). Outside one: makes it at once.
void WhenUsed(std::function<void()> effect);

}  // namespace sightline
