// `ledger household` and `ledger history` for people: a household's status
// in a few lines and its verified history as a timeline, one event per
// line, dates in the Common or Buddhist Era (issue 10, "Output for people").
// --json keeps the machine-readable objects (query.cc).
#include "timeline.h"

#include <fmt/format.h>

#include <set>

#include "ledger/event.h"
#include "ledger/event_json.h"
#include "ledger/event_names_th.h"

namespace ledger::cli {
namespace {

// Envelope keys of the export object that the timeline's columns show, or
// that say nothing to a reader (hashes, signatures, server fields).
const std::set<std::string> kNotDetails = {
    "seq",          "kind",          "household",          "agency",           "officer",
    "occurred_at",  "occurred_time", "recorded_at",        "recorded_at_ns",   "leaf_hash",
    "prev_hash",    "household_prev_seq", "household_prev_hash", "idempotency_key", "signature",
    "heads_root",
};

std::string Baht(int64_t satang) {
  const int64_t whole = satang / 100, part = (satang < 0 ? -satang : satang) % 100;
  std::string digits = std::to_string(whole < 0 ? -whole : whole), grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return fmt::format("{}{}.{:02d} baht", satang < 0 ? "-" : "", grouped, part);
}

std::string Scalar(const std::string& key, const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (key.ends_with("satang") && v.is_number_integer()) return Baht(v.get<int64_t>());
  if (v.is_array()) {
    std::vector<std::string> items;
    for (const auto& x : v) items.push_back(x.is_string() ? x.get<std::string>() : x.dump());
    return fmt::format("{}", fmt::join(items, ", "));
  }
  return v.dump();
}

// "menu_item H-01, quantity 1, unit set, value 1,500.00 baht": the payload's
// fields in their order, empty ones left out, at most `width` characters.
std::string Details(const nlohmann::json& event, size_t width) {
  std::vector<std::string> parts;
  for (auto it = event.begin(); it != event.end(); ++it) {
    if (kNotDetails.count(it.key()) || it->is_null() || (it->is_string() && it->get<std::string>().empty())) continue;
    if (it->is_object()) continue;
    std::string key = it.key();
    if (key.ends_with("_satang")) key = key.substr(0, key.size() - 7);
    std::replace(key.begin(), key.end(), '_', ' ');
    parts.push_back(fmt::format("{} {}", key, Scalar(it.key(), *it)));
  }
  std::string text = fmt::format("{}", fmt::join(parts, ", "));
  if (text.size() > width) {
    // Cut on a UTF-8 character boundary.
    size_t cut = width - 3;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut) + "...";
  }
  return text;
}

std::string YesNo(const nlohmann::json& status, const char* key) {
  auto it = status.find(key);
  if (it == status.end() || it->is_null()) return "no";
  if (it->is_boolean()) return it->get<bool>() ? "yes" : "no";
  if (it->is_array()) return it->empty() ? "no" : fmt::format("yes ({})", it->size());
  return "yes";
}

}  // namespace

std::string StatusSummary(const nlohmann::json& s, Calendar calendar) {
  if (!s.is_object() || s.empty()) return "  not targeted (no status)\n";
  std::string out;
  auto text = [&](const char* key) { return s.contains(key) && s[key].is_string() ? s[key].get<std::string>() : ""; };
  out += fmt::format("  area        province {}, district {}, sub-district {}{}\n", text("province"), text("district"),
                     text("subdistrict"), text("village").empty() ? "" : ", village " + text("village"));
  std::string level = text("level");
  if (level.empty()) level = "not assessed";
  out += fmt::format("  level       {}\n", level);
  out += fmt::format("  mentor      {}    plan: {}    exited: {}\n", YesNo(s, "mentors"), YesNo(s, "plan"),
                     s.value("exited", false) ? "yes (" + text("exit_reason") + ")" : "no");
  if (s.contains("help_total") && s["help_total"].is_object()) {
    const auto& t = s["help_total"];
    out += fmt::format("  help        {} times, {}\n", t.value("count", 0), Baht(t.value("value_satang", int64_t{0})));
  }
  if (s.contains("failing") && s["failing"].is_array() && !s["failing"].empty()) {
    out += fmt::format("  failing     indicators {}\n", Scalar("failing", s["failing"]));
  }
  if (s.contains("last_visit") && s["last_visit"].is_string()) {
    auto d = ParseDate(s["last_visit"].get<std::string>(), Calendar::kCe);
    out += fmt::format("  last visit  {}\n", d.ok() ? FormatDate(*d, calendar) : s["last_visit"].get<std::string>());
  }
  return out;
}

// Pads `text` to `width` columns as a terminal shows it: Thai vowel and tone
// marks above and below take no column of their own.
std::string Pad(std::string_view text, size_t width) {
  size_t columns = 0;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    bool combining = false;
    if (len == 3 && i + 2 < text.size() && c == 0xE0 && static_cast<unsigned char>(text[i + 1]) == 0xB8) {
      const auto b = static_cast<unsigned char>(text[i + 2]);
      combining = b == 0xB1 || (b >= 0xB4 && b <= 0xBA);   // U+0E31, U+0E34..U+0E3A
    } else if (len == 3 && i + 2 < text.size() && c == 0xE0 && static_cast<unsigned char>(text[i + 1]) == 0xB9) {
      const auto b = static_cast<unsigned char>(text[i + 2]);
      combining = b >= 0x87 && b <= 0x8E;   // U+0E47..U+0E4E
    }
    columns += combining ? 0 : 1;
    i += len;
  }
  return std::string(text) + std::string(columns < width ? width - columns : 0, ' ');
}

std::string Timeline(const std::vector<std::string>& leaves, Calendar calendar, bool thai) {
  std::string out = fmt::format(
      "  {:>8}  {}  {} {} {} {}\n", thai ? "ลำดับ" : "seq",
      Pad(thai ? (calendar == Calendar::kBe ? "วันที่ (พ.ศ.)" : "วันที่ (ค.ศ.)") : calendar == Calendar::kBe ? "date (BE)" : "date", 10),
      Pad(thai ? "เหตุการณ์" : "event", 24), Pad(thai ? "หน่วยงาน" : "agency", 10), Pad(thai ? "เจ้าหน้าที่" : "officer", 12),
      thai ? "รายละเอียด" : "details");
  for (const std::string& leaf : leaves) {
    auto e = DecodeEvent(leaf);
    if (!e.ok()) {
      out += "  (undecodable event)\n";
      continue;
    }
    auto j = EventToJson(leaf);
    out += fmt::format("  {:>8}  {}  {} {} {} {}\n", e->seq, Pad(FormatDate(e->occurred, calendar), 10),
                       Pad(thai ? EventKindNameTh(e->kind) : EventKindName(e->kind), 24), Pad(e->agency, 10),
                       Pad(e->officer, 12), j.ok() ? Details(*j, 90) : "");
  }
  return out;
}

}  // namespace ledger::cli
