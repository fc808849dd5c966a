#include "server_metrics.h"

#include <algorithm>
#include <chrono>

#include "ledger/reasons.h"
#include "server_context.h"

namespace ledger::net {

std::string RejectionReason(const Status& s) {
  return s.reason().empty() ? std::string(StatusCodeName(s.code())) : s.reason();
}

void ServerMetrics::CountAppend(const std::vector<Status>& rejected, const std::vector<AppendOutcome>& outcomes) {
  uint64_t stored = 0, duplicates = 0;
  for (const AppendOutcome& o : outcomes) {
    if (!o.ok()) {
      append_rejections.Add(RejectionReason(o.status()));
    } else if (o->duplicate) {
      ++duplicates;
    } else {
      ++stored;
    }
  }
  for (const Status& s : rejected) {
    if (!s.ok()) append_rejections.Add(RejectionReason(s));
  }
  if (stored != 0) appends.Add(stored);
  if (duplicates != 0) append_duplicates.Add(duplicates);
}

void ServerMetrics::CountRefusedAppend(const Status& why, size_t events) {
  append_rejections.Add(RejectionReason(why), events);
}

std::string MetricsText(ServerContext& ctx) {
  const LedgerStats stats = ctx.ledger.Stats();
  const ServerMetrics& m = ctx.metrics;
  Exposition e;

  // Appends and proofs (counted as requests are answered).
  e.Counter("ledger_appends_total", "Events stored by appends through this server since it started.",
            static_cast<double>(m.appends.Value()));
  e.Counter("ledger_append_duplicates_total",
            "Appended events whose idempotency key was stored before (answered duplicate, nothing stored).",
            static_cast<double>(m.append_duplicates.Value()));
  e.Counters("ledger_append_rejections_total",
             "Appended events refused, by reason (docs/protocol.md 4.1); a request refused whole counts each "
             "of its events.",
             "reason", m.append_rejections,
             {reason::kPushback, reason::kStoreFull, reason::kStoreIo, reason::kStoreFailed});
  e.Histograms("ledger_append_duration_seconds",
               "Append requests, from receipt of the request to its reply queued for the client.",
               {{{}, m.append_duration.Read()}});
  e.Histograms("ledger_proof_duration_seconds",
               "Proof requests (ledger protocol and HTTP API), time to compute the reply: inclusion, consistency, "
               "household (a history or status with its heads proof).",
               {{{{"kind", "inclusion"}}, m.inclusion_duration.Read()},
                {{{"kind", "consistency"}}, m.consistency_duration.Read()},
                {{{"kind", "household"}}, m.household_duration.Read()}});

  // Queues and connections.
  e.Gauge("ledger_append_queue_events", "Events accepted by the ledger and not yet taken by its writer.",
          static_cast<double>(stats.queued_events));
  e.Gauge("ledger_append_queue_capacity_events", "Queued events beyond which appends get PUSHBACK.",
          static_cast<double>(stats.max_queued_events));
  const QueryPool::Load load = ctx.query_pool ? ctx.query_pool->CurrentLoad() : QueryPool::Load{};
  e.Gauge("ledger_query_queue",
          "Slow queries (household status and history, reports, HTTP routes) queued or running on the "
          "blocking pool.",
          static_cast<double>(load.held));
  e.Gauge("ledger_query_queue_running", "Of those, running.", static_cast<double>(load.running));
  e.Gauge("ledger_query_queue_capacity", "Queries held beyond which requests get QUERY_QUEUE_FULL.",
          static_cast<double>(load.max_queued));
  const ServerContext::StateCounts states = ctx.CountStates();
  e.Gauges("ledger_connections",
           "Ledger protocol connections by state: pending (no identity yet), identified, closing.", "state",
           {{"pending", static_cast<double>(states.pending)},
            {"identified", static_cast<double>(states.identified)},
            {"closing", static_cast<double>(states.closing)}});
  e.Gauge("ledger_http_connections", "Open HTTP API connections.", static_cast<double>(ctx.http_sessions->load()));
  e.Counters("ledger_http_requests_total", "HTTP API requests answered, by status code.", "code", m.http_requests);

  // The ledger and its store.
  e.Gauge("ledger_tree_size", "Durable events (the Merkle tree size).", static_cast<double>(ctx.ledger.Size()));
  if (stats.last_checkpoint_recorded_at_ns != 0) {
    const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    const int64_t age_ns = std::max<int64_t>(0, now_ns - stats.last_checkpoint_recorded_at_ns);
    e.Gauge("ledger_seconds_since_checkpoint",
            "Seconds since the latest checkpoint (signed at each group commit; it grows while nothing is appended).",
            static_cast<double>(age_ns) / 1e9);
    e.Gauge("ledger_last_checkpoint_timestamp_seconds",
            "recordedAt of the last event of the latest checkpoint, seconds since the Unix epoch.",
            static_cast<double>(stats.last_checkpoint_recorded_at_ns) / 1e9);
  }
  e.Gauge("ledger_appends_paused",
          "1 while appends are paused by a store fault (STORE_FULL, STORE_IO); they resume by themselves.",
          stats.appends_paused ? 1 : 0);
  e.Gauge("ledger_appends_stopped", "1 once appends stopped after an internal error (STORE_FAILED) until restart.",
          stats.appends_stopped ? 1 : 0);
  e.Counters("ledger_store_errors_total",
             "Store faults since start that paused appends (STORE_FULL: disk full or below the free-space floor; "
             "STORE_IO: another I/O error) or stopped them (STORE_FAILED).",
             "reason",
             {{reason::kStoreFailed, static_cast<double>(stats.store_failed_errors)},
              {reason::kStoreFull, static_cast<double>(stats.store_full_errors)},
              {reason::kStoreIo, static_cast<double>(stats.store_io_errors)}});
  e.Counter("ledger_clock_steps_back_total", "Readings of the system clock earlier than the one before.",
            static_cast<double>(ctx.ledger.Clock().steps_back));

  // RocksDB (DB properties; cumulative figures since the store was opened).
  const LedgerStats::Rocks& r = stats.rocksdb;
  e.Gauge("ledger_rocksdb_delayed_write_rate_bytes_per_second",
          "Write rate RocksDB holds writes to while it slows them down (0: not slowed).",
          static_cast<double>(r.delayed_write_rate));
  e.Gauge("ledger_rocksdb_write_stopped", "1 while RocksDB stops writes (too many memtables or L0 files).",
          r.write_stopped ? 1 : 0);
  e.Counter("ledger_rocksdb_write_stall_seconds_total", "Time writes waited in RocksDB write stalls.",
            static_cast<double>(r.write_stall_micros) / 1e6);
  e.Counters("ledger_rocksdb_stalls_total", "Write stall conditions begun, all column families: slowdown, stop.",
             "kind",
             {{"slowdown", static_cast<double>(r.stall_slowdowns)}, {"stop", static_cast<double>(r.stall_stops)}});
  e.Gauge("ledger_rocksdb_running_compactions", "Compactions running.", static_cast<double>(r.running_compactions));
  e.Gauge("ledger_rocksdb_running_flushes", "Memtable flushes running.", static_cast<double>(r.running_flushes));
  e.Gauge("ledger_rocksdb_compaction_pending", "Column families with a compaction pending.",
          static_cast<double>(r.compactions_pending));
  e.Gauge("ledger_rocksdb_pending_compaction_bytes", "Estimated bytes compactions have to rewrite.",
          static_cast<double>(r.pending_compaction_bytes));
  e.Counter("ledger_rocksdb_compactions_total", "Compaction and flush jobs done, all column families.",
            static_cast<double>(r.compactions));
  e.Counter("ledger_rocksdb_compaction_seconds_total", "Time spent in those jobs.", r.compaction_seconds);
  e.Counter("ledger_rocksdb_background_errors_total", "Errors of RocksDB's background flushes and compactions.",
            static_cast<double>(r.background_errors));
  e.Gauge("ledger_rocksdb_sst_bytes", "Size of the table files.", static_cast<double>(r.sst_bytes));
  e.Gauge("ledger_rocksdb_memtable_bytes", "Size of the memtables.", static_cast<double>(r.memtable_bytes));
  return e.Text();
}

}  // namespace ledger::net
