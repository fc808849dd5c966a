// Status and StatusOr: a StatusOr built from an OK status is an Internal
// error in every build (not a failed result whose status reads OK), and
// ExceptionStatus names the exception it was given.
#include <gtest/gtest.h>

#include <kj/exception.h>

#include <functional>
#include <new>
#include <stdexcept>
#include <string>

#include "ledger/reasons.h"
#include "ledger/status.h"

namespace ledger {
namespace {

StatusOr<int> ReturnsOk() { return OkStatus(); }   // the bug being guarded against

Status Forwards(int* out) {
  ASSIGN_OR_RETURN(*out, ReturnsOk());
  return OkStatus();
}

TEST(StatusTest, StatusOrFromAnOkStatusIsAnInternalError) {
  StatusOr<int> v = OkStatus();
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInternal);
  EXPECT_FALSE(v.status().ok());
  EXPECT_EQ(v.status().reason(), reason::kInternalError);
  EXPECT_EQ(v.status().message(), "StatusOr constructed from an OK status");

  StatusOr<std::string> s(Status::Ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInternal);

  // Through ASSIGN_OR_RETURN the caller sees the error, not success.
  int out = 7;
  Status forwarded = Forwards(&out);
  EXPECT_EQ(forwarded.code(), StatusCode::kInternal);
  EXPECT_EQ(forwarded.reason(), reason::kInternalError);
  EXPECT_EQ(out, 7);
}

TEST(StatusTest, StatusOrKeepsValuesAndErrors) {
  StatusOr<int> v = 42;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 42);
  EXPECT_TRUE(v.status().ok());

  StatusOr<int> e = NotFoundError("no such thing", reason::kNoSuchEvent);
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(e.status().reason(), reason::kNoSuchEvent);
  EXPECT_EQ(e.status().message(), "no such thing");
}

Status Caught(const std::function<void()>& f) {
  try {
    f();
  } catch (...) {
    return ExceptionStatus(std::current_exception(), "doing it");
  }
  return OkStatus();
}

TEST(StatusTest, ExceptionStatusNamesTheException) {
  Status s = Caught([] { throw std::runtime_error("disk on fire"); });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.reason(), reason::kInternalError);
  EXPECT_EQ(s.message(), "doing it: disk on fire");

  s = Caught([] { throw std::bad_alloc(); });
  EXPECT_EQ(s.message(), "doing it: out of memory (std::bad_alloc)");

  s = Caught([] { throw kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__, kj::heapString("capnp says no")); });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("capnp says no"), std::string::npos) << s.message();

  s = Caught([] { throw 17; });
  EXPECT_EQ(s.message(), "doing it: unknown exception");

  EXPECT_EQ(ExceptionStatus(nullptr, "nothing").message(), "nothing: no exception");
}

}  // namespace
}  // namespace ledger
