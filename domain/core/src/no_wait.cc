#include "sightline/core/no_wait.h"

namespace sightline {
namespace {

thread_local NoWaitScope* t_scope = nullptr;

}  // namespace

NoWaitScope::NoWaitScope() { t_scope = this; }

NoWaitScope::~NoWaitScope() { t_scope = nullptr; }

bool InNoWaitScope() { return t_scope != nullptr; }

bool RefuseToWait() {
  if (t_scope == nullptr) return false;
  t_scope->refused_ = true;
  return true;
}

}  // namespace sightline
