// ledgerd's metrics (GET /metrics on the HTTP port; docs/operations.md
// "Metrics" lists every one): the counters and histograms the connections
// and the HTTP API update as they go, and MetricsText(), which adds what is
// read at scrape time (connections, queues, the ledger's and RocksDB's
// figures) and renders the Prometheus text.
//
//   ctx.metrics.CountAppend(plan, outcomes);                 // connection.cc
//   ctx.metrics.append_duration.ObserveSince(received);
//   reply.body = MetricsText(ctx);                           // http_listener.cc
//
// Never a household code, citizen hash, identity or request target in a
// label: labels are reasons (constants of ledger/reasons.h), HTTP status
// codes, connection states and proof kinds.
#pragma once

#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/status.h"
#include "metrics.h"

namespace ledger::net {

struct ServerContext;

struct ServerMetrics {
  MetricCounter appends;              // events stored (new ones)
  MetricCounter append_duplicates;    // events answered duplicate: true (stored before)
  LabeledCounter append_rejections;   // events refused, by reason
  DurationHistogram append_duration{LatencyBuckets()};        // per append request, receipt to reply
  DurationHistogram inclusion_duration{LatencyBuckets()};     // inclusion proofs
  DurationHistogram consistency_duration{LatencyBuckets()};   // consistency proofs
  DurationHistogram household_duration{LatencyBuckets()};     // household histories with their heads proofs
  LabeledCounter http_requests;       // HTTP API replies, by status code

  // An append request's per-event results: `rejected` (per request index,
  // refused before the ledger; OK for those submitted) and the ledger's
  // outcomes of the submitted ones.
  void CountAppend(const std::vector<Status>& rejected, const std::vector<AppendOutcome>& outcomes);
  // A whole append request refused (WRONG_ROLE, BATCH_TOO_LARGE, ...): each
  // of its `events` counts as refused with `why`'s reason.
  void CountRefusedAppend(const Status& why, size_t events);
};

// The reason a refusal is counted under: its reason, or its code's name.
std::string RejectionReason(const Status& s);

// The text of GET /metrics.
std::string MetricsText(ServerContext& ctx);

}  // namespace ledger::net
