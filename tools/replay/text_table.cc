#include "replay/text_table.h"

#include <fmt/format.h>

#include <algorithm>

#include "replay/moment.h"

namespace ledger::replay {
namespace {

bool IsCombining(uint32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || cp == 0x0E31 || (cp >= 0x0E34 && cp <= 0x0E3A) ||
         (cp >= 0x0E47 && cp <= 0x0E4E);
}

}  // namespace

size_t DisplayWidth(std::string_view s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    if (!IsCombining(cp)) ++width;
    i += n;
  }
  return width;
}

std::string TextTable::Render() const {
  std::vector<size_t> width(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) width[c] = DisplayWidth(columns_[c].header);
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], DisplayWidth(row[c]));
  }
  // The rule spans the columns, the last one (often long free text) only
  // as far as its header.
  size_t total = 0;
  for (size_t c = 0; c < width.size(); ++c) {
    total += c + 1 < width.size() || columns_[c].right ? width[c] : DisplayWidth(columns_[c].header);
  }
  total += width.empty() ? 0 : 2 * (width.size() - 1);

  std::string out;
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string text;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const std::string& cell = header ? columns_[c].header : c < cells.size() ? cells[c] : std::string();
      const std::string pad(width[c] - DisplayWidth(cell), ' ');
      if (c > 0) text += "  ";
      text += columns_[c].right ? pad + cell : cell + pad;
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out += text + "\n";
  };
  const std::string rule(total, '-');
  line({}, true);
  out += rule + "\n";
  for (const auto& row : rows_) {
    if (row.empty()) {
      out += rule + "\n";
    } else {
      line(row, false);
    }
  }
  return out;
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\r\n") == std::string::npos) {
      out += f;
      continue;
    }
    out.push_back('"');
    for (char ch : f) {
      if (ch == '"') out.push_back('"');
      out.push_back(ch);
    }
    out.push_back('"');
  }
  return out + "\r\n";
}

std::string Baht(int64_t satang, bool separators) {
  const bool negative = satang < 0;
  const uint64_t abs = negative ? uint64_t(0) - static_cast<uint64_t>(satang) : static_cast<uint64_t>(satang);
  return fmt::format("{}{}.{:02}", negative ? "-" : "", separators ? Thousands(abs / 100) : std::to_string(abs / 100),
                     abs % 100);
}

}  // namespace ledger::replay
