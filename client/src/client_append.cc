// The client's appends (client_impl.h): batches pipelined within a window,
// each event's outcome kept, refused events retried after the server's
// retry-after with backoff and jitter.
#include <algorithm>
#include <thread>

#include "client_impl.h"

namespace ledger::net {

StatusOr<uint64_t> Client::Impl::SendBatch(Batch& b) {
  capnp::MallocMessageBuilder msg;
  auto req = msg.initRoot<protocol::Request>();
  const uint64_t id = next_id++;
  req.setId(id);
  auto list = req.initAppend().initEvents(b.todo.size());
  for (size_t k = 0; k < b.todo.size(); ++k) {
    auto parsed = InboundMessage::Parse(AsBytes((*b.bodies)[b.todo[k]]), options.limits);
    if (!parsed.ok()) return parsed.status();
    list.setWithCaveats(k, parsed->Root<schema::SignedBody>());
  }
  RETURN_IF_ERROR(Send(msg, id));
  return id;
}

uint32_t Client::Impl::ApplyReply(Batch& b, InboundMessage& reply) {
  std::vector<size_t> retry;
  uint32_t wait_ms = 0;
  auto fail_all = [&](const Status& s) {
    for (size_t pos : b.todo) (*b.out)[pos] = AppendOutcome(s);
  };
  try {
    auto r = reply.Root<protocol::Response>();
    if (r.isError()) {
      auto e = r.getError();
      if (e.getRetryAfterMs() > 0) {
        wait_ms = e.getRetryAfterMs();
        retry = b.todo;
      }
      fail_all(ErrorStatus(e));
    } else if (!r.isAppend() || r.getAppend().getResults().size() != b.todo.size()) {
      fail_all(BadReply("append reply does not match the request"));
    } else {
      auto results = r.getAppend().getResults();
      for (size_t k = 0; k < b.todo.size(); ++k) {
        const size_t pos = b.todo[k];
        auto res = results[k];
        if (res.isOk()) {
          auto ok = res.getOk();
          auto h = HashFromData(ok.getLeafHash(), "appended.leafHash");
          if (!h.ok()) {
            (*b.out)[pos] = AppendOutcome(h.status());
            continue;
          }
          (*b.out)[pos] = AppendResult{ok.getSeq(), *h, ok.getDuplicate()};
        } else {
          auto e = res.getError();
          (*b.out)[pos] = AppendOutcome(ErrorStatus(e));
          if (e.getRetryAfterMs() > 0) {
            retry.push_back(pos);
            wait_ms = std::max(wait_ms, e.getRetryAfterMs());
          }
        }
      }
    }
  } catch (const kj::Exception& e) {
    fail_all(BadReply(e.getDescription().cStr()));
  }
  b.todo = std::move(retry);
  return wait_ms;
}

std::vector<std::vector<AppendOutcome>> Client::Impl::AppendPipelined(
    const std::vector<std::vector<std::string>>& batches, size_t window) {
  window = std::max<size_t>(window, 1);
  std::vector<std::vector<AppendOutcome>> out(batches.size());
  std::vector<Batch> state(batches.size());
  std::deque<size_t> ready;
  for (size_t i = 0; i < batches.size(); ++i) {
    out[i].assign(batches[i].size(), AppendOutcome(UnavailableError("not sent", reason::kNotSent)));
    state[i] = Batch{&batches[i], &out[i], {}, 0};
    for (size_t k = 0; k < batches[i].size(); ++k) state[i].todo.push_back(k);
    if (!batches[i].empty()) ready.push_back(i);
  }
  std::map<uint64_t, size_t> inflight;  // request id -> batch
  auto give_up = [&](size_t i, const Status& s) {
    for (size_t pos : state[i].todo) out[i][pos] = AppendOutcome(s);
    state[i].todo.clear();
  };
  // One reply: its batch's outcomes; a batch with events to retry goes
  // back to `ready` after the server's retry-after (doubled with each
  // attempt of this batch, capped, plus jitter so that pushed-back clients
  // spread out). False for a connection-level error (id 0): the server is
  // closing the connection.
  auto take_reply = [&](InboundMessage& frame) -> bool {
    uint64_t id = 0;
    try {
      id = frame.Root<protocol::Response>().getId();
    } catch (const kj::Exception&) {
      return false;
    }
    auto it = inflight.find(id);
    if (it == inflight.end()) return id != 0;
    size_t i = it->second;
    inflight.erase(it);
    outstanding.erase(id);
    uint32_t wait_ms = ApplyReply(state[i], frame);
    if (!state[i].todo.empty()) {
      const uint64_t base = uint64_t{wait_ms} << std::min(state[i].attempts - 1, 6);
      const uint64_t jitter = wait_ms > 0 ? jitter_rng() % wait_ms : 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<uint64_t>(base + jitter, 5000)));
      ready.push_back(i);
    }
    return true;
  };
  // The connection is ending (a send failed, a read failed, or the server
  // said it is closing): the server answers every request it took before
  // it closes, so read to the end first, and resend only what got no reply
  // (events that were committed are not sent again).
  auto drain_and_disconnect = [&] {
    while (!inflight.empty() && conn) {   // to EOF, also after a failed write
      auto frame = conn->ReadFrame(options.limits);
      if (!frame.ok()) break;
      take_reply(*frame);
    }
    Disconnect();
    for (auto& [id, i] : inflight) ready.push_front(i);
    inflight.clear();
  };
  while (!ready.empty() || !inflight.empty()) {
    if (!conn || !conn->is_open()) {
      // Every batch waiting is resent on the new connection.
      for (auto& [id, i] : inflight) ready.push_front(i);
      inflight.clear();
      if (Status s = ConnectRetrying(std::chrono::steady_clock::now()); !s.ok()) {
        for (size_t i : ready) give_up(i, s);
        break;
      }
    }
    bool broken = false;
    while (!broken && inflight.size() < window && !ready.empty()) {
      size_t i = ready.front();
      ready.pop_front();
      if (state[i].attempts++ >= options.max_attempts) {
        state[i].todo.clear();  // each event keeps its last outcome
        continue;
      }
      auto id = SendBatch(state[i]);
      if (!id.ok()) {
        if (id.status().code() == StatusCode::kUnavailable) {
          ready.push_front(i);
          broken = true;
        } else {
          give_up(i, id.status());
        }
        continue;
      }
      inflight[*id] = i;
    }
    if (broken) {
      drain_and_disconnect();
      continue;
    }
    if (inflight.empty()) continue;
    // Wait for any reply.
    auto frame = conn->ReadFrame(options.limits);
    if (!frame.ok() || !take_reply(*frame)) drain_and_disconnect();
  }
  return out;
}

}  // namespace ledger::net
