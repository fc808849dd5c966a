// RunSubprocess and Subprocess (ledger/subprocess.h): exit codes and
// signals, captured output, environment, redirects, timeouts, reading a
// server's first line, and a program that cannot be started.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>

#include "ledger/subprocess.h"
#include "support/run_command.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using namespace std::chrono_literals;
using testing::ReadWholeFile;
using testing::TempDir;

SubprocessOptions Sh(const std::string& script) {
  return {.argv = {"/bin/sh", "-c", script}, .out = Redirect::Capture(), .err = Redirect::Capture()};
}

TEST(SubprocessTest, ExitCodeAndCapturedOutput) {
  auto r = RunSubprocess(Sh("echo out; echo err >&2; exit 3"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(SubprocessTest, LargeOutputDoesNotBlock) {
  auto r = RunSubprocess(Sh("head -c 3000000 /dev/zero"), 60s);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out.size(), 3000000u);
}

TEST(SubprocessTest, StdinIsDevNullByDefault) {
  auto r = RunSubprocess(Sh("cat; echo done"), 60s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "done\n");
}

TEST(SubprocessTest, EnvironmentReplacedOrInherited) {
  SubprocessOptions o = Sh("echo \"[$LEDGER_SUBPROCESS_TEST]\"");
  o.env = std::vector<std::string>{"LEDGER_SUBPROCESS_TEST=given"};
  auto r = RunSubprocess(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "[given]\n");
  ::setenv("LEDGER_SUBPROCESS_TEST", "inherited", 1);
  r = RunSubprocess(Sh("echo \"[$LEDGER_SUBPROCESS_TEST]\""));
  ::unsetenv("LEDGER_SUBPROCESS_TEST");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "[inherited]\n");
}

TEST(SubprocessTest, FileAndAppendRedirects) {
  TempDir dir;
  const std::string out = dir.Sub("out.txt"), log = dir.Sub("log.txt");
  std::ofstream(out) << "old content that is longer\n";
  for (int i = 0; i < 2; ++i) {
    auto r = RunSubprocess({.argv = {"/bin/sh", "-c", "echo new; echo line >&2"},
                            .out = Redirect::File(out, 0644),
                            .err = Redirect::Append(log)});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->exit_code, 0);
  }
  EXPECT_EQ(ReadWholeFile(out), "new\n");
  EXPECT_EQ(ReadWholeFile(log), "line\nline\n");
}

TEST(SubprocessTest, TimeoutKills) {
  const auto start = std::chrono::steady_clock::now();
  auto r = RunSubprocess(Sh("echo started; exec sleep 30"), 200ms);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit_code, -SIGKILL);
  EXPECT_EQ(r->out, "started\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(SubprocessTest, ReadLineSignalAndWait) {
  auto p = Subprocess::Start({.argv = {"/bin/sh", "-c", "echo listening on here; echo second; exec sleep 30"},
                              .out = Redirect::Pipe()});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  auto line = p->ReadLine(20s);
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_EQ(*line, "listening on here");
  line = p->ReadLine(20s);
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(*line, "second");
  line = p->ReadLine(100ms);  // nothing more: sleeping
  EXPECT_EQ(line.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(p->WaitFor(10ms).has_value());
  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(), -SIGTERM);
  EXPECT_EQ(p->pid(), -1);
}

TEST(SubprocessTest, ReadLineReportsAnExit) {
  auto p = Subprocess::Start({.argv = {"/bin/sh", "-c", "echo -n partial; exit 1"}, .out = Redirect::Pipe()});
  ASSERT_TRUE(p.ok());
  auto line = p->ReadLine(20s);
  EXPECT_EQ(line.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(line.status().message().find("exited"), std::string::npos) << line.status().message();
  EXPECT_EQ(p->Wait(), 1);
}

TEST(SubprocessTest, DestructorKillsARunningChild) {
  pid_t pid = -1;
  {
    auto p = Subprocess::Start({.argv = {"/bin/sleep", "30"}});
    ASSERT_TRUE(p.ok());
    pid = p->pid();
    ASSERT_GT(pid, 0);
  }
  EXPECT_EQ(::kill(pid, 0), -1);  // killed and reaped: no such process
}

TEST(SubprocessTest, MissingProgramIsAnError) {
  auto r = RunSubprocess({.argv = {"/no/such/program"}});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("/no/such/program"), std::string::npos) << r.status().message();
  auto bad = RunSubprocess({.argv = {"/bin/true"}, .out = Redirect::File("/no/such/dir/out")});
  EXPECT_EQ(bad.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ledger
