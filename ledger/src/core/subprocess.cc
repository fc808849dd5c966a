#include "ledger/subprocess.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>

extern char** environ;

namespace ledger {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

int ExitCode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status); }

// An unlinked temporary file for a Capture() redirect: -1 or the fd.
int CaptureFile() {
  std::error_code ec;
  std::string path = (std::filesystem::temp_directory_path(ec) / "ledger-capture-XXXXXX").string();
  int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd >= 0) ::unlink(path.c_str());
  return fd;
}

std::string ReadAll(int fd) {
  std::string out;
  if (fd < 0) return out;
  char buf[65536];
  for (off_t at = 0;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
  return out;
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// The file actions for `r` on `target` (0, 1 or 2). `parent_fd` is set to
// the parent's end of a pipe or capture file, `child_fd` to the pipe's write
// end, which the parent closes after the spawn. 0 or an errno.
int AddRedirect(posix_spawn_file_actions_t* actions, const Redirect& r, int target, int* parent_fd,
                int* child_fd) {
  switch (r.kind) {
    case Redirect::Kind::kInherit:
      return 0;
    case Redirect::Kind::kNull:
      return posix_spawn_file_actions_addopen(actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0);
    case Redirect::Kind::kFile:
      return posix_spawn_file_actions_addopen(actions, target, r.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, r.mode);
    case Redirect::Kind::kAppend:
      return posix_spawn_file_actions_addopen(actions, target, r.path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                              r.mode);
    case Redirect::Kind::kPipe: {
      if (target != 1) return EINVAL;
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) return errno;
      *parent_fd = fds[0];
      *child_fd = fds[1];
      return posix_spawn_file_actions_adddup2(actions, fds[1], target);
    }
    case Redirect::Kind::kCapture: {
      if (target == 0) return EINVAL;
      *parent_fd = CaptureFile();
      if (*parent_fd < 0) return errno;
      return posix_spawn_file_actions_adddup2(actions, *parent_fd, target);
    }
  }
  return EINVAL;
}

}  // namespace

StatusOr<Subprocess> Subprocess::Start(const SubprocessOptions& options) {
  if (options.argv.empty()) return InvalidArgumentError("no program to run");
  const std::string& program = options.argv[0];
  Subprocess p;
  int pipe_write = -1;
  int unused = -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int* out_fd = options.out.kind == Redirect::Kind::kPipe ? &p.pipe_ : &p.capture_out_;
  int rc = AddRedirect(&actions, options.in, 0, &unused, &unused);
  if (rc == 0) rc = AddRedirect(&actions, options.out, 1, out_fd, &pipe_write);
  if (rc == 0) rc = AddRedirect(&actions, options.err, 2, &p.capture_err_, &unused);
  if (rc == 0) {
    std::vector<char*> argv, envp;
    for (const std::string& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (options.env) {
      for (const std::string& e : *options.env) envp.push_back(const_cast<char*>(e.c_str()));
      envp.push_back(nullptr);
    }
    rc = posix_spawn(&p.pid_, program.c_str(), &actions, nullptr, argv.data(), options.env ? envp.data() : environ);
    if (rc != 0) p.pid_ = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  CloseFd(pipe_write);
  if (rc != 0) return UnavailableError(fmt::format("cannot run {}: {}", program, std::strerror(rc)));
  return p;
}

Subprocess::Subprocess(Subprocess&& other) noexcept { *this = std::move(other); }

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this != &other) {
    Close();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = other.exit_code_;
    pipe_ = std::exchange(other.pipe_, -1);
    capture_out_ = std::exchange(other.capture_out_, -1);
    capture_err_ = std::exchange(other.capture_err_, -1);
    pending_ = std::move(other.pending_);
  }
  return *this;
}

Subprocess::~Subprocess() { Close(); }

void Subprocess::Close() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
  CloseFd(pipe_);
  CloseFd(capture_out_);
  CloseFd(capture_err_);
}

StatusOr<std::string> Subprocess::ReadLine(milliseconds timeout) {
  if (pipe_ < 0) return FailedPreconditionError("the child's stdout is not a pipe");
  const auto deadline = steady_clock::now() + timeout;
  size_t nl;
  while ((nl = pending_.find('\n')) == std::string::npos) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()).count();
    pollfd pfd{pipe_, POLLIN, 0};
    int ready = left > 0 ? ::poll(&pfd, 1, static_cast<int>(left)) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return UnavailableError(fmt::format("no line on stdout within {} ms", timeout.count()));
    char buf[4096];
    ssize_t n = ::read(pipe_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return UnavailableError("stdout closed before a whole line (the child exited)");
    pending_.append(buf, static_cast<size_t>(n));
  }
  std::string line = pending_.substr(0, nl);
  pending_.erase(0, nl + 1);
  return line;
}

void Subprocess::Signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

int Subprocess::Wait() {
  if (pid_ <= 0) return exit_code_;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) {
      pid_ = -1;
      return exit_code_ = -1;
    }
  }
  pid_ = -1;
  return exit_code_ = ExitCode(status);
}

std::optional<int> Subprocess::WaitFor(milliseconds timeout) {
  if (pid_ <= 0) return exit_code_;
  const auto deadline = steady_clock::now() + timeout;
  milliseconds nap(1);
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return exit_code_ = ExitCode(status);
    }
    if (r < 0 && errno != EINTR) {
      pid_ = -1;
      return exit_code_ = -1;
    }
    const auto now = steady_clock::now();
    if (now >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::min<milliseconds>(nap, std::chrono::duration_cast<milliseconds>(deadline - now)));
    nap = std::min(nap * 2, milliseconds(50));
  }
}

std::string Subprocess::CapturedOut() const { return ReadAll(capture_out_); }
std::string Subprocess::CapturedErr() const { return ReadAll(capture_err_); }

StatusOr<SubprocessResult> RunSubprocess(const SubprocessOptions& options, milliseconds timeout) {
  ASSIGN_OR_RETURN(Subprocess p, Subprocess::Start(options));
  SubprocessResult r;
  if (timeout > milliseconds::zero()) {
    std::optional<int> code = p.WaitFor(timeout);
    if (!code) {
      r.timed_out = true;
      p.Signal(SIGKILL);
    }
  }
  r.exit_code = p.Wait();
  r.out = p.CapturedOut();
  r.err = p.CapturedErr();
  return r;
}

}  // namespace ledger
