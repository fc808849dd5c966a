// Status and StatusOr<T>: errors as values (after absl::Status / rocksdb::Status).
//
//   StatusOr<Hash> h = ledger.LeafHash(seq);
//   if (!h.ok()) return h.status();
//   RETURN_IF_ERROR(store.Flush());
//   ASSIGN_OR_RETURN(auto proof, ledger.InclusionProof(7, 70));
//
// A Status carries a canonical code, a stable machine-readable `reason`
// (e.g. "UNKNOWN_OFFICER"; may be empty) and a human message. Ignoring an
// error must be written out: `status.IgnoreError()`.
#pragma once

#include <cassert>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "ledger/reasons.h"

namespace ledger {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 3,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
};

// "INVALID_ARGUMENT", "DATA_LOSS", ...
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::string reason = {})
      : code_(code), message_(std::move(message)), reason_(std::move(reason)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Stable, specific error code such as "BAD_SIGNATURE"; empty if none.
  const std::string& reason() const { return reason_; }
  // "DATA_LOSS: event 12: prevHash does not match ..."
  std::string ToString() const;

  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_ && a.reason_ == b.reason_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string reason_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgumentError(std::string m, std::string r = {}) {
  return {StatusCode::kInvalidArgument, std::move(m), std::move(r)};
}
inline Status NotFoundError(std::string m, std::string r = {}) {
  return {StatusCode::kNotFound, std::move(m), std::move(r)};
}
inline Status AlreadyExistsError(std::string m, std::string r = {}) {
  return {StatusCode::kAlreadyExists, std::move(m), std::move(r)};
}
inline Status PermissionDeniedError(std::string m, std::string r = {}) {
  return {StatusCode::kPermissionDenied, std::move(m), std::move(r)};
}
inline Status ResourceExhaustedError(std::string m, std::string r = {}) {
  return {StatusCode::kResourceExhausted, std::move(m), std::move(r)};
}
inline Status FailedPreconditionError(std::string m, std::string r = {}) {
  return {StatusCode::kFailedPrecondition, std::move(m), std::move(r)};
}
inline Status OutOfRangeError(std::string m, std::string r = {}) {
  return {StatusCode::kOutOfRange, std::move(m), std::move(r)};
}
inline Status InternalError(std::string m, std::string r = {}) {
  return {StatusCode::kInternal, std::move(m), std::move(r)};
}
inline Status UnavailableError(std::string m, std::string r = {}) {
  return {StatusCode::kUnavailable, std::move(m), std::move(r)};
}
inline Status DataLossError(std::string m, std::string r = {}) {
  return {StatusCode::kDataLoss, std::move(m), std::move(r)};
}

// An exception caught by a thread that must go on (the ledger's writer and
// committer, the server's I/O threads) as an Internal error (reason
// INTERNAL_ERROR): "<context>: <what>", where <what> is what() of a
// std::exception, the description of a kj::Exception, or "unknown
// exception". `e` may be std::current_exception() inside a catch block.
Status ExceptionStatus(std::exception_ptr e, std::string_view context);

// A StatusOr holds a value or an error. Built from an OK status (a bug in
// the caller: there is no value to hold) it holds an Internal error
// (INTERNAL_ERROR, "StatusOr constructed from an OK status"), in every
// build, so that the mistake is reported rather than read as success.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(Status s) : v_(std::move(s)) {
    if (std::get<Status>(v_).ok()) {
      v_ = Status(StatusCode::kInternal, "StatusOr constructed from an OK status", reason::kInternalError);
    }
  }
  StatusOr(T value) : v_(std::move(value)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & { assert(ok()); return std::get<T>(v_); }
  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace ledger

#define LEDGER_CONCAT_INNER_(a, b) a##b
#define LEDGER_CONCAT_(a, b) LEDGER_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::ledger::Status _st = (expr);                 \
    if (!_st.ok()) return _st;                     \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)     \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(LEDGER_CONCAT_(_status_or_, __LINE__), lhs, expr)
