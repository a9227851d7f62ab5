// Linked into every executable of the ThreadSanitizer build only (cmake/SightlineModule.cmake).
//
// librdkafka uses C11 threads (thrd_create, mtx_lock, cnd_wait). glibc implements them by
// calling its internal pthread functions directly, past the symbols ThreadSanitizer intercepts:
// TSan never sets up those threads (and crashes in its allocator on their first malloc), nor
// sees their locks (and reports librdkafka's own, correctly locked, memory as racing). Defining
// the C11 functions here, in the executable, puts them in front of glibc's; they call the public
// pthread functions, as glibc does internally (mtx_t and cnd_t have the pthread layouts), which
// TSan sees with their happens-before.
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {

struct Start {
  thrd_start_t func;
  void* arg;
};

void* Trampoline(void* p) {
  Start start = *static_cast<Start*>(p);
  delete static_cast<Start*>(p);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(start.func(start.arg)));
}

}  // namespace

extern "C" int thrd_create(thrd_t* thread, thrd_start_t func, void* arg) {
  auto* start = new (std::nothrow) Start{func, arg};
  if (start == nullptr) return thrd_nomem;
  pthread_t id;
  int rc = pthread_create(&id, nullptr, Trampoline, start);
  if (rc != 0) {
    delete start;
    return rc == EAGAIN || rc == ENOMEM ? thrd_nomem : thrd_error;
  }
  *thread = id;
  return thrd_success;
}

extern "C" int thrd_join(thrd_t thread, int* result) {
  void* value = nullptr;
  if (pthread_join(thread, &value) != 0) return thrd_error;
  if (result != nullptr) *result = static_cast<int>(reinterpret_cast<std::intptr_t>(value));
  return thrd_success;
}

extern "C" int thrd_detach(thrd_t thread) {
  return pthread_detach(thread) == 0 ? thrd_success : thrd_error;
}

namespace {

static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t) && sizeof(cnd_t) == sizeof(pthread_cond_t));

pthread_mutex_t* M(mtx_t* m) { return reinterpret_cast<pthread_mutex_t*>(m); }
pthread_cond_t* C(cnd_t* c) { return reinterpret_cast<pthread_cond_t*>(c); }

int Result(int rc) {
  if (rc == 0) return thrd_success;
  if (rc == EBUSY) return thrd_busy;
  if (rc == ETIMEDOUT) return thrd_timedout;
  if (rc == ENOMEM) return thrd_nomem;
  return thrd_error;
}

}  // namespace

extern "C" int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if (type & mtx_recursive) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  int rc = pthread_mutex_init(M(m), &attr);
  pthread_mutexattr_destroy(&attr);
  return Result(rc);
}
extern "C" int mtx_lock(mtx_t* m) { return Result(pthread_mutex_lock(M(m))); }
extern "C" int mtx_trylock(mtx_t* m) { return Result(pthread_mutex_trylock(M(m))); }
extern "C" int mtx_timedlock(mtx_t* __restrict m, const struct timespec* __restrict at) {
  return Result(pthread_mutex_timedlock(M(m), at));
}
extern "C" int mtx_unlock(mtx_t* m) { return Result(pthread_mutex_unlock(M(m))); }
extern "C" void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(M(m)); }

extern "C" int cnd_init(cnd_t* c) { return Result(pthread_cond_init(C(c), nullptr)); }
extern "C" int cnd_signal(cnd_t* c) { return Result(pthread_cond_signal(C(c))); }
extern "C" int cnd_broadcast(cnd_t* c) { return Result(pthread_cond_broadcast(C(c))); }
extern "C" int cnd_wait(cnd_t* c, mtx_t* m) { return Result(pthread_cond_wait(C(c), M(m))); }
extern "C" int cnd_timedwait(cnd_t* __restrict c, mtx_t* __restrict m,
                             const struct timespec* __restrict at) {
  return Result(pthread_cond_timedwait(C(c), M(m), at));
}
extern "C" void cnd_destroy(cnd_t* c) { pthread_cond_destroy(C(c)); }
