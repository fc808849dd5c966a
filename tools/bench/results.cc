#include "results.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ledger::bench {
namespace {

std::string Num(double v) {
  if (v >= 100) {
    // Thousands separators for rates.
    std::string digits = fmt::format("{:.0f}", v);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
      out.push_back(digits[i]);
    }
    return out;
  }
  return fmt::format("{:.1f}", v);
}

bool Met(const LimitSpec& l, double v) { return (l.max <= 0 || v < l.max) && (l.min <= 0 || v >= l.min); }

}  // namespace

double Results::Median(const std::string& key) const {
  auto it = samples_.find(key);
  if (it == samples_.end() || it->second.empty()) return 0;
  std::vector<double> v = it->second;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

size_t Results::Samples(const std::string& key) const {
  auto it = samples_.find(key);
  return it == samples_.end() ? 0 : it->second.size();
}

void Results::Print(std::ostream& out, bool json) const {
  if (json) {
    nlohmann::json j;
    j["figures"] = nlohmann::json::object();
    for (const auto& [key, v] : samples_) j["figures"][key] = {{"median", Median(key)}, {"samples", v}};
    j["ratios"] = nlohmann::json::array();
    for (const auto& r : ratios_) {
      if (!Has(r.figure) || !Has(r.baseline)) continue;
      double ratio = Median(r.figure) / Median(r.baseline);
      nlohmann::json e = {{"label", r.label},       {"figure", r.figure},
                          {"value", Median(r.figure)}, {"baseline", r.baseline},
                          {"baseline_value", Median(r.baseline)}, {"unit", r.unit},
                          {"ratio", ratio}};
      if (r.goal > 0) {
        e["goal"] = r.goal;
        e["met"] = ratio >= r.goal;
      }
      if (r.stretch > 0) e["stretch"] = r.stretch;
      j["ratios"].push_back(e);
    }
    j["limits"] = nlohmann::json::array();
    for (const auto& l : limits_) {
      if (!Has(l.figure)) continue;
      nlohmann::json e = {{"label", l.label}, {"figure", l.figure}, {"value", Median(l.figure)}, {"unit", l.unit}};
      if (l.max > 0 || l.min > 0) e["met"] = Met(l, Median(l.figure));
      if (l.max > 0) e["max"] = l.max;
      if (l.min > 0) e["min"] = l.min;
      j["limits"].push_back(e);
    }
    j["notes"] = notes_;
    out << j.dump(2) << "\n";
    return;
  }

  out << "\n== ledger-bench summary (median of the repetitions; baselines measured in this run) ==\n";
  for (const auto& r : ratios_) {
    if (!Has(r.figure) || !Has(r.baseline)) continue;
    double ratio = Median(r.figure) / Median(r.baseline);
    out << fmt::format("{:<48} {:>12} {} vs {:>12} {} ({}) = {:.2f}x", r.label, Num(Median(r.figure)), r.unit,
                       Num(Median(r.baseline)), r.unit, r.baseline, ratio);
    if (r.goal > 0) {
      out << fmt::format("  goal >= {:.2f}x", r.goal);
      if (r.stretch > 0) out << fmt::format(" (stretch {:.2f}x)", r.stretch);
      out << (ratio >= r.goal ? ": met" : ": MISSED");
    }
    out << "\n";
  }
  for (const auto& l : limits_) {
    if (!Has(l.figure)) continue;
    double v = Median(l.figure);
    out << fmt::format("{:<48} {:>12} {}", l.label, Num(v), l.unit);
    if (l.max > 0) out << fmt::format("  goal < {} {}", Num(l.max), l.unit);
    if (l.min > 0) out << fmt::format("  goal >= {} {}", Num(l.min), l.unit);
    if (l.max > 0 || l.min > 0) out << (Met(l, v) ? ": met" : ": MISSED");
    out << "\n";
  }
  for (const auto& n : notes_) out << "note: " << n << "\n";
}

}  // namespace ledger::bench
