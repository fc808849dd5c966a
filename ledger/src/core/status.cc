#include "ledger/status.h"

#include <kj/exception.h>

#include <new>

namespace ledger {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::kNotFound: return "NOT_FOUND";
    case StatusCode::kAlreadyExists: return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied: return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case StatusCode::kOutOfRange: return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented: return "UNIMPLEMENTED";
    case StatusCode::kInternal: return "INTERNAL";
    case StatusCode::kUnavailable: return "UNAVAILABLE";
    case StatusCode::kDataLoss: return "DATA_LOSS";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(StatusCodeName(code_));
  if (!reason_.empty()) s += " (" + reason_ + ")";
  s += ": ";
  s += message_;
  return s;
}

Status ExceptionStatus(std::exception_ptr e, std::string_view context) {
  std::string what = "unknown exception";
  if (!e) {
    what = "no exception";
  } else {
    try {
      std::rethrow_exception(e);
    } catch (const kj::Exception& k) {
      what = std::string("kj::Exception: ") + k.getDescription().cStr();
    } catch (const std::bad_alloc&) {
      what = "out of memory (std::bad_alloc)";
    } catch (const std::exception& x) {
      what = x.what();
    } catch (...) {
    }
  }
  std::string message(context);
  message += ": ";
  message += what;
  return Status(StatusCode::kInternal, std::move(message), reason::kInternalError);
}

}  // namespace ledger
