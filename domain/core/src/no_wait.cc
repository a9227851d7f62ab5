#include "sightline/core/no_wait.h"

#include <cassert>
#include <utility>

namespace sightline {
namespace {

thread_local NoWaitScope* t_scope = nullptr;

}  // namespace

NoWaitScope::NoWaitScope() { t_scope = this; }

NoWaitScope::~NoWaitScope() { t_scope = nullptr; }

void NoWaitScope::Use() {
  assert(!refused_);
  std::vector<std::function<void()>> effects = std::move(effects_);
  effects_.clear();
  // Made as outside the scope: an effect that may wait, or asks for another, does so at once.
  NoWaitScope* const owner = std::exchange(t_scope, nullptr);
  for (const std::function<void()>& effect : effects) effect();
  t_scope = owner;
}

bool InNoWaitScope() { return t_scope != nullptr; }

bool RefuseToWait() {
  if (t_scope == nullptr) return false;
  t_scope->refused_ = true;
  return true;
}

void WhenUsed(std::function<void()> effect) {
  if (t_scope == nullptr) return effect();
  t_scope->effects_.push_back(std::move(effect));
}

}  // namespace sightline
