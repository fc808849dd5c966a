#include "projection_bench.h"

#include <capnp/serialize.h>
#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/options_util.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ledger/crypto.h"
#include "ledger/durable_file.h"
#include "ledger/event_codec.h"
#include "ledger/projection.h"
#include "ledger/subprocess.h"
#include "timing.h"

namespace ledger::bench {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kDefaultSnapshotEvery = 100'000;   // ledger-seed's default
constexpr uint64_t kSeed = 7;
constexpr const char* kCompleteFile = "BENCH_COMPLETE";
constexpr const char* kSeedReport = "seed.json";

// The replay's read options (projection_reader.cc): a long sequential scan.
rocksdb::ReadOptions ScanOptions() {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 4 << 20;
  ro.fill_cache = false;
  return ro;
}

// The store's `events` CF, opened as a plain read-only RocksDB with the
// options the ledger persisted.
class RawEvents {
 public:
  static StatusOr<std::unique_ptr<RawEvents>> Open(const std::string& dir) {
    auto r = std::unique_ptr<RawEvents>(new RawEvents());
    rocksdb::ConfigOptions config;
    rocksdb::DBOptions db_options;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    auto st = rocksdb::LoadLatestOptions(config, dir, &db_options, &cfs);
    if (!st.ok()) return UnavailableError("loading RocksDB options of " + dir + ": " + st.ToString());
    rocksdb::DB* db = nullptr;
    st = rocksdb::DB::OpenForReadOnly(db_options, dir, cfs, &r->handles_, &db);
    if (!st.ok()) return UnavailableError("opening " + dir + " read-only: " + st.ToString());
    r->db_.reset(db);
    auto it = std::find_if(cfs.begin(), cfs.end(), [](const auto& d) { return d.name == "events"; });
    if (it == cfs.end()) return FailedPreconditionError(dir + " has no events column family");
    r->events_ = r->handles_[it - cfs.begin()];
    for (const auto& d : cfs) r->names_.push_back(d.name);
    return r;
  }
  // Bytes of live SST files per column family.
  std::vector<std::pair<std::string, uint64_t>> ColumnFamilySizes() {
    std::vector<std::pair<std::string, uint64_t>> out;
    for (size_t i = 0; i < handles_.size(); ++i) {
      rocksdb::ColumnFamilyMetaData meta;
      db_->GetColumnFamilyMetaData(handles_[i], &meta);
      out.emplace_back(names_[i], meta.size);
    }
    return out;
  }
  ~RawEvents() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  // Calls f(key, value) for every event, in key order; returns the count.
  template <typename F>
  StatusOr<uint64_t> Scan(F&& f) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ScanOptions(), events_));
    uint64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
      f(std::string_view(it->key().data(), it->key().size()), std::string_view(it->value().data(), it->value().size()));
    }
    if (!it->status().ok()) return DataLossError("scanning events: " + it->status().ToString());
    return n;
  }

 private:
  RawEvents() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::vector<std::string> names_;
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
};

// What the fold reads first from every envelope (through the ledger's one
// reader of stored events); a checksum of it.
Status DecodeEnvelope(std::string_view leaf, uint64_t* sink) {
  return WithLeaf(leaf, LeafCheck::kAny, [&](schema::Envelope::Reader env) {
    auto body = env.getSigned().getBody();
    *sink ^= env.getSeq() ^ static_cast<uint64_t>(env.getRecordedAt()) ^ body.getHousehold().size() ^
             body.getAgency().size() ^ body.getOfficer().size() ^ body.getOccurredAt().getDate().getDay() ^
             static_cast<uint64_t>(body.getPayload().which());
    return OkStatus();
  });
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

std::string SeedSpec::Label() const {
  std::string label = fmt::format("seed-h{}", households);
  if (snapshot_every != kDefaultSnapshotEvery) label += fmt::format("-snap{}", snapshot_every);
  return label;
}

std::string SeededStores::DefaultSeedTool() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("ledger-seed") : (self.parent_path() / "ledger-seed").string();
}

StatusOr<std::string> SeededStores::Ensure(const SeedSpec& spec) {
  const fs::path top = fs::path(cache_dir_) / spec.Label();
  const fs::path dir = top / "store";
  std::error_code ec;
  if (fs::exists(top / kCompleteFile, ec)) {
    auto opened = Ledger::OpenReadOnly(dir.string());
    if (opened.ok() && (*opened)->Size() > 0) return dir.string();
    std::cerr << fmt::format("ledger-bench: cached {} is unusable ({}); seeding it again\n", dir.string(),
                             opened.ok() ? "empty" : opened.status().ToString());
  } else if (fs::exists(top, ec)) {
    std::cerr << fmt::format("ledger-bench: {} is an unfinished seeding; seeding it again\n", top.string());
  }
  fs::remove_all(top, ec);
  fs::create_directories(top, ec);
  if (ec) return UnavailableError(fmt::format("cannot create {}: {}", top.string(), ec.message()));
  RETURN_IF_ERROR(Seed(spec, dir.string()));
  return dir.string();
}

Status SeededStores::Seed(const SeedSpec& spec, const std::string& dir) {
  const fs::path top = fs::path(dir).parent_path();
  const std::string report_path = (top / kSeedReport).string();
  std::vector<std::string> argv = {seed_tool_,
                                   "--data", dir,
                                   "--households", std::to_string(spec.households),
                                   "--seed", std::to_string(kSeed),
                                   "--provinces", "all",
                                   "--snapshot-every", std::to_string(spec.snapshot_every),
                                   "--json"};
  std::cerr << fmt::format("ledger-bench: seeding {} ({} households; once, then cached)\n", dir, spec.households);
  // stderr (the tool's progress bar) is inherited; stdout is its JSON report.
  ASSIGN_OR_RETURN(SubprocessResult run,
                   RunSubprocess({.argv = argv, .in = Redirect::Inherit(), .out = Redirect::Capture()}));
  if (run.exit_code != 0) return InternalError(fmt::format("{} failed (exit {})", fmt::join(argv, " "), run.exit_code));
  RETURN_IF_ERROR(WriteFileDurably(report_path, run.out));
  nlohmann::json report;
  try {
    report = nlohmann::json::parse(run.out);
  } catch (const std::exception& e) {
    return DataLossError(fmt::format("{}: not ledger-seed's JSON report: {}", report_path, e.what()));
  }
  const std::string label = spec.Label();
  const double rate = report.value("events_per_second", 0.0);
  const double per_event = report.value("bytes_per_event", 0.0);
  results_->Add("seed." + label + ".events_per_s", rate);
  results_->Add("seed." + label + ".bytes_per_event", per_event);
  results_->Note(fmt::format("seeded {}: {} events in {:.1f} s = {:.0f} events/s (signatures verified at append), "
                             "{} bytes on disk = {:.0f} bytes/event ({})",
                             dir, report.value("store_events", uint64_t{0}), report.value("seconds", 0.0), rate,
                             report.value("bytes_on_disk", uint64_t{0}), per_event, fmt::join(argv, " ")));
  RETURN_IF_ERROR(WriteFileDurably(top / kCompleteFile, report.dump(2) + "\n"));
  return OkStatus();
}

ProjectionBench::ProjectionBench(SeededStores* stores, SeedSpec spec, Results* results)
    : stores_(stores), spec_(spec), label_(spec.Label()), results_(results) {}

ProjectionBench::ProjectionBench(std::string dir, std::string label, Results* results)
    : dir_(std::move(dir)), label_(std::move(label)), results_(results) {}

std::string ProjectionBench::ReportKey(const CivilDate& as_of, bool snapshots) const {
  return fmt::format("report.{}.{}.snap{}", label_, FormatDate(as_of), snapshots ? 1 : 0);
}

Status ProjectionBench::OpenOnce() {
  if (ledger_) return OkStatus();
  if (dir_.empty()) {
    ASSIGN_OR_RETURN(dir_, stores_->Ensure(spec_));
  }
  ASSIGN_OR_RETURN(ledger_, Ledger::OpenReadOnly(dir_));
  ASSIGN_OR_RETURN(auto snapshots, SnapshotSizes(*ledger_));
  ASSIGN_OR_RETURN(auto raw, RawEvents::Open(dir_));
  std::vector<std::string> sizes;
  const double n = std::max<double>(1, ledger_->Size());
  for (const auto& [name, bytes] : raw->ColumnFamilySizes()) {
    sizes.push_back(fmt::format("{} {:.0f} MB ({:.0f} B/event)", name, bytes / 1e6, bytes / n));
  }
  results_->Note(fmt::format("{} = {}: {} events, {} snapshots; SST files by column family: {}", label_, dir_,
                             ledger_->Size(), snapshots.size(), fmt::join(sizes, ", ")));
  return OkStatus();
}

void ProjectionBench::Record(benchmark::State& state, const std::string& key, uint64_t events, double seconds,
                             double cpu) {
  state.SetIterationTime(seconds);
  const double rate = events / seconds;
  results_->Add(key, rate);
  results_->Add(key + ".cpu_us", cpu * 1e6 / events);
  state.counters["events"] = static_cast<double>(events);
  state.counters["events_per_s"] = rate;
  state.counters["cpu_us_per_event"] = cpu * 1e6 / events;
  const std::string raw = Key("raw_scan");
  if (key != raw && results_->Has(raw)) state.counters["x_raw_scan"] = rate / results_->Median(raw);
}

void ProjectionBench::RawScan(benchmark::State& state) { Scan(state, /*decode=*/false); }
void ProjectionBench::Decode(benchmark::State& state) { Scan(state, /*decode=*/true); }

void ProjectionBench::Scan(benchmark::State& state, bool decode) {
  if (Status s = OpenOnce(); !s.ok()) return state.SkipWithError(s.ToString().c_str());
  for (auto _ : state) {
    const auto start = Clock::now();
    const double cpu0 = ProcessCpuSeconds();
    auto raw = RawEvents::Open(dir_);
    if (!raw.ok()) return state.SkipWithError(raw.status().ToString().c_str());
    uint64_t sink = 0;
    Status decoded;
    StatusOr<uint64_t> n = (*raw)->Scan([&](std::string_view k, std::string_view v) {
      if (decode) {
        if (decoded.ok()) decoded = DecodeEnvelope(v, &sink);
      } else {
        sink += k.size() + v.size() + static_cast<uint8_t>(v.empty() ? 0 : v.back());
      }
    });
    if (!n.ok()) return state.SkipWithError(n.status().ToString().c_str());
    if (!decoded.ok()) return state.SkipWithError(decoded.ToString().c_str());
    benchmark::DoNotOptimize(sink);
    Record(state, Key(decode ? "decode" : "raw_scan"), *n, SecondsSince(start), ProcessCpuSeconds() - cpu0);
  }
}

void ProjectionBench::Rebuild(benchmark::State& state) {
  if (Status s = OpenOnce(); !s.ok()) return state.SkipWithError(s.ToString().c_str());
  ProjectionOptions from_zero;
  from_zero.use_snapshots = false;
  for (auto _ : state) {
    // A fresh store handle, as a new ledger-replay process has: no tiles cached.
    auto ledger = Ledger::OpenReadOnly(dir_);
    if (!ledger.ok()) return state.SkipWithError(ledger.status().ToString().c_str());
    const uint64_t size = (*ledger)->Size();
    const auto start = Clock::now();
    const double cpu0 = ProcessCpuSeconds();
    auto p = ProjectionAt(**ledger, size, from_zero);
    const double seconds = SecondsSince(start), cpu = ProcessCpuSeconds() - cpu0;
    if (!p.ok()) return state.SkipWithError(p.status().ToString().c_str());
    if (p->applied() != size) return state.SkipWithError("rebuild folded too few events");
    Record(state, Key("rebuild"), size, seconds, cpu);
  }
}

StatusOr<ProjectionBench::ReportRun> ProjectionBench::RunReport(const CivilDate& as_of, bool snapshots) {
  auto ms = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  ReportRun run;
  const auto t0 = Clock::now();
  const double cpu0 = ProcessCpuSeconds();
  ASSIGN_OR_RETURN(auto ledger, Ledger::OpenReadOnly(dir_));
  const auto t1 = Clock::now();
  ASSIGN_OR_RETURN(run.size, SizeAtTime(*ledger, BangkokEndOfDayNs(as_of)));
  const auto t2 = Clock::now();
  ProjectionOptions po;
  po.use_snapshots = snapshots;
  ASSIGN_OR_RETURN(Projector p, ProjectionAt(*ledger, run.size, po));
  std::vector<AreaProgress> rows = p.Areas(AreaLevel::kProvince);
  const auto t3 = Clock::now();
  run.cpu_ms = (ProcessCpuSeconds() - cpu0) * 1e3;
  benchmark::DoNotOptimize(rows);
  run.total_ms = ms(t0, t3);
  run.open_ms = ms(t0, t1);
  run.size_at_time_ms = ms(t1, t2);
  run.projection_ms = ms(t2, t3);
  std::string areas;
  for (const AreaProgress& r : rows) areas += p.SerializeArea(r.code);
  const Hash h = Sha256(areas);
  run.fingerprint = ToHex(std::span<const uint8_t>(h.data(), h.size()));
  // The same date with and without snapshots: the same figures.
  auto [seen, fresh] = report_fingerprints_.emplace(FormatDate(as_of), run.fingerprint);
  if (!fresh && seen->second != run.fingerprint) {
    return InternalError(
        fmt::format("{}: the province figures as of {} differ with and without snapshots", label_, FormatDate(as_of)));
  }
  return run;
}

void ProjectionBench::Report(benchmark::State& state, const CivilDate& as_of, bool snapshots) {
  if (Status s = OpenOnce(); !s.ok()) return state.SkipWithError(s.ToString().c_str());
  const std::string key = ReportKey(as_of, snapshots);
  std::vector<double> total, open, size_at, fold, cpu;
  uint64_t size = 0;
  for (auto _ : state) {
    auto run = RunReport(as_of, snapshots);
    if (!run.ok()) return state.SkipWithError(run.status().ToString().c_str());
    state.SetIterationTime(run->total_ms / 1e3);
    total.push_back(run->total_ms);
    open.push_back(run->open_ms);
    size_at.push_back(run->size_at_time_ms);
    fold.push_back(run->projection_ms);
    cpu.push_back(run->cpu_ms);
    size = run->size;
  }
  // Google Benchmark may call this several times while sizing the run: keep the last.
  results_->Set(key, Median(total));
  results_->Set(key + ".open", Median(open));
  results_->Set(key + ".size_at_time", Median(size_at));
  results_->Set(key + ".projection", Median(fold));
  results_->Set(key + ".cpu", Median(cpu));
  state.counters["events_as_of"] = static_cast<double>(size);
  state.counters["median_ms"] = Median(total);
  state.counters["open_ms"] = Median(open);
  state.counters["size_at_time_ms"] = Median(size_at);
  state.counters["projection_ms"] = Median(fold);
  state.counters["cpu_ms"] = Median(cpu);
}

void ProjectionBench::Sweep(benchmark::State& state, const CivilDate& from, const CivilDate& to, int every_days) {
  if (Status s = OpenOnce(); !s.ok()) return state.SkipWithError(s.ToString().c_str());
  for (auto _ : state) {
    std::vector<double> total, cpu;
    std::string worst;
    double sum = 0;
    for (CivilDate d = from; !(to < d); d = AddDays(d, every_days)) {
      auto run = RunReport(d, /*snapshots=*/true);
      if (!run.ok()) return state.SkipWithError(run.status().ToString().c_str());
      if (total.empty() || run->total_ms > *std::max_element(total.begin(), total.end())) {
        worst = fmt::format("{} ({} events, {:.0f} ms, CPU {:.0f} ms)", FormatDate(d), run->size, run->total_ms,
                            run->cpu_ms);
      }
      total.push_back(run->total_ms);
      cpu.push_back(run->cpu_ms);
      sum += run->total_ms;
    }
    state.SetIterationTime(sum / 1e3);
    const std::string key = SweepKey();
    results_->Set(key + ".max", *std::max_element(total.begin(), total.end()));
    results_->Set(key + ".median", Median(total));
    results_->Set(key + ".cpu_max", *std::max_element(cpu.begin(), cpu.end()));
    results_->Note(fmt::format("{}: report as of {} dates from {} to {}, every {} days, with snapshots: median "
                               "{:.0f} ms, slowest {}",
                               label_, total.size(), FormatDate(from), FormatDate(to), every_days, Median(total),
                               worst));
    state.counters["dates"] = static_cast<double>(total.size());
    state.counters["median_ms"] = Median(total);
    state.counters["max_ms"] = *std::max_element(total.begin(), total.end());
  }
}

}  // namespace ledger::bench
