#include "verify/verify_projections.h"

#include <fmt/format.h>

#include <algorithm>

#include "append/ledger_internal.h"
#include "projection/projector_internal.h"
#include "projection/projection_internal.h"
#include "projection/projection_store.h"

namespace ledger {
namespace {

VerifyProblem ProjectionProblem(std::string message) { return PlainProblem("projection", std::move(message)); }

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

}  // namespace

ProjectionAudit::ProjectionAudit(const Ledger& ledger, ProblemSink* sink)
    : store_(*LedgerInternal::Of(ledger).store), sink_(sink) {
  auto snapshots = projection::AllSnapshots(store_);
  if (snapshots.ok()) {
    for (const auto& s : *snapshots) snapshots_.push_back(s.size);
  } else {
    Report(ProjectionProblem("snapshots: " + snapshots.status().message()));
  }
  // The households changed since the previous snapshot are those the next
  // one holds (the writer tracks the same).
  ProjectorInternal::Core(rebuilt_).TrackChanges(true);
  if (!snapshots_.empty() && snapshots_.front() == 0) CheckSnapshot(0);
}

void ProjectionAudit::Add(uint64_t seq, std::string_view leaf_bytes, const Hash& leaf_hash) {
  if (!stopped_.ok()) return;
  if (Status s = rebuilt_.Apply(leaf_bytes, leaf_hash); !s.ok()) {
    stopped_ = s;
    stopped_at_ = seq;
    return;
  }
  while (next_snapshot_ < snapshots_.size() && snapshots_[next_snapshot_] < rebuilt_.applied()) ++next_snapshot_;
  if (next_snapshot_ < snapshots_.size() && snapshots_[next_snapshot_] == rebuilt_.applied()) {
    CheckSnapshot(rebuilt_.applied());
    ++next_snapshot_;
  }
}

void ProjectionAudit::CheckStored(Cf cf, const std::string& key, const std::string& rebuilt, const std::string& what) {
  auto stored = store_.Get(cf, key);
  if (!stored.ok()) {
    Report(ProjectionProblem(fmt::format("{}: {}", what, stored.status().message())));
  } else if (!stored->has_value()) {
    Report(ProjectionProblem(fmt::format("{} is missing", what)));
  } else if (**stored != rebuilt) {
    Report(ProjectionProblem(fmt::format("{} differs from the rebuild from the events", what)));
  }
}

void ProjectionAudit::CheckSnapshot(uint64_t size) {
  projection::Core& core = ProjectorInternal::Core(rebuilt_);
  const std::vector<projection::Household*>& changed = core.changed_households();
  for (const projection::Household* h : changed) {
    CheckStored(kCfSnapshots, projection::SnapshotHouseholdKey(h->code, size), core.StoredHousehold(*h),
                fmt::format("household {} in snapshot {}", h->code, size));
  }
  CheckStored(kCfSnapshots, projection::SnapshotAreasKey(size), core.StoredAreaSet(),
              fmt::format("the areas of snapshot {}", size));
  CheckStored(kCfSnapshots, projection::SnapshotInfoKey(size),
              projection::EncodeSnapshotInfo({size, core.max_recorded_at(), previous_snapshot_, changed.size()}),
              fmt::format("the description of snapshot {}", size));
  previous_snapshot_ = size;
  core.ClearChanges();
}

void ProjectionAudit::Report(VerifyProblem problem) { found_.push_back(std::move(problem)); }

void ProjectionAudit::Finish(uint64_t events, bool events_sound) {
  // A rebuild from altered events differs from what was stored before they
  // were altered: the event problems already say what is wrong.
  if (!events_sound) return;
  if (!stopped_.ok() || rebuilt_.applied() != events) {
    Report(ProjectionProblem(
        stopped_.ok() ? fmt::format("the rebuild folded {} of {} events", rebuilt_.applied(), events)
                      : fmt::format("the rebuild stopped at event {}: {}", stopped_at_, stopped_.message())));
  } else {
    for (; next_snapshot_ < snapshots_.size(); ++next_snapshot_) {
      Report(ProjectionProblem(
          fmt::format("snapshot {} is beyond the log of {} events", snapshots_[next_snapshot_], events)));
    }
    CheckProjection();
  }
  for (VerifyProblem& p : found_) sink_->Add(std::move(p));
  found_.clear();
}

// The `projection` column family against the rebuild: its position, then
// the households and the areas, each a merge of the stored keys (in key
// order) with the rebuild's.
void ProjectionAudit::CheckProjection() {
  projection::Core& core = ProjectorInternal::Core(rebuilt_);
  // A store that never appended has no position (it reads as 0 events).
  auto applied = projection::ReadApplied(store_, nullptr);
  if (!applied.ok()) {
    Report(ProjectionProblem("the stored projection's position: " + applied.status().message()));
  } else if (applied->first != core.applied() || applied->second != core.max_recorded_at()) {
    Report(ProjectionProblem(fmt::format("the stored projection reflects {} events (latest recordedAt {}), the log "
                                         "{} ({})",
                                         applied->first, applied->second, core.applied(), core.max_recorded_at())));
  }

  std::vector<std::pair<std::string, std::string>> want;  // key, value
  core.ForEachHousehold([&](const projection::Household& h) {
    want.emplace_back(projection::HouseholdKey(h.code), core.StoredHousehold(h));
  });
  MergeCompare(std::string(projection::kHouseholdPrefix), std::move(want), "household");

  want.clear();
  for (const auto& [code, _] : core.areas()) want.emplace_back(projection::AreaKey(code), core.StoredArea(code));
  MergeCompare(std::string(projection::kAreaPrefix), std::move(want), "area");
}

void ProjectionAudit::MergeCompare(const std::string& prefix, std::vector<std::pair<std::string, std::string>> want,
                                   const std::string& noun) {
  std::sort(want.begin(), want.end());
  auto name = [&](std::string_view key) { return fmt::format("{} {}", noun, key.substr(prefix.size())); };
  std::unique_ptr<rocksdb::Iterator> it(store_.db()->NewIterator(rocksdb::ReadOptions(), store_.cf(kCfProjection)));
  auto w = want.begin();
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view key = View(it->key());
    for (; w != want.end() && w->first < key; ++w) {
      Report(ProjectionProblem(fmt::format("{} is missing from the stored projection", name(w->first))));
    }
    if (w != want.end() && w->first == key) {
      if (View(it->value()) != w->second) {
        Report(ProjectionProblem(fmt::format("{}: the stored projection differs from the rebuild from the events",
                                             name(key))));
      }
      ++w;
    } else {
      Report(ProjectionProblem(fmt::format("{} is in the stored projection, but no event made it", name(key))));
    }
  }
  for (; w != want.end(); ++w) {
    Report(ProjectionProblem(fmt::format("{} is missing from the stored projection", name(w->first))));
  }
  if (!it->status().ok()) Report(ProjectionProblem(FromRocks(it->status(), "reading projection").message()));
}

}  // namespace ledger
