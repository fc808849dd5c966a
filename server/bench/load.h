// The client side of ledger-net-bench: the loads it puts on a server, each
// from its own connections (one thread per connection; the client library
// verifies every proof and checkpoint it gets).
//
//   ThroughputResult t = RunThroughput(client_options, signed_events, 4, 100, 8);
//   LatencyResult l = RunLatency(client_options, single_events, 1000);
//   MixResult m = RunMix(client_options, store, mix_events, {.clients = 32, .rounds = 20, .batch = 100});
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench_store.h"
#include "ledger/net/client.h"

namespace ledger::bench {

// Collects the first error of several threads, and counts them all.
struct Errors {
  size_t count = 0;
  std::string first;
};

struct ThroughputResult {
  size_t ok = 0;
  Errors errors;
  double seconds = 0;
  double client_cpu_s = 0;   // CPU of the client threads
};

// `events` split into batches of `batch`, dealt round-robin to
// `connections` connections, each keeping `window` appends in flight.
ThroughputResult RunThroughput(const net::ClientOptions& co, const std::vector<std::string>& events, int connections,
                               size_t batch, size_t window);

struct LatencyResult {
  std::vector<double> append_us;   // one event per request, one request at a time
  std::vector<double> proof_us;    // Prove(random seq) at the latest checkpoint, verified
  uint64_t tree_size = 0;          // of the proofs
  Errors errors;
};

// On one connection: each of `singles` appended alone, then `proofs`
// inclusion proofs of random seqs.
LatencyResult RunLatency(const net::ClientOptions& co, const std::vector<std::string>& singles, size_t proofs);

struct MixResult {
  size_t appended = 0, proofs = 0, events = 0, statuses = 0;
  Errors errors;
  double seconds = 0;
};

struct MixConfig {
  int clients = 32;
  size_t rounds = 20;
  size_t batch = 100;              // events appended per round (0: none)
  uint64_t households_first = 0;   // new households of the store already appended,
  uint64_t households = 0;         // whose status is asked (0: none)
};

// `clients` connections at once, each doing `rounds` rounds of: append
// `batch` events, 10 inclusion proofs and one getEvent of random seqs, and
// the household status of a random one of the `households` (the server
// builds its projection on the first). `events` holds clients * rounds *
// batch events, client after client.
MixResult RunMix(const net::ClientOptions& co, const BenchStore& store, const std::vector<std::string>& events,
                 const MixConfig& mix);

}  // namespace ledger::bench
