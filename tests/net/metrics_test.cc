// ledgerd's GET /metrics (docs/operations.md "Metrics"), over real sockets
// on 127.0.0.1: the exposition is parsed and checked (every sample has a
// TYPE, histogram buckets cumulative with +Inf equal to _count), its
// counters move as appends, refusals and proofs happen, it names no
// household, it needs a client certificate unless the server is told
// otherwise, and it is served while the query pool is full.
#include <gtest/gtest.h>

#include <cmath>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "net_fixture.h"
#include "support/http_get.h"
#include "support/ledgerd_process.h"
#include "support/run_command.h"

namespace ledger {
namespace {

using testing::HttpResult;
using testing::NetFixture;
using testing::World;

// ---------------------------------------------------------------- a parser of the text format

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Family {
  std::string type;
  std::string help;
  std::vector<Sample> samples;
};

struct Scrape {
  std::map<std::string, Family> families;
  std::string error;   // the first format error found

  // The value of the sample `name` with exactly `labels`; NaN when absent.
  double Value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& [family_name, f] : families) {
      for (const Sample& s : f.samples) {
        if (s.name == name && s.labels == labels) return s.value;
      }
    }
    return std::nan("");
  }
};

// `text` from `at` on: a label value in double quotes, unescaped.
bool ParseQuoted(const std::string& text, size_t& at, std::string* out) {
  if (at >= text.size() || text[at] != '"') return false;
  for (++at; at < text.size(); ++at) {
    char c = text[at];
    if (c == '"') {
      ++at;
      return true;
    }
    if (c == '\\') {
      if (++at >= text.size()) return false;
      c = text[at];
      if (c == 'n') {
        *out += '\n';
      } else if (c == '\\' || c == '"') {
        *out += c;
      } else {
        return false;
      }
      continue;
    }
    if (c == '\n') return false;
    *out += c;
  }
  return false;
}

Scrape ParseExposition(const std::string& text) {
  Scrape scrape;
  auto fail = [&](const std::string& why, const std::string& line) {
    if (scrape.error.empty()) scrape.error = why + ": " + line;
  };
  const std::regex name_re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      const bool type = line[2] == 'T';
      std::string rest = line.substr(7);
      const size_t sp = rest.find(' ');
      const std::string name = rest.substr(0, sp);
      const std::string value = sp == std::string::npos ? "" : rest.substr(sp + 1);
      if (!std::regex_match(name, name_re)) fail("bad name", line);
      Family& f = scrape.families[name];
      if (type) {
        if (!f.type.empty()) fail("TYPE twice", line);
        if (!f.samples.empty()) fail("TYPE after samples", line);
        if (value != "counter" && value != "gauge" && value != "histogram" && value != "summary" &&
            value != "untyped") {
          fail("bad type", line);
        }
        f.type = value;
      } else {
        f.help = value;
      }
      continue;
    }
    if (line[0] == '#') continue;   // a comment
    Sample s;
    size_t at = 0;
    while (at < line.size() && line[at] != '{' && line[at] != ' ') ++at;
    s.name = line.substr(0, at);
    if (!std::regex_match(s.name, name_re)) fail("bad sample name", line);
    if (at < line.size() && line[at] == '{') {
      ++at;
      while (at < line.size() && line[at] != '}') {
        const size_t eq = line.find('=', at);
        if (eq == std::string::npos) {
          fail("bad label", line);
          break;
        }
        const std::string label = line.substr(at, eq - at);
        at = eq + 1;
        std::string value;
        if (!std::regex_match(label, name_re) || !ParseQuoted(line, at, &value)) {
          fail("bad label", line);
          break;
        }
        if (!s.labels.emplace(label, value).second) fail("label twice", line);
        if (at < line.size() && line[at] == ',') ++at;
      }
      if (at >= line.size() || line[at] != '}') {
        fail("unclosed labels", line);
        continue;
      }
      ++at;
    }
    if (at >= line.size() || line[at] != ' ') {
      fail("no value", line);
      continue;
    }
    const std::string value = line.substr(at + 1);
    if (value == "+Inf") {
      s.value = INFINITY;
    } else {
      char* end = nullptr;
      s.value = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0') fail("bad value", line);
    }
    // The sample's family: its own name, or a histogram's with a suffix.
    std::string family = s.name;
    if (!scrape.families.count(family) || scrape.families[family].type.empty()) {
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        if (s.name.ends_with(suffix)) {
          std::string base = s.name.substr(0, s.name.size() - std::strlen(suffix));
          if (scrape.families.count(base) && scrape.families[base].type == "histogram") family = base;
        }
      }
    }
    auto it = scrape.families.find(family);
    if (it == scrape.families.end() || it->second.type.empty()) {
      fail("sample without a TYPE", line);
      continue;
    }
    if (it->second.type != "histogram" && s.name != family) fail("suffix on a non-histogram", line);
    it->second.samples.push_back(std::move(s));
  }
  return scrape;
}

// The checks of the format beyond the syntax: ledger_ names, counters end in
// _total, histograms with ascending, cumulative buckets ending at +Inf =
// _count, and a _sum. "" when all hold.
std::string CheckFormat(const Scrape& scrape) {
  if (!scrape.error.empty()) return scrape.error;
  for (const auto& [name, f] : scrape.families) {
    if (name.rfind("ledger_", 0) != 0) return name + ": not a ledger_ metric";
    if (f.type.empty()) return name + ": HELP without TYPE";
    if (f.help.empty()) return name + ": no HELP";
    if (f.type == "counter" && !name.ends_with("_total")) return name + ": a counter not ending in _total";
    if (f.type != "histogram") continue;
    // Series by their labels without le.
    std::map<std::map<std::string, std::string>, std::vector<const Sample*>> series;
    for (const Sample& s : f.samples) {
      auto labels = s.labels;
      labels.erase("le");
      series[labels].push_back(&s);
    }
    for (const auto& [labels, samples] : series) {
      double count = -1, last_le = -INFINITY, last_cumulative = 0;
      bool sum = false, inf = false;
      for (const Sample* s : samples) {
        if (s->name == name + "_count") count = s->value;
        if (s->name == name + "_sum") sum = true;
      }
      for (const Sample* s : samples) {
        if (s->name != name + "_bucket") continue;
        auto le = s->labels.find("le");
        if (le == s->labels.end()) return name + ": a bucket without le";
        const double bound = le->second == "+Inf" ? INFINITY : std::strtod(le->second.c_str(), nullptr);
        if (inf) return name + ": a bucket after +Inf";
        if (bound <= last_le) return name + ": buckets not ascending";
        if (s->value < last_cumulative) return name + ": buckets not cumulative";
        last_le = bound;
        last_cumulative = s->value;
        if (bound == INFINITY) {
          inf = true;
          if (s->value != count) return name + ": +Inf bucket != _count";
        }
      }
      if (!inf) return name + ": no +Inf bucket";
      if (!sum || count < 0) return name + ": no _sum or _count";
    }
  }
  return "";
}

// ---------------------------------------------------------------- the server's metrics

class MetricsTest : public ::testing::Test {
 protected:
  void Start(bool without_cert = false, size_t max_queued_queries = 256) {
    net::ServerOptions o = f_.DefaultServerOptions();
    o.http_enabled = true;
    o.metrics_without_client_cert = without_cert;
    o.max_queued_queries = max_queued_queries;
    o.max_queries_per_identity = max_queued_queries;
    o.faults.report_delay = [this] {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !hold_reports_; });
    };
    f_.StartServer(o);
    port_ = static_cast<uint16_t>(std::stoi(f_.server->http_endpoint().substr(10)));
  }
  HttpResult Get(const std::string& target, const std::string& cert = "inspector") {
    return testing::HttpsGet(port_, target, f_.Cert("ca"), cert.empty() ? "" : f_.Cert(cert),
                             cert.empty() ? "" : f_.Key(cert));
  }
  Scrape Metrics(const std::string& cert = "inspector") {
    HttpResult r = Get("/metrics", cert);
    EXPECT_EQ(r.status, 200) << r.error << r.body;
    EXPECT_EQ(r.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    last_text_ = r.body;
    Scrape s = ParseExposition(r.body);
    EXPECT_EQ(CheckFormat(s), "") << r.body;
    return s;
  }

  NetFixture f_;
  uint16_t port_ = 0;
  std::string last_text_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_reports_ = false;
};

TEST_F(MetricsTest, FormatIsValidAndEveryMetricIsThere) {
  Start();
  Scrape s = Metrics();
  const std::map<std::string, std::string> want = {
      {"ledger_appends_total", "counter"},
      {"ledger_append_duplicates_total", "counter"},
      {"ledger_append_rejections_total", "counter"},
      {"ledger_append_duration_seconds", "histogram"},
      {"ledger_proof_duration_seconds", "histogram"},
      {"ledger_append_queue_events", "gauge"},
      {"ledger_append_queue_capacity_events", "gauge"},
      {"ledger_query_queue", "gauge"},
      {"ledger_query_queue_running", "gauge"},
      {"ledger_query_queue_capacity", "gauge"},
      {"ledger_connections", "gauge"},
      {"ledger_http_connections", "gauge"},
      {"ledger_http_requests_total", "counter"},
      {"ledger_tree_size", "gauge"},
      {"ledger_seconds_since_checkpoint", "gauge"},
      {"ledger_last_checkpoint_timestamp_seconds", "gauge"},
      {"ledger_appends_paused", "gauge"},
      {"ledger_appends_stopped", "gauge"},
      {"ledger_store_errors_total", "counter"},
      {"ledger_clock_steps_back_total", "counter"},
      {"ledger_rocksdb_delayed_write_rate_bytes_per_second", "gauge"},
      {"ledger_rocksdb_write_stopped", "gauge"},
      {"ledger_rocksdb_write_stall_seconds_total", "counter"},
      {"ledger_rocksdb_stalls_total", "counter"},
      {"ledger_rocksdb_running_compactions", "gauge"},
      {"ledger_rocksdb_running_flushes", "gauge"},
      {"ledger_rocksdb_compaction_pending", "gauge"},
      {"ledger_rocksdb_pending_compaction_bytes", "gauge"},
      {"ledger_rocksdb_compactions_total", "counter"},
      {"ledger_rocksdb_compaction_seconds_total", "counter"},
      {"ledger_rocksdb_background_errors_total", "counter"},
      {"ledger_rocksdb_sst_bytes", "gauge"},
      {"ledger_rocksdb_memtable_bytes", "gauge"},
  };
  for (const auto& [name, type] : want) {
    ASSERT_TRUE(s.families.count(name)) << name << " missing:\n" << last_text_;
    EXPECT_EQ(s.families.at(name).type, type) << name;
  }
  EXPECT_EQ(s.families.size(), want.size()) << last_text_;
  EXPECT_EQ(s.Value("ledger_tree_size"), static_cast<double>(f_.ledger->Size()));
  EXPECT_EQ(s.Value("ledger_appends_paused"), 0);
  EXPECT_EQ(s.Value("ledger_store_errors_total", {{"reason", "STORE_FULL"}}), 0);
  EXPECT_EQ(s.Value("ledger_append_rejections_total", {{"reason", "PUSHBACK"}}), 0);
  EXPECT_EQ(s.Value("ledger_append_queue_capacity_events"), static_cast<double>(LedgerOptions{}.max_queued_events));
  // The bootstrap events were just appended: the checkpoint is seconds old.
  EXPECT_GE(s.Value("ledger_seconds_since_checkpoint"), 0);
  EXPECT_LT(s.Value("ledger_seconds_since_checkpoint"), 60);
  EXPECT_EQ(s.Value("ledger_http_connections"), 1);   // this scrape's
  EXPECT_GE(s.Value("ledger_rocksdb_memtable_bytes"), 1);
}

TEST_F(MetricsTest, AppendsRejectionsAndProofsMoveTheCounters) {
  Start();
  Scrape before = Metrics();
  auto agency = f_.Connect("pho-33");
  ASSERT_TRUE(agency);
  const std::string first = f_.world.Visit(1);
  auto ok = agency->Append({first, f_.world.Visit(2), f_.world.Visit(3)});
  for (auto& r : ok) ASSERT_TRUE(r.ok()) << r.status().ToString();
  // One request: a duplicate, a revoked key's event and another agency's.
  auto mixed = agency->Append({first, f_.world.Visit(4, f_.RevokedOfficer()), f_.world.Visit(5, f_.OtherOfficer())});
  ASSERT_EQ(mixed.size(), 3u);
  EXPECT_TRUE(mixed[0].ok() && mixed[0]->duplicate);
  EXPECT_EQ(mixed[1].status().reason(), "KEY_REVOKED");
  EXPECT_EQ(mixed[2].status().reason(), "WRONG_AGENCY");
  // A whole request refused: an inspector cannot append.
  auto inspector = f_.Connect("inspector");
  ASSERT_TRUE(inspector);
  auto refused = inspector->Append({f_.world.Visit(6), f_.world.Visit(7)});
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0].status().reason(), "WRONG_ROLE");
  // Proofs: inclusion and consistency over the protocol and HTTP, a household history.
  ASSERT_TRUE(inspector->Prove(ok[0]->seq).ok());
  ASSERT_TRUE(inspector->Consistency(ok[0]->seq).ok());
  ASSERT_TRUE(inspector->History(World::HouseCode(1)).ok());
  EXPECT_EQ(Get("/v1/events/" + std::to_string(ok[0]->seq) + "/proof").status, 200);
  EXPECT_EQ(Get("/v1/heads/household/" + World::HouseCode(2)).status, 200);
  EXPECT_EQ(Get("/v1/no-such-route").status, 404);

  Scrape after = Metrics();
  auto delta = [&](const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    double b = before.Value(name, labels);
    if (std::isnan(b)) b = 0;   // a reason not counted before
    return after.Value(name, labels) - b;
  };
  EXPECT_EQ(delta("ledger_appends_total"), 3);
  EXPECT_EQ(delta("ledger_append_duplicates_total"), 1);
  EXPECT_EQ(delta("ledger_append_rejections_total", {{"reason", "KEY_REVOKED"}}), 1);
  EXPECT_EQ(delta("ledger_append_rejections_total", {{"reason", "WRONG_AGENCY"}}), 1);
  EXPECT_EQ(delta("ledger_append_rejections_total", {{"reason", "WRONG_ROLE"}}), 2);
  EXPECT_EQ(delta("ledger_append_duration_seconds_count"), 3);   // three requests
  EXPECT_GT(delta("ledger_append_duration_seconds_sum"), 0);
  EXPECT_EQ(delta("ledger_proof_duration_seconds_count", {{"kind", "inclusion"}}), 2);
  // The verifying client asks for a consistency proof by itself too, each
  // time it sees a newer checkpoint: at least the one asked for here.
  EXPECT_GE(delta("ledger_proof_duration_seconds_count", {{"kind", "consistency"}}), 1);
  EXPECT_EQ(delta("ledger_proof_duration_seconds_count", {{"kind", "household"}}), 2);
  EXPECT_EQ(delta("ledger_http_requests_total", {{"code", "200"}}), 3);   // before's scrape, two proofs
  EXPECT_EQ(delta("ledger_http_requests_total", {{"code", "404"}}), 1);
  EXPECT_EQ(after.Value("ledger_tree_size"), static_cast<double>(f_.ledger->Size()));
  EXPECT_EQ(after.Value("ledger_connections", {{"state", "identified"}}), 2);
  EXPECT_EQ(after.Value("ledger_connections", {{"state", "pending"}}), 0);
  EXPECT_EQ(after.Value("ledger_append_queue_events"), 0);
  EXPECT_LT(after.Value("ledger_seconds_since_checkpoint"), 60);

  // A closing connection counts as closing until it is gone, then not at all.
  agency.reset();
  inspector.reset();
  for (int i = 0; i < 100 && Metrics().Value("ledger_connections", {{"state", "identified"}}) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Scrape closed = Metrics();
  EXPECT_EQ(closed.Value("ledger_connections", {{"state", "identified"}}), 0);
}

TEST_F(MetricsTest, NoHouseholdCodeOrCitizenIdInTheOutput) {
  Start();
  auto agency = f_.Connect("pho-33");
  ASSERT_TRUE(agency);
  std::vector<std::string> codes;
  std::vector<std::string> events;
  for (int i = 1; i <= 5; ++i) {
    codes.push_back(World::HouseCode(i));
    events.push_back(f_.world.Visit(i));
  }
  events.push_back(f_.world.Visit(6, f_.RevokedOfficer()));   // a refusal quoting its household in the message
  codes.push_back(World::HouseCode(6));
  agency->Append(events);
  Get("/v1/households/" + World::HouseCode(1));
  Get("/v1/households/33019999999");   // unknown: 404 with the code in the message
  Metrics();
  for (const std::string& code : codes) EXPECT_EQ(last_text_.find(code), std::string::npos) << code;
  EXPECT_EQ(last_text_.find("33019999999"), std::string::npos);
  // No label value is a long number (a house code or a 13-digit citizen id)
  // or a hash, and none names an identity.
  Scrape s = ParseExposition(last_text_);
  const std::regex personal("[0-9]{10,}|[0-9a-f]{32,}|PHO-33|insp-1|off-[0-9]");
  for (const auto& [name, f] : s.families) {
    for (const Sample& sample : f.samples) {
      for (const auto& [label, value] : sample.labels) {
        EXPECT_FALSE(std::regex_search(value, personal)) << name << "{" << label << "=" << value << "}";
      }
    }
  }
}

TEST_F(MetricsTest, NeedsAClientCertificateByDefault) {
  Start();
  HttpResult anonymous = Get("/metrics", "");
  EXPECT_EQ(anonymous.status, 0);   // the TLS handshake is refused
  EXPECT_NE(anonymous.error, "");
  HttpResult rogue = Get("/metrics", "rogue");
  EXPECT_EQ(rogue.status, 0);
  EXPECT_EQ(Get("/metrics", "pho-33").status, 200);   // every role may read
}

TEST_F(MetricsTest, WithoutClientCertServesOnlyMetricsToClientsWithoutOne) {
  Start(/*without_cert=*/true);
  HttpResult anonymous = Get("/metrics", "");
  EXPECT_EQ(anonymous.status, 200) << anonymous.error;
  EXPECT_EQ(CheckFormat(ParseExposition(anonymous.body)), "");
  HttpResult other = Get("/v1/checkpoint", "");
  EXPECT_EQ(other.status, 403) << other.error;
  EXPECT_NE(other.body.find("NO_CERTIFICATE"), std::string::npos) << other.body;
  EXPECT_EQ(Get("/healthz", "").status, 403);
  // A certificate that is sent must still verify; a good one reads everything.
  EXPECT_EQ(Get("/metrics", "rogue").status, 0);
  EXPECT_EQ(Get("/v1/checkpoint").status, 200);
  EXPECT_EQ(Get("/metrics").status, 200);
  // The ledger protocol still requires a certificate.
  net::ClientOptions o = f_.ClientFor("inspector");
  o.tls.cert.clear();
  o.tls.key.clear();
  EXPECT_FALSE(net::Client::Connect(o).ok());
}

TEST_F(MetricsTest, ServedWhileTheQueryPoolIsFull) {
  Start(/*without_cert=*/false, /*max_queued_queries=*/2);
  {
    std::lock_guard lock(mu_);
    hold_reports_ = true;
  }
  // Two reports hold the pool (2 queries at most): a third query is refused.
  auto a = f_.Connect("inspector");
  auto b = f_.Connect("mirror");
  ASSERT_TRUE(a && b);
  std::thread ta([&] { (void)a->Report("province"); });
  std::thread tb([&] { (void)b->Report("province"); });
  Scrape full;
  for (int i = 0; i < 200; ++i) {
    full = Metrics();
    if (full.Value("ledger_query_queue") == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(full.Value("ledger_query_queue"), 2);
  EXPECT_EQ(full.Value("ledger_query_queue_running"), 2);
  EXPECT_EQ(full.Value("ledger_query_queue_capacity"), 2);
  EXPECT_EQ(Get("/v1/report?by=province").status, 503);
  {
    std::lock_guard lock(mu_);
    hold_reports_ = false;
  }
  cv_.notify_all();
  ta.join();
  tb.join();
  Scrape s = Metrics();
  EXPECT_EQ(s.Value("ledger_query_queue"), 0);
  EXPECT_EQ(s.Value("ledger_http_requests_total", {{"code", "503"}}), 1);
}

TEST_F(MetricsTest, AStoreFullPauseShowsAsPausedWithItsErrorAndRejections) {
  // Reopened with a free-space floor no disk has: every append is refused
  // with STORE_FULL, and appends are paused.
  f_.ledger.reset();
  LedgerOptions full;
  full.min_free_bytes = uint64_t{1} << 62;
  auto reopened = f_.world.Open(f_.dir.Sub("store"), full);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  f_.ledger = std::move(*reopened);
  Start();
  EXPECT_EQ(Metrics().Value("ledger_appends_paused"), 0);
  net::ClientOptions once = f_.ClientFor("pho-33");
  once.max_attempts = 1;   // STORE_FULL is retryable: the client would send again after 1 s
  auto agency = net::Client::Connect(once);
  ASSERT_TRUE(agency.ok()) << agency.status().ToString();
  for (int i = 1; i <= 2; ++i) {
    auto r = (*agency)->Append({f_.world.Visit(i)});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status().reason(), "STORE_FULL");
  }
  Scrape s = Metrics();
  EXPECT_EQ(s.Value("ledger_appends_paused"), 1);
  EXPECT_EQ(s.Value("ledger_appends_stopped"), 0);
  EXPECT_EQ(s.Value("ledger_store_errors_total", {{"reason", "STORE_FULL"}}), 1);   // one pause
  EXPECT_EQ(s.Value("ledger_store_errors_total", {{"reason", "STORE_IO"}}), 0);
  EXPECT_EQ(s.Value("ledger_append_rejections_total", {{"reason", "STORE_FULL"}}), 2);   // two events
  EXPECT_EQ(s.Value("ledger_appends_total"), 0);
}

// ---------------------------------------------------------------- ledgerd itself

TEST(LedgerdMetricsTest, HelpNamesTheFlagAndDevInsecureServesMetrics) {
  testing::CommandResult help = testing::RunCommand({testing::kLedgerdPath, "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--metrics-without-client-cert"), std::string::npos) << help.out;

  NetFixture f;
  const std::string store = f.HandStoreToProcess();
  testing::LedgerdProcess d;
  d.Start({"--data", store, "--listen", "127.0.0.1:0", "--dev-insecure", "--http", "127.0.0.1:0"},
          f.dir.Sub("ledgerd.log"));
  auto line = d.ReadLine();
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  ASSERT_EQ(line->rfind("http api on 127.0.0.1:", 0), 0u) << *line;
  const auto port = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  HttpResult r = testing::PlainGet(port, "/metrics");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  Scrape s = ParseExposition(r.body);
  EXPECT_EQ(CheckFormat(s), "") << r.body;
  EXPECT_GT(s.Value("ledger_tree_size"), 0);
  HttpResult head = testing::PlainGet(port, "/metrics", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  d.Signal(SIGTERM);
  EXPECT_EQ(d.Wait(), 0);
}

}  // namespace
}  // namespace ledger
