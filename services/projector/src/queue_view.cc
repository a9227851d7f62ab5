#include "queue_view.h"

#include <algorithm>

#include "api_json.h"
#include "json_out.h"
#include "sightline/domain/projection/projection.h"
#include "store_layout.h"

namespace sightline::projector {
namespace {

std::shared_ptr<const QueueRow> MakeRow(std::string key, std::string summary) {
  auto row = std::make_shared<QueueRow>();
  row->key = std::move(key);
  row->summary = std::move(summary);
  if (!domain::ParseSummaryHead(row->summary, row->head)) return nullptr;
  return row;
}

}  // namespace

const std::string* QueueRow::ItemMembers(bool full) const {
  std::call_once(written_[full], [&] {
    projections::v1::ChildSummary whole;
    if (!whole.ParseFromString(summary)) return;
    members_[full] = MembersOf([&](JsonOut& w) { api_json::QueueItemMembers(w, whole, full); });
  });
  return members_[full] ? &*members_[full] : nullptr;
}

StatusOr<std::shared_ptr<const QueueSnapshot>> QueueView::Snapshot() const {
  {
    std::lock_guard lock(publish_mu_);
    if (current_ != nullptr) return current_;
  }
  std::lock_guard writer(write_mu_);
  {
    std::lock_guard lock(publish_mu_);
    if (current_ != nullptr) return current_;  // Another request loaded it meanwhile.
  }
  auto rows = std::make_shared<QueueSnapshot>();
  std::string bad;
  Status s = store_->Scan(cf::kQueue, "", [&](std::string_view key, std::string_view value) {
    auto row = MakeRow(std::string(key), std::string(value));
    if (row == nullptr) {
      bad = std::string(key);
      return false;
    }
    rows->push_back(std::move(row));
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.empty()) return Internal("queue row does not parse");
  std::lock_guard lock(publish_mu_);
  current_ = rows;
  ++published_;
  return current_;
}

void QueueView::Apply(std::span<const QueueChange> changes) {
  if (changes.empty()) return;
  std::lock_guard writer(write_mu_);
  std::shared_ptr<const QueueSnapshot> old;
  {
    std::lock_guard lock(publish_mu_);
    old = current_;
  }
  if (old == nullptr) return;  // Not loaded: the first Snapshot() reads the batch from the store.

  // The last change of each key wins; changes are few next to the queue, so sort them and merge.
  std::vector<const QueueChange*> sorted;
  sorted.reserve(changes.size());
  for (const QueueChange& c : changes) sorted.push_back(&c);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const QueueChange* a, const QueueChange* b) { return a->key < b->key; });
  auto next = std::make_shared<QueueSnapshot>();
  next->reserve(old->size() + sorted.size());
  auto kept = old->begin();
  bool corrupt = false;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const QueueChange& c = *sorted[i];
    if (i + 1 < sorted.size() && sorted[i + 1]->key == c.key) continue;  // A later one wins.
    for (; kept != old->end() && (*kept)->key < c.key; ++kept) next->push_back(*kept);
    if (kept != old->end() && (*kept)->key == c.key) ++kept;  // Replaced or deleted.
    if (!c.summary) continue;
    auto row = MakeRow(c.key, *c.summary);
    if (row == nullptr) {
      corrupt = true;
      break;
    }
    next->push_back(std::move(row));
  }
  if (!corrupt) next->insert(next->end(), kept, old->end());
  std::lock_guard lock(publish_mu_);
  current_ = corrupt ? nullptr : std::shared_ptr<const QueueSnapshot>(std::move(next));
  ++published_;
}

std::uint64_t QueueView::published() const {
  std::lock_guard lock(publish_mu_);
  return published_;
}

}  // namespace sightline::projector
