#include "http_api.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <map>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/event_json.h"
#include "ledger/heads.h"
#include "ledger/merkle.h"
#include "ledger/reasons.h"
#include "ledger/utf8.h"
#include "history_page.h"
#include "server_metrics.h"

namespace ledger::net {
namespace {

using nlohmann::json;

// Every reply is dumped with invalid UTF-8 replaced (U+FFFD), never thrown
// on: texts from the store are checked on append, but a message may quote
// what a request sent.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

HttpReply Json(const json& j) { return HttpReply{200, "application/json", Dump(j)}; }
HttpReply JsonText(std::string text) {
  if (text.empty() || text.back() != '\n') text.push_back('\n');
  return HttpReply{200, "application/json", std::move(text)};
}

json HashesJson(const std::vector<Hash>& path) {
  json j = json::array();
  for (const Hash& h : path) j.push_back(ToHex(h));
  return j;
}

StatusOr<uint64_t> ParseNumber(std::string_view text, std::string_view what) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgumentError(fmt::format("{}: '{}' is not a non-negative integer", what, text), reason::kBadNumber);
  }
  return v;
}

// Splits "a/b?x=1&y=2" into path segments and query parameters. Values are
// taken verbatim (codes and numbers need no escaping); '%' is refused, and
// so is a target that is not valid UTF-8 (400 BAD_TARGET).
struct Target {
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
};

StatusOr<Target> ParseTarget(std::string_view target) {
  Target t;
  if (size_t bad = FirstInvalidUtf8(target); bad != target.size()) {
    return InvalidArgumentError(fmt::format("the target is not valid UTF-8 (at byte {})", bad), reason::kBadTarget);
  }
  if (target.find('%') != std::string_view::npos) {
    return InvalidArgumentError("percent-encoded targets are not accepted", reason::kBadTarget);
  }
  const size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (path.empty() || path[0] != '/') return InvalidArgumentError("the target must start with '/'", reason::kBadTarget);
  for (size_t i = 1; i <= path.size();) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) t.segments.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  if (q != std::string_view::npos) {
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
      size_t amp = rest.find('&');
      std::string_view pair = rest.substr(0, amp);
      size_t eq = pair.find('=');
      std::string key(pair.substr(0, eq));
      if (!key.empty()) t.query[key] = eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
      if (amp == std::string_view::npos) break;
      rest.remove_prefix(amp + 1);
    }
  }
  return t;
}

class Router {
 public:
  Router(ServerContext& ctx, const Target& t) : ctx_(ctx), t_(t) {}

  StatusOr<HttpReply> Route() {
    const auto& s = t_.segments;
    if (s.size() == 1 && s[0] == "healthz") return Json({{"ok", true}, {"size", ctx_.ledger.Size()}});
    if (s.size() == 1 && s[0] == "metrics") return HttpReply{200, kMetricsContentType, MetricsText(ctx_)};
    if (s.empty() || s[0] != "v1") return NotFound();
    if (s.size() == 2 && s[1] == "checkpoint") {
      ASSIGN_OR_RETURN(auto latest, ctx_.handler.LatestCheckpoint());
      return HttpReply{200, "text/plain; charset=utf-8", latest.note};
    }
    if (s.size() == 3 && s[1] == "events") return Event(s[2]);
    if (s.size() == 4 && s[1] == "events" && s[3] == "proof") {
      return Timed(ctx_.metrics.inclusion_duration, [&] { return Proof(s[2]); });
    }
    if (s.size() == 2 && s[1] == "consistency") {
      return Timed(ctx_.metrics.consistency_duration, [&] { return Consistency(); });
    }
    if (s.size() == 3 && s[1] == "households") {
      ASSIGN_OR_RETURN(std::string status, ctx_.projections.HouseholdJson(s[2]));
      return JsonText(std::move(status));
    }
    if (s.size() == 4 && s[1] == "households" && s[3] == "history") return History(s[2]);
    if (s.size() == 4 && s[1] == "heads" && s[2] == "household") {
      return Timed(ctx_.metrics.household_duration, [&] { return Heads(s[2], s[3]); });
    }
    if (s.size() == 4 && s[1] == "heads") return Heads(s[2], s[3]);
    if (s.size() == 2 && s[1] == "report") {
      ASSIGN_OR_RETURN(std::string report, ctx_.projections.ReportJson(Param("by", "province"), Param("area", "")));
      return JsonText(std::move(report));
    }
    return NotFound();
  }

 private:
  // A proof route's reply, its time observed in `h` (server_metrics.h).
  template <class F>
  static StatusOr<HttpReply> Timed(DurationHistogram& h, F route) {
    const auto started = std::chrono::steady_clock::now();
    StatusOr<HttpReply> reply = route();
    h.ObserveSince(started);
    return reply;
  }

  static Status NotFound() { return NotFoundError("no such route; see docs/protocol.md \"HTTP API\"", reason::kNoRoute); }

  std::string Param(const std::string& name, const std::string& fallback) const {
    auto it = t_.query.find(name);
    return it == t_.query.end() ? fallback : it->second;
  }

  // The checkpoint at the tree size named by query parameter `name`, or the
  // latest one when it is absent.
  StatusOr<RequestHandler::Latest> CheckpointParam(const std::string& name) {
    if (!t_.query.count(name)) return ctx_.handler.LatestCheckpoint();
    RequestHandler::Latest at;
    ASSIGN_OR_RETURN(at.size, ParseNumber(Param(name, ""), name));
    ASSIGN_OR_RETURN(at.note, ctx_.handler.CheckpointAt(at.size));
    return at;
  }

  // A seq, or a 64-hex-digit leaf hash.
  StatusOr<uint64_t> SeqOf(const std::string& id) {
    if (id.size() == 64) {
      ASSIGN_OR_RETURN(Hash h, HashFromHex(id));
      return ctx_.leaf_index.Find(h);
    }
    return ParseNumber(id, "event");
  }

  StatusOr<HttpReply> Event(const std::string& id) {
    ASSIGN_OR_RETURN(uint64_t seq, SeqOf(id));
    if (seq >= ctx_.ledger.Size()) {
      return NotFoundError(fmt::format("no event {} (the log has {})", seq, ctx_.ledger.Size()), reason::kNoSuchEvent);
    }
    ASSIGN_OR_RETURN(std::string leaf, ctx_.ledger.LeafBytes(seq));
    ASSIGN_OR_RETURN(json j, EventToJson(leaf));
    return Json(j);
  }

  StatusOr<HttpReply> Proof(const std::string& id) {
    ASSIGN_OR_RETURN(uint64_t seq, SeqOf(id));
    ASSIGN_OR_RETURN(auto at, CheckpointParam("size"));
    const uint64_t size = at.size;
    std::string& note = at.note;
    if (seq >= size) {
      return OutOfRangeError(fmt::format("event {} is not in a tree of size {}", seq, size), "OUT_OF_RANGE");
    }
    ASSIGN_OR_RETURN(auto path, ctx_.ledger.InclusionProof(seq, size));
    ASSIGN_OR_RETURN(Hash leaf_hash, ctx_.ledger.LeafHash(seq));
    return Json({{"seq", seq},
                 {"tree_size", size},
                 {"leaf_hash", ToHex(leaf_hash)},
                 {"path", HashesJson(path)},
                 {"checkpoint", note}});
  }

  StatusOr<HttpReply> Consistency() {
    ASSIGN_OR_RETURN(uint64_t old_size, ParseNumber(Param("old", ""), "old"));
    ASSIGN_OR_RETURN(auto at, CheckpointParam("new"));
    const uint64_t new_size = at.size;
    std::string& note = at.note;
    ASSIGN_OR_RETURN(auto path, ctx_.ledger.ConsistencyProof(old_size, new_size));
    json j = {{"old_size", old_size}, {"new_size", new_size}, {"path", HashesJson(path)}, {"checkpoint", note}};
    if (auto old_note = ctx_.handler.CheckpointAt(old_size); old_note.ok()) j["old_checkpoint"] = *old_note;
    return Json(j);
  }

  // A page of the household's events (docs/protocol.md §3.2):
  // ?from=SEQ&limit=N; the body is the array of events, and when more
  // follow, X-Next-From and a Link rel="next" header say where.
  StatusOr<HttpReply> History(const std::string& household) {
    ASSIGN_OR_RETURN(auto seqs, ctx_.ledger.HouseholdSeqs(household));
    if (seqs.empty()) {
      return NotFoundError(fmt::format("household {} has no events", household), reason::kUnknownHousehold);
    }
    uint64_t from = 0, limit = 0;
    if (t_.query.count("from")) {
      ASSIGN_OR_RETURN(from, ParseNumber(Param("from", ""), "from"));
    }
    if (t_.query.count("limit")) {
      ASSIGN_OR_RETURN(limit, ParseNumber(Param("limit", ""), "limit"));
    }
    const ServerOptions& o = ctx_.options;
    ASSIGN_OR_RETURN(HistoryPage page,
                     ReadHistoryPage(ctx_.ledger, seqs, from, limit, {o.history_page_events, o.history_page_bytes}));
    json events = json::array();
    for (const std::string& leaf : page.leaves) {
      ASSIGN_OR_RETURN(json e, EventToJson(leaf));
      events.push_back(std::move(e));
    }
    HttpReply reply = Json(events);
    if (page.next_seq != 0) {
      const std::string next = std::to_string(page.next_seq);
      reply.headers.push_back({"X-Next-From", next});
      std::string link = fmt::format("</v1/households/{}/history?from={}", household, next);
      if (limit != 0) link += fmt::format("&limit={}", limit);
      reply.headers.push_back({"Link", link + ">; rel=\"next\""});
    }
    return reply;
  }

  // GET /v1/heads/{household|officer|agency}/ID: what the log commits to
  // about the entity (docs/formats.md §7.6), for heads::CommittedHead: its
  // head, or with "head": null the proof of its absence.
  StatusOr<HttpReply> Heads(const std::string& kind, const std::string& id) {
    heads::EntityId entity;
    entity.id = id;
    if (kind == "household") {
      entity.kind = heads::EntityKind::kHousehold;
    } else if (kind == "officer") {
      entity.kind = heads::EntityKind::kOfficer;
    } else if (kind == "agency") {
      entity.kind = heads::EntityKind::kAgency;
    } else {
      return InvalidArgumentError(fmt::format("heads: kind '{}' is not household, officer or agency", kind),
                                  reason::kBadRequest);
    }
    ASSIGN_OR_RETURN(Ledger::HeadEvidence ev, ctx_.ledger.ProveHead(entity));
    json j = {{"kind", kind},
              {"id", id},
              {"tree_size", ev.tree_size},
              {"root_leaf", ToBase64(ev.root_leaf)},
              {"map_proof", ToHex(ev.map_proof)},
              {"head", ev.head.empty() ? json(nullptr) : json(ToHex(ev.head))}};
    if (ev.tree_size > 0) {
      ASSIGN_OR_RETURN(auto path, ctx_.ledger.InclusionProof(ev.tree_size - 1, ev.tree_size));
      ASSIGN_OR_RETURN(std::string note, ctx_.handler.CheckpointAt(ev.tree_size));
      j["root_leaf_proof"] = {{"seq", ev.tree_size - 1},
                              {"tree_size", ev.tree_size},
                              {"leaf_hash", ToHex(merkle::HashLeaf(AsBytes(ev.root_leaf)))},
                              {"path", HashesJson(path)},
                              {"checkpoint", note}};
    }
    return Json(j);
  }

  ServerContext& ctx_;
  const Target& t_;
};

}  // namespace

unsigned HttpStatusOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kFailedPrecondition:
      return 400;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kResourceExhausted:
      return 413;
    case StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

HttpReply HttpError(const Status& s) {
  json j = {{"error", {{"code", std::string(StatusCodeName(s.code()))}, {"reason", s.reason()}, {"message", s.message()}}}};
  return HttpReply{HttpStatusOf(s), "application/json", Dump(j)};
}

bool HttpRoutes::Inline(std::string_view target) {
  return target.substr(0, target.find('?')) == "/metrics";
}

HttpReply HttpRoutes::Get(std::string_view target) const {
  try {
    auto t = ParseTarget(target);
    if (!t.ok()) return HttpError(t.status());
    Router router(ctx_, *t);
    auto reply = router.Route();
    return reply.ok() ? std::move(*reply) : HttpError(reply.status());
  } catch (...) {
    // std::exception, kj::Exception (a Cap'n Proto reader) or anything else: a 500.
    return HttpError(ExceptionStatus(std::current_exception(), "internal error"));
  }
}

}  // namespace ledger::net
