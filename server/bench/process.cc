#include "process.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ledger::bench {
namespace {

std::string Tail(const std::string& path, size_t bytes = 2000) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  std::string all = s.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

// User + system CPU seconds in a /proc/.../stat file, -1 when unreadable.
double StatCpuSeconds(const std::string& path) {
  std::ifstream f(path);
  std::string stat;
  if (!std::getline(f, stat)) return -1;
  // Fields after "(comm)": state is field 3, utime 14, stime 15.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

ProcMemory ReadMemory(pid_t pid) {
  ProcMemory m;
  std::ifstream f(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(f, line);) {
    auto value = [&] { return std::stoull(line.substr(line.find(':') + 1)); };   // "VmRSS:   1234 kB"
    if (line.rfind("VmRSS:", 0) == 0) m.rss_kb = value();
    if (line.rfind("VmHWM:", 0) == 0) m.hwm_kb = value();
    if (line.rfind("RssAnon:", 0) == 0) m.anon_kb = value();
  }
  return m;
}

double ProcessCpuSeconds(pid_t pid) { return StatCpuSeconds(fmt::format("/proc/{}/stat", pid)); }

std::map<pid_t, double> ThreadCpuSeconds(pid_t pid) {
  std::map<pid_t, double> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(fmt::format("/proc/{}/task", pid), ec)) {
    const double cpu = StatCpuSeconds(task.path().string() + "/stat");
    if (cpu >= 0) out[static_cast<pid_t>(std::stol(task.path().filename().string()))] = cpu;
  }
  return out;
}

std::string LoadAverage() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return fmt::format("{} {} {}", a, b, c);
}

StatusOr<std::unique_ptr<LedgerdProcess>> LedgerdProcess::Start(const std::string& ledgerd,
                                                                 const std::vector<std::string>& args,
                                                                 const std::string& log_path, int timeout_s) {
  std::vector<std::string> argv = {ledgerd};
  argv.insert(argv.end(), args.begin(), args.end());
  ASSIGN_OR_RETURN(Subprocess child,
                   Subprocess::Start({.argv = argv, .out = Redirect::Pipe(), .err = Redirect::Append(log_path)}));
  std::unique_ptr<LedgerdProcess> p(new LedgerdProcess(std::move(child)));
  auto line = p->child_.ReadLine(std::chrono::seconds(timeout_s));
  if (!line.ok()) {
    return UnavailableError(fmt::format("{} did not say 'listening on' ({}); its log ends:\n{}", ledgerd,
                                        line.status().message(), Tail(log_path)));
  }
  const std::string prefix = "listening on ";
  if (line->rfind(prefix, 0) != 0) return UnavailableError(fmt::format("{} said '{}'", ledgerd, *line));
  p->endpoint_ = line->substr(prefix.size());
  return p;
}

int LedgerdProcess::Stop() {
  if (child_.pid() <= 0) return 0;
  child_.Signal(SIGTERM);
  return child_.Wait();
}

}  // namespace ledger::bench
