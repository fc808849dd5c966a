#include "bench_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "ledger/durable_file.h"
#include "ledger/reasons.h"
#include "ledger/testing/event_factory.h"
#include "ledger/reference.h"

namespace ledger::bench {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxOfficers = 16;
constexpr CivilDate kDay{2022, 3, 15};

std::shared_ptr<const PrivateKey> Shared(PrivateKey k) { return std::make_shared<const PrivateKey>(std::move(k)); }

StatusOr<std::shared_ptr<const PrivateKey>> FromSeedByte(char c) {
  ASSIGN_OR_RETURN(PrivateKey k, PrivateKey::FromSeed(std::string(32, c)));
  return Shared(std::move(k));
}

// Keys of ledger-bench's stores: tools/bench/workload.cc, KeyFromLabel.
StatusOr<PrivateKey> LedgerBenchKey(const std::string& label) {
  Hash seed = Sha256("ledger-bench key " + label);
  return PrivateKey::FromSeed(std::string_view(reinterpret_cast<const char*>(seed.data()), seed.size()));
}

constexpr uint64_t kHouseholdsPerDistrict = 1'000'000;

// The first sub-district of each district of `province` that the built-in
// reference knows.
std::vector<std::string> SubdistrictsOf(const std::string& province) {
  std::vector<std::string> out;
  for (int d = 1; d < 100; ++d) {
    for (int t = 1; t < 100; ++t) {
      std::string s = fmt::format("{}{:02d}{:02d}", province, d, t);
      if (ReferenceData::Builtin().AreaExists(s)) {
        out.push_back(std::move(s));
        break;
      }
    }
  }
  return out;
}

}  // namespace

StatusOr<BenchStore> BenchStore::Create(const std::string& dir) {
  BenchStore s;
  s.dir_ = dir;
  s.layout_ = "fresh";
  s.agency_ = "PHO-33";
  ASSIGN_OR_RETURN(auto root, FromSeedByte('\x01'));
  ASSIGN_OR_RETURN(auto server, FromSeedByte('\x02'));
  ASSIGN_OR_RETURN(auto agency, FromSeedByte('\x03'));
  ASSIGN_OR_RETURN(auto officer, FromSeedByte('\x04'));
  s.officers_.push_back({"off-1", officer});
  CreateOptions create;
  create.origin = "bench.ledger/sisaket";
  create.root_public_key = root->PublicKeyBytes();
  EventFactory factory(99);
  const std::vector<std::string> registry = {
      factory.AgencyRegistered(*root, s.agency_, "สสจ.", "PHO", {schema::Dimension::HEALTH}, agency->PublicKeyBytes(),
                               kDay, "33"),
      factory.OfficerRegistered(*agency, s.agency_, "off-1", officer->PublicKeyBytes(), kDay)};
  {
    ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::FromSeed(server->Seed()));
    ASSIGN_OR_RETURN(auto l, Ledger::Create(dir, create, std::move(key)));
    for (auto& r : l->Append(registry)) RETURN_IF_ERROR(r.status());
  }
  s.server_key_path_ = dir + "/keys/server.pem";
  fs::create_directories(dir + "/keys");
  RETURN_IF_ERROR(server->SavePemFile(s.server_key_path_));
  RETURN_IF_ERROR(s.Check());
  return s;
}

StatusOr<BenchStore> BenchStore::Existing(const std::string& dir, const std::string& agency,
                                          const std::string& work_dir) {
  BenchStore s;
  s.dir_ = dir;
  s.agency_ = agency;
  if (fs::exists(dir + "/keys/server.pem")) {
    s.layout_ = "ledger-seed";
    s.server_key_path_ = dir + "/keys/server.pem";
    // Officer ids "<prefix>-<district>-NN" for agency "<prefix>-<province>".
    const size_t dash = agency.find('-');
    if (dash == std::string::npos) return InvalidArgumentError(fmt::format("--agency: '{}' is not CODE-PP", agency));
    const std::regex id(fmt::format("{}-{}[0-9]{{2}}-[0-9]{{2}}", agency.substr(0, dash), agency.substr(dash + 1)));
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir + "/keys/officers", ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      const std::string stem = f.stem().string();
      if (f.extension() != ".pem" || !std::regex_match(stem, id)) continue;
      ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::LoadPemFile(f.string()));
      s.officers_.push_back({stem, Shared(std::move(key))});
      if (s.officers_.size() == kMaxOfficers) break;
    }
    if (s.officers_.empty()) {
      return NotFoundError(fmt::format("{}/keys/officers holds no officer key of agency {}", dir, agency));
    }
  } else if (fs::exists(dir + "/BENCH_COMPLETE")) {
    s.layout_ = "ledger-bench";
    if (agency != "PHO-33") return InvalidArgumentError("a ledger-bench store has agency PHO-33 only");
    for (int i = 0; i < 8; ++i) {
      const std::string id = fmt::format("off-{:02d}", i);
      ASSIGN_OR_RETURN(PrivateKey key, LedgerBenchKey(id));
      s.officers_.push_back({id, Shared(std::move(key))});
    }
    ASSIGN_OR_RETURN(PrivateKey server, LedgerBenchKey("server"));
    fs::create_directories(work_dir);
    s.server_key_path_ = work_dir + "/server.pem";
    RETURN_IF_ERROR(server.SavePemFile(s.server_key_path_));
  } else {
    return InvalidArgumentError(
        fmt::format("{}: neither a ledger-seed store (keys/server.pem) nor a ledger-bench store (BENCH_COMPLETE)", dir));
  }
  RETURN_IF_ERROR(s.Check());
  return s;
}

Status BenchStore::Check() {
  ASSIGN_OR_RETURN(auto l, Ledger::OpenReadOnly(dir_));
  size_ = l->Size();
  vkey_ = l->info().VerifierKey();
  ASSIGN_OR_RETURN(PrivateKey server, ServerKey());
  if (server.PublicKeyBytes() != l->info().server_public_key) {
    return FailedPreconditionError(fmt::format("{} is not the server key of {}", server_key_path_, dir_),
                                   reason::kWrongServerKey);
  }
  for (const BenchOfficer& o : officers_) {
    auto seqs = l->RegistrySeqs(agency_, o.id);
    if (!seqs.ok()) return seqs.status();
  }
  const std::string province = agency_.substr(agency_.find('-') + 1, 2);
  subdistricts_ = SubdistrictsOf(province);
  if (subdistricts_.empty()) return NotFoundError(fmt::format("province '{}' has no known district", province));
  return OkStatus();
}

StatusOr<uint64_t> BenchStore::ReserveHouseholds(uint64_t count) const {
  const std::string path = dir_ + "/NET_BENCH_NEXT";
  uint64_t first = size_;
  if (std::ifstream in(path); in) in >> first;
  first = std::max(first, size_);
  RETURN_IF_ERROR(WriteFileDurably(path, fmt::format("{}\n", first + count)));
  return first;
}

const std::string& BenchStore::Subdistrict(uint64_t i) const {
  return subdistricts_[(i / kHouseholdsPerDistrict) % subdistricts_.size()];
}

std::string BenchStore::House(uint64_t i) const {
  return fmt::format("{}{:07d}", Subdistrict(i).substr(0, 4), 9'000'000 + i % kHouseholdsPerDistrict);
}

std::vector<std::string> BenchStore::SignNewHouseholds(uint64_t first, uint64_t count, unsigned threads) const {
  std::vector<std::string> out(count);
  std::vector<std::thread> pool;
  threads = std::max(1u, threads);
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      EventFactory f(first * 64 + t);   // idempotency keys differ between runs on one store
      for (uint64_t k = t; k < count; k += threads) {
        const uint64_t i = first + k;
        const BenchOfficer& o = officers_[i % officers_.size()];
        const EventSigner signer{agency_, o.id, o.key.get()};
        out[k] = f.HouseholdTargeted(signer, House(i), Subdistrict(i), 2565, {4, 22}, 4, kDay);
      }
    });
  }
  for (auto& t : pool) t.join();
  return out;
}

}  // namespace ledger::bench
