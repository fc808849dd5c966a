#include "verify_projections.h"

#include <fmt/format.h>

#include <set>

namespace ledger {
namespace {

VerifyProblem ProjectionProblem(std::string message) { return PlainProblem("projection", std::move(message)); }

}  // namespace

ProjectionAudit::ProjectionAudit(const Ledger& ledger, ProblemSink* sink) : ledger_(ledger), sink_(sink) {
  auto sizes = SnapshotSizes(ledger);
  if (sizes.ok()) {
    snapshots_ = std::move(*sizes);
  } else {
    Report(ProjectionProblem("snapshots: " + sizes.status().message()));
  }
  // A snapshot of the empty log is compared before the first event.
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

void ProjectionAudit::CheckSnapshot(uint64_t size) {
  ProjectionOptions options;
  options.use_snapshots = true;
  auto at = ProjectionAt(ledger_, size, options);
  if (!at.ok()) {
    Report(ProjectionProblem(fmt::format("snapshot {}: {}", size, at.status().message())));
    return;
  }
  CompareProjections(rebuilt_, *at, fmt::format("snapshot {}", size));
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
    auto stored = StoredProjection(ledger_);
    if (!stored.ok()) {
      Report(ProjectionProblem("the stored projection: " + stored.status().message()));
    } else {
      if (stored->applied() != events) {
        Report(ProjectionProblem(fmt::format("the stored projection reflects {} events, the log holds {}",
                                             stored->applied(), events)));
      }
      CompareProjections(rebuilt_, *stored, "the stored projection");
    }
  }
  for (VerifyProblem& p : found_) sink_->Add(std::move(p));
  found_.clear();
}

void ProjectionAudit::CompareProjections(Projector& rebuilt, Projector& other, const std::string& what) {
  auto a = rebuilt.Serialize();
  auto b = other.Serialize();
  if (!a.ok() || !b.ok()) {
    Report(ProjectionProblem(fmt::format("{}: {}", what, (a.ok() ? b : a).status().message())));
    return;
  }
  if (*a == *b) return;

  // Name what differs: households, then areas.
  size_t named = 0;
  auto codes_a = rebuilt.HouseholdCodes();
  auto codes_b = other.HouseholdCodes();
  if (codes_a.ok() && codes_b.ok()) {
    std::set<std::string> codes(codes_a->begin(), codes_a->end());
    codes.insert(codes_b->begin(), codes_b->end());
    for (const std::string& code : codes) {
      auto ha = rebuilt.SerializeHousehold(code);
      auto hb = other.SerializeHousehold(code);
      if (ha.ok() && hb.ok() && *ha == *hb) continue;
      ++named;
      Report(ProjectionProblem(fmt::format("household {}: {} differs from the rebuild from the events", code,
                                               what)));
    }
  }
  for (AreaLevel level : {AreaLevel::kProvince, AreaLevel::kDistrict, AreaLevel::kSubdistrict}) {
    std::set<std::string> codes;
    for (const AreaProgress& area : rebuilt.Areas(level)) codes.insert(area.code);
    for (const AreaProgress& area : other.Areas(level)) codes.insert(area.code);
    for (const std::string& code : codes) {
      if (rebuilt.SerializeArea(code) == other.SerializeArea(code)) continue;
      ++named;
      Report(ProjectionProblem(fmt::format("area {}: {} differs from the rebuild from the events", code, what)));
    }
  }
  if (named == 0) {
    Report(ProjectionProblem(fmt::format("{} differs from the rebuild from the events", what)));
  }
}

}  // namespace ledger
