// The read-only HTTP/JSON API of ledgerd (DESIGN.md §7), without
// networking: maps a GET request target to a reply. http_listener.cc serves
// it with Boost.Beast on its own port; docs/protocol.md "HTTP API" lists the
// routes:
//
//   GET /v1/checkpoint                         latest signed note (text/plain)
//   GET /v1/events/SEQ | /v1/events/HASH       event as JSON (export object)
//   GET /v1/events/SEQ/proof[?size=N]          inclusion proof (= `ledger prove --json`)
//   GET /v1/consistency?old=A[&new=B]          consistency proof (= `ledger consistency --json`)
//   GET /v1/households/CODE                    household status (projection)
//   GET /v1/households/CODE/history[?from=SEQ&limit=N]   a page of its events, oldest first (X-Next-From)
//   GET /v1/report?by=province[&area=CODE]     area progress (= `ledger-replay report --json`)
//   GET /healthz                               {"ok": true, "size": N}
//   GET /metrics                               Prometheus text format (server_metrics.h)
//
//   HttpRoutes routes(ctx);
//   HttpReply r = routes.Get("/v1/events/42/proof?size=100");
//   // r.status 200, r.content_type "application/json", r.body "{...}"
//
// Errors are JSON {"error": {"code", "reason", "message"}} with the HTTP
// status of the error's code (400 bad argument, 404 not found, 503
// unavailable, 500 otherwise). Like every reply of the server, nothing here
// is to be trusted without checking: proofs carry their signed checkpoint.
//
// Thread-safe (the context's parts are).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/status.h"
#include "server_context.h"

namespace ledger::net {

struct HttpReply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;   // more response headers (a history page's next)
};

// The HTTP status for a Status code (200 for OK).
unsigned HttpStatusOf(const Status& s);
// The JSON error reply for `s`.
HttpReply HttpError(const Status& s);

class HttpRoutes {
 public:
  explicit HttpRoutes(ServerContext& ctx) : ctx_(ctx) {}

  // The reply to GET `target` (path and optional query string).
  HttpReply Get(std::string_view target) const;
  // True for targets cheap enough to answer on an I/O thread, off the
  // query pool, so that they are answered while the pool is full (/metrics).
  static bool Inline(std::string_view target);

 private:
  ServerContext& ctx_;
};

}  // namespace ledger::net
