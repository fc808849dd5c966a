#include "process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

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
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return UnavailableError("pipe: " + std::string(strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  std::vector<std::string> all = {ledgerd};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return UnavailableError(fmt::format("cannot start {}: {}", ledgerd, strerror(rc)));
  }
  std::unique_ptr<LedgerdProcess> p(new LedgerdProcess(pid, fds[0]));
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (out.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd pfd{p->out_, POLLIN, 0};
    char buf[256];
    ssize_t n = 0;
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0 ||
        (n = ::read(p->out_, buf, sizeof buf)) <= 0) {
      return UnavailableError(fmt::format("{} did not say 'listening on' ({}); its log ends:\n{}", ledgerd,
                                          n < 0 || left.count() <= 0 ? "timeout" : "exited", Tail(log_path)));
    }
    out.append(buf, static_cast<size_t>(n));
  }
  out.resize(out.find('\n'));
  const std::string prefix = "listening on ";
  if (out.rfind(prefix, 0) != 0) return UnavailableError(fmt::format("{} said '{}'", ledgerd, out));
  p->endpoint_ = out.substr(prefix.size());
  return p;
}

int LedgerdProcess::Wait() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

int LedgerdProcess::Stop() {
  if (pid_ <= 0) return 0;
  ::kill(pid_, SIGTERM);
  return Wait();
}

LedgerdProcess::~LedgerdProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
  ::close(out_);
}

}  // namespace ledger::bench
