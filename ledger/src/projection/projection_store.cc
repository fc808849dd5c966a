#include "projection/projection_store.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <algorithm>
#include <memory>

#include "ledger/event_codec.h"
#include "ledger/reasons.h"
#include "schemas/projection.capnp.h"

namespace ledger::projection {
namespace {

rocksdb::Slice AsSlice(std::string_view s) { return {s.data(), s.size()}; }
std::string_view AsView(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

StatusOr<SnapshotInfo> DecodeSnapshotInfo(std::string_view bytes) {
  auto parsed = MessageBytes::Parse(bytes, /*framed=*/false);
  if (!parsed.ok()) return DataLossError("snapshot info: " + parsed.status().message(), reason::kBadSnapshot);
  try {
    auto r = parsed->Root<schema::SnapshotInfo>();
    return SnapshotInfo{r.getSize(), r.getMaxRecordedAt(), r.getPreviousSize(), r.getHouseholds()};
  } catch (const kj::Exception& e) {
    return DataLossError(std::string("snapshot info: ") + e.getDescription().cStr(), reason::kBadSnapshot);
  }
}

// Household codes of "h" keys with a version <= `size`, each once, ascending.
Status ForEachSnapshotHousehold(const Store& store, uint64_t size, const CodeVisitor& visit) {
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(kCfSnapshots)));
  for (it->Seek("h"); it->Valid() && it->key().starts_with("h");) {
    std::string_view key = AsView(it->key());
    if (key.size() < 1 + 1 + 8 || key[key.size() - 9] != '\0') {
      return DataLossError("snapshots: malformed household key", reason::kBadSnapshot);
    }
    std::string_view code = key.substr(1, key.size() - 10);
    // Versions of one code are ascending: the first tells whether any is <= size.
    if (ReadBigEndian64(key.substr(key.size() - 8)) <= size) RETURN_IF_ERROR(visit(code));
    std::string next = "h" + std::string(code);
    next.push_back('\1');
    it->Seek(next);
  }
  return FromRocks(it->status(), "reading snapshots");
}

}  // namespace

std::string HouseholdKey(std::string_view code) { return std::string(kHouseholdPrefix) + std::string(code); }
std::string AreaKey(uint32_t code) { return std::string(kAreaPrefix) + AreaCodeString(code); }

std::string EncodeApplied(uint64_t applied, int64_t max_recorded_at) {
  std::string v = BigEndian64(applied);
  AppendBigEndian64(&v, static_cast<uint64_t>(max_recorded_at));
  return v;
}

std::string SnapshotInfoKey(uint64_t size) { return "m" + BigEndian64(size); }
std::string SnapshotAreasKey(uint64_t size) { return "a" + BigEndian64(size); }
std::string SnapshotHouseholdKey(std::string_view code, uint64_t size) {
  std::string k = "h" + std::string(code);
  k.push_back('\0');
  AppendBigEndian64(&k, size);
  return k;
}

std::string EncodeSnapshotInfo(const SnapshotInfo& info) {
  capnp::MallocMessageBuilder msg(16);
  auto b = msg.initRoot<schema::SnapshotInfo>();
  b.setSize(info.size);
  b.setMaxRecordedAt(info.max_recorded_at);
  b.setPreviousSize(info.previous_size);
  b.setHouseholds(info.households);
  return CanonicalBytes(b.asReader());
}

StatusOr<std::pair<uint64_t, int64_t>> ReadApplied(const Store& store, const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::string v;
  auto s = store.db()->Get(ro, store.cf(kCfProjection), AsSlice(kAppliedKey), &v);
  if (s.IsNotFound()) return std::make_pair(uint64_t{0}, int64_t{0});
  if (!s.ok()) return FromRocks(s, "reading projection");
  if (v.size() != 16) return DataLossError("projection: malformed p/applied", reason::kBadProjection);
  return std::make_pair(ReadBigEndian64(v), static_cast<int64_t>(ReadBigEndian64(std::string_view(v).substr(8))));
}

StatusOr<std::optional<SnapshotInfo>> SnapshotAtOrBefore(const Store& store, uint64_t size) {
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(kCfSnapshots)));
  it->SeekForPrev(SnapshotInfoKey(size));
  if (!it->status().ok()) return FromRocks(it->status(), "reading snapshots");
  if (!it->Valid() || !it->key().starts_with("m") || it->key().size() != 9) return std::optional<SnapshotInfo>();
  ASSIGN_OR_RETURN(SnapshotInfo info, DecodeSnapshotInfo(AsView(it->value())));
  return std::optional<SnapshotInfo>(info);
}

StatusOr<std::vector<SnapshotInfo>> AllSnapshots(const Store& store) {
  std::vector<SnapshotInfo> out;
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(kCfSnapshots)));
  for (it->Seek("m"); it->Valid() && it->key().starts_with("m"); it->Next()) {
    ASSIGN_OR_RETURN(SnapshotInfo info, DecodeSnapshotInfo(AsView(it->value())));
    out.push_back(info);
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading snapshots"));
  return out;
}

SnapshotHouseholds::SnapshotHouseholds(const Store& store, uint64_t size, std::vector<uint64_t> sizes)
    : store_(store),
      size_(size),
      sizes_(std::move(sizes)),
      iter_(store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(kCfSnapshots))) {}

StatusOr<std::optional<std::string>> SnapshotHouseholds::Get(std::string_view code) {
  std::string prefix = "h" + std::string(code);
  prefix.push_back('\0');
  iter_->SeekForPrev(SnapshotHouseholdKey(code, size_));
  if (!iter_->status().ok()) return FromRocks(iter_->status(), "reading snapshots");
  if (!iter_->Valid() || !iter_->key().starts_with(prefix) || iter_->key().size() != prefix.size() + 8) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(iter_->value().ToString());
}

std::optional<uint64_t> SnapshotHouseholds::SnapshotAfter(uint64_t last_seq) const {
  // The snapshot at S holds the households changed by events [previous S, S).
  auto next = std::upper_bound(sizes_.begin(), sizes_.end(), last_seq);
  if (next == sizes_.end() || *next > size_) return std::nullopt;
  return *next;
}

StatusOr<std::vector<std::optional<std::string>>> SnapshotHouseholds::GetManyAfterEvent(
    const std::vector<AfterEvent>& wanted) {
  std::vector<std::optional<std::string>> out(wanted.size());
  std::vector<size_t> asked;   // indexes into `wanted` looked up by exact key
  std::vector<std::string> keys;
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (auto at = SnapshotAfter(wanted[i].last_seq)) {
      asked.push_back(i);
      keys.push_back(SnapshotHouseholdKey(wanted[i].code, *at));
    }
  }
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  store_.db()->MultiGet(rocksdb::ReadOptions(), store_.cf(kCfSnapshots), keys.size(), slices.data(), values.data(),
                        statuses.data());
  std::vector<bool> found(wanted.size(), false);
  for (size_t k = 0; k < asked.size(); ++k) {
    if (statuses[k].ok()) {
      out[asked[k]] = values[k].ToString();
      found[asked[k]] = true;
    } else if (!statuses[k].IsNotFound()) {
      return FromRocks(statuses[k], "reading snapshots");
    }
  }
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (!found[i]) {
      ASSIGN_OR_RETURN(out[i], Get(wanted[i].code));
    }
  }
  return out;
}

Status StartFromSnapshot(const Store& store, const SnapshotInfo& info, Core* core) {
  ASSIGN_OR_RETURN(auto areas, store.Get(kCfSnapshots, SnapshotAreasKey(info.size)));
  if (!areas) return DataLossError(fmt::format("snapshot {}: its areas are missing", info.size), reason::kBadSnapshot);
  RETURN_IF_ERROR(core->AdoptStoredAreaSet(*areas));
  core->SetPosition(info.size, info.max_recorded_at);
  const uint64_t size = info.size;
  const Store* s = &store;
  auto households = std::make_shared<SnapshotHouseholds>(store, size);
  core->SetLoader([households](std::string_view code) { return households->Get(code); },
                  [s, size](const CodeVisitor& visit) { return ForEachSnapshotHousehold(*s, size, visit); });
  return OkStatus();
}

Status StartFromStored(const Store& store, const rocksdb::Snapshot* snapshot, Core* core) {
  ASSIGN_OR_RETURN(auto applied, ReadApplied(store, snapshot));
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  {
    std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(ro, store.cf(kCfProjection)));
    for (it->Seek(AsSlice(kAreaPrefix)); it->Valid() && it->key().starts_with(AsSlice(kAreaPrefix)); it->Next()) {
      RETURN_IF_ERROR(core->AdoptStoredArea(AsView(it->value())));
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading projection"));
  }
  core->SetPosition(applied.first, applied.second);
  const Store* s = &store;
  core->SetLoader(
      [s, snapshot](std::string_view code) -> StatusOr<std::optional<std::string>> {
        rocksdb::ReadOptions ro;
        ro.snapshot = snapshot;
        std::string v;
        auto st = s->db()->Get(ro, s->cf(kCfProjection), HouseholdKey(code), &v);
        if (st.IsNotFound()) return std::optional<std::string>();
        if (!st.ok()) return FromRocks(st, "reading projection");
        return std::optional<std::string>(std::move(v));
      },
      [s, snapshot](const CodeVisitor& visit) -> Status {
        rocksdb::ReadOptions ro;
        ro.snapshot = snapshot;
        std::unique_ptr<rocksdb::Iterator> it(s->db()->NewIterator(ro, s->cf(kCfProjection)));
        for (it->Seek(AsSlice(kHouseholdPrefix)); it->Valid() && it->key().starts_with(AsSlice(kHouseholdPrefix));
             it->Next()) {
          RETURN_IF_ERROR(visit(AsView(it->key()).substr(kHouseholdPrefix.size())));
        }
        return FromRocks(it->status(), "reading projection");
      });
  return OkStatus();
}

}  // namespace ledger::projection
