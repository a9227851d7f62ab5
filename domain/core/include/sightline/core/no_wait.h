// Work that must not wait: a request answered on an HTTP I/O thread, which every other
// connection of that thread waits behind (http::Dispatch::kInlineFirst).
//
// Within a NoWaitScope, code that would wait on a disk, the network or another thread's progress
// asks RefuseToWait() first. Inside the scope it answers true: the caller fails at once instead of
// waiting, and the scope remembers that it did. The scope's owner then throws the whole attempt
// away, with whatever it produced, and does the work again where waiting is allowed. Outside a
// scope RefuseToWait() answers false and marks nothing. One scope per thread at a time.
#pragma once

namespace sightline {

class NoWaitScope {
 public:
  NoWaitScope();
  ~NoWaitScope();
  NoWaitScope(const NoWaitScope&) = delete;
  NoWaitScope& operator=(const NoWaitScope&) = delete;

  // True if anything within the scope refused to wait: its result must not be used.
  bool refused() const { return refused_; }

 private:
  friend bool RefuseToWait();
  bool refused_ = false;
};

// True inside a NoWaitScope on this thread, for code that can do its work without waiting in
// some cases (a store read served from memory) and must know to try.
bool InNoWaitScope();

// Inside a NoWaitScope on this thread: marks the scope refused and answers true (do not wait).
// Outside one: false (wait as usual).
bool RefuseToWait();

}  // namespace sightline
