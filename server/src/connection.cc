#include "connection.h"
#include "log_redact.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <kj/exception.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <array>
#include <cstring>
#include <deque>
#include <type_traits>

#include "ledger/net/frame.h"
#include "ledger/net/protocol_codec.h"
#include "ledger/reasons.h"
#include "peer_identity.h"
#include "schemas/protocol.capnp.h"

namespace ledger::net {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// A condition to wait on inside one strand: Wait() suspends until Notify().
// Waiters re-check their condition in a loop, so a Notify() with no waiter
// is harmless.
class Signal {
 public:
  explicit Signal(const asio::any_io_executor& ex) : timer_(ex, Clock::time_point::max()) {}
  awaitable<void> Wait() { co_await timer_.async_wait(kUseTuple); }
  void Notify() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

using TlsStream = asio::ssl::stream<tcp::socket>;

// The histogram a request's time goes to: proofs only (nullptr otherwise).
DurationHistogram* ProofHistogram(ServerMetrics& m, protocol::Request::Which which) {
  switch (which) {
    case protocol::Request::INCLUSION_PROOF:
      return &m.inclusion_duration;
    case protocol::Request::CONSISTENCY_PROOF:
      return &m.consistency_duration;
    case protocol::Request::HOUSEHOLD_HISTORY:
    case protocol::Request::HOUSEHOLD_STATUS:
      return &m.household_duration;
    default:
      return nullptr;
  }
}

template <class Stream>
class Connection final : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  using Ptr = std::shared_ptr<Connection>;

  Connection(ServerContext& ctx, Stream stream)
      : ctx_(ctx),
        stream_(std::move(stream)),
        executor_(stream_.get_executor()),
        writer_wake_(executor_),
        reader_wake_(executor_),
        sub_wake_(executor_),
        space_wake_(executor_),
        read_done_(executor_),
        id_(ctx.next_connection_id++) {
    boost::system::error_code bec;
    auto ep = Socket().remote_endpoint(bec);
    peer_ = bec ? std::string("?") : fmt::format("{}:{}", ep.address().to_string(), ep.port());
  }

  void Start() {
    Ptr self = this->shared_from_this();
    if (auto oldest = ctx_.Register(this, self, id_)) oldest->Evict();
    asio::co_spawn(executor_, Run(self), Ended("the reader"));
  }

  void Drain() override {
    asio::post(executor_, [self = this->shared_from_this()] {
      self->draining_ = true;
      if (self->inflight_requests_ == 0) self->CloseAfterFlush("server shutting down");
    });
  }
  void ForceClose() override {
    asio::post(executor_, [self = this->shared_from_this()] { self->HardClose("forced close at shutdown"); });
  }
  void Evict() override {
    asio::post(executor_, [self = this->shared_from_this()] {
      self->HardClose("evicted: the oldest of too many connections without an identity yet");
    });
  }
  void WakeSubscriptions() override {
    if (subscriptions_.load(std::memory_order_relaxed) == 0) return;
    asio::post(executor_, [self = this->shared_from_this()] { self->sub_wake_.Notify(); });
  }

 private:
  tcp::socket::lowest_layer_type& Socket() {
    if constexpr (kTls) {
      return stream_.lowest_layer();
    } else {
      return stream_;
    }
  }
  tcp::socket& Tcp() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }
  const FrameLimits& Limits() const { return ctx_.options.limits; }
  std::string Who() const {
    return who_.known ? fmt::format("{} {}", RoleName(who_.role), who_.name) : std::string("unidentified");
  }

  // The completion of the connection's coroutines: one that ends with an
  // exception (none should) closes the connection with a log line; the
  // server goes on. Runs on the connection's strand.
  auto Ended(const char* what) {
    return [self = this->shared_from_this(), what](std::exception_ptr e) {
      if (!e) return;
      spdlog::error("conn {} from {}: {}; closing", self->id_, self->peer_, Redacted(ExceptionStatus(e, what).message()));
      self->HardClose("internal error");
    };
  }

  awaitable<void> Run(Ptr self) {
    started_ = Clock::now();
    last_activity_ = started_;
    asio::co_spawn(executor_, Watchdog(self), Ended("the watchdog"));
    if constexpr (kTls) {
      handshaking_ = true;
      auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kUseTuple);
      handshaking_ = false;
      if (ec) {
        if (!closed_) spdlog::warn("conn {} from {}: TLS handshake failed: {}", id_, peer_, ec.message());
        HardClose("handshake failed");
        co_return;
      }
      auto who = PeerIdentity(stream_.native_handle());
      asio::co_spawn(executor_, Writer(self), Ended("the writer"));
      if (!who.ok()) {
        Fail(0, who.status());
        co_return;
      }
      who_ = *who;
    } else {
      asio::co_spawn(executor_, Writer(self), Ended("the writer"));
    }
    spdlog::info("conn {} from {}: open ({}{})", id_, peer_, Who(), kTls ? ", TLS" : ", dev-insecure");
    co_await Reader();
  }

  // ---------------------------------------------------------------- reading

  size_t Buffered() const { return in_end_ - in_begin_; }

  awaitable<void> Reader() {
    const ServerOptions& o = ctx_.options;
    asio::steady_timer budget_wait(executor_);
    while (!closing_) {
      while (!closing_ && (inflight_requests_ >= o.max_inflight_requests ||
                           inflight_events_ >= o.max_inflight_events || out_bytes_ > o.max_output_bytes)) {
        co_await reader_wake_.Wait();
      }
      if (closing_) break;
      if (in_begin_ == in_end_) {
        in_begin_ = in_end_ = 0;
        if (in_.capacity() > kReadChunk) ResizeBuffer(kReadChunk);  // a large frame went through: give it back
      }
      std::span<const uint8_t> data(in_.data() + in_begin_, Buffered());
      auto size = PeekFrameSize(data, Limits());
      if (!size.ok()) {
        Fail(0, size.status());
        break;
      }
      if (*size && data.size() >= **size) {
        auto message = InboundMessage::Parse(data.first(**size), Limits());
        in_begin_ += **size;
        partial_since_ = Clock::now();
        if (!message.ok()) {
          Fail(0, message.status());
          break;
        }
        Dispatch(std::move(*message));
        continue;
      }
      // Need more bytes: compact, then make room for more of the frame.
      // The buffer follows the bytes received, not the size the frame
      // announces: it grows by at most what it holds (at least one chunk),
      // so a peer that announces 16 MiB and sends 100 bytes costs one chunk.
      // Growth past the first chunk draws on the server-wide budget of frame
      // bytes; when that is spent the connection waits (its frame timeout
      // runs on) until other frames complete.
      if (in_begin_ > 0) {
        std::memmove(in_.data(), in_.data() + in_begin_, Buffered());
        in_end_ -= in_begin_;
        in_begin_ = 0;
      }
      if (in_end_ == 0) partial_since_ = Clock::now();
      if (in_end_ == in_.size()) {
        size_t want = in_end_ + std::max(in_end_, kReadChunk);
        if (*size) want = std::min(want, **size);
        if (!ResizeBuffer(want)) {
          budget_wait.expires_after(std::chrono::milliseconds(20));
          co_await budget_wait.async_wait(kUseTuple);
          continue;
        }
      }
      reading_ = true;
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
                                                      kUseTuple);
      reading_ = false;
      read_done_.Notify();
      in_end_ += n;
      if (ec) {
        if (closed_ || closing_) break;
        const bool eof = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
        if (eof && Buffered() > 0) {
          Fail(0, InvalidArgumentError(fmt::format("the connection ended in the middle of a frame ({} bytes)",
                                                   Buffered()),
                                       reason::kTruncatedFrame));
        } else if (eof) {
          CloseAfterFlush("closed by the client");
        } else {
          HardClose("read error: " + ec.message());
        }
        break;
      }
    }
  }

  // Makes the read buffer exactly `bytes` long (keeping what it holds),
  // charging what lies beyond the first chunk to the server's frame budget;
  // false, and nothing changed, when the budget has no room.
  bool ResizeBuffer(size_t bytes) {
    const size_t charge = bytes > kReadChunk ? bytes - kReadChunk : 0;
    if (charge > charged_) {
      if (closed_ || !ctx_.ChargeFrameBytes(charge - charged_)) return false;
    } else {
      ctx_.ReleaseFrameBytes(charged_ - charge);
    }
    charged_ = charge;
    if (bytes > in_.capacity()) {
      std::vector<uint8_t> bigger;
      bigger.reserve(bytes);   // exactly: resize() alone may double
      bigger.assign(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_end_));
      in_.swap(bigger);
    } else if (bytes < in_.capacity()) {
      in_.resize(bytes);
      in_.shrink_to_fit();
    }
    in_.resize(bytes);
    return true;
  }

  // The connection has an identity: it counts against the connection caps
  // from now on (ServerContext::Establish). False when it is refused: the
  // refusal is the reply to request `id`, then the connection closes.
  bool Establish(uint64_t id) {
    Status s = ctx_.Establish(this, who_.Key());
    if (s.ok()) {
      pending_ = false;
      return true;
    }
    Fail(id, s);
    return false;
  }

  void Dispatch(InboundMessage message) {
    last_activity_ = Clock::now();
    ++requests_;
    uint64_t id = 0;
    try {
      auto request = message.Root<protocol::Request>();
      id = request.getId();
      if (draining_) {
        const Status s = UnavailableError("the server is shutting down", reason::kShuttingDown);
        if (request.isAppend()) ctx_.metrics.CountRefusedAppend(s, request.getAppend().getEvents().size());
        Send(ctx_.handler.ErrorReply(id, s));
        return;
      }
      // With TLS the certificate named the peer: its first request ends
      // the pending state (dev mode: the hello below).
      if (pending_ && who_.known && !Establish(id)) return;
      switch (request.which()) {
        case protocol::Request::HELLO: {
          auto who = ctx_.handler.AcceptHello(who_, request.getHello());
          if (!who.ok()) {
            spdlog::warn("conn {} from {}: hello refused: {}", id_, peer_, who.status().reason());
            Send(ctx_.handler.ErrorReply(id, who.status()));
            return;
          }
          if (!who_.known) spdlog::info("conn {} from {}: hello as {} {}", id_, peer_, RoleName(who->role), who->name);
          who_ = *who;
          if (pending_ && !Establish(id)) return;
          Send(ctx_.handler.HelloReply(id, who_));
          return;
        }
        case protocol::Request::APPEND:
          StartAppend(id, request.getAppend());
          return;
        case protocol::Request::SUBSCRIBE: {
          if (!who_.known) {
            Send(ctx_.handler.ErrorReply(id, PermissionDeniedError("send hello first (dev mode)", reason::kHelloRequired)));
            return;
          }
          if (subscriptions_ >= ctx_.options.max_subscriptions) {
            Send(ctx_.handler.ErrorReply(
                id, ResourceExhaustedError(fmt::format("at most {} subscriptions per connection",
                                                       ctx_.options.max_subscriptions),
                                           reason::kTooManySubscriptions)));
            return;
          }
          auto s = request.getSubscribe();
          size_t batch = s.getMaxBatch() == 0 ? ctx_.options.subscribe_batch
                                              : std::min<size_t>(s.getMaxBatch(), ctx_.options.subscribe_batch * 16);
          ++subscriptions_;
          spdlog::info("conn {} from {}: subscribe from seq {}", id_, peer_, s.getFromSeq());
          asio::co_spawn(executor_, Subscription(this->shared_from_this(), id, s.getFromSeq(), batch),
                         Ended("a subscription"));
          return;
        }
        default:
          if (!who_.known) {
            Send(ctx_.handler.ErrorReply(id, PermissionDeniedError("send hello first (dev mode)", reason::kHelloRequired)));
            return;
          }
          if (IsSlowQuery(request.which())) {
            StartSlowQuery(std::move(message));
            return;
          }
          const auto started = Clock::now();
          Send(ctx_.handler.Query(who_, request));
          if (auto* h = ProofHistogram(ctx_.metrics, request.which())) h->ObserveSince(started);
          return;
      }
    } catch (const kj::Exception& e) {
      Fail(id, StatusFromCapnpError(e.getDescription().cStr()));
    } catch (...) {
      // A bug or out of memory: an error reply, then the connection closes
      // (its state is not known to be sound); other connections go on.
      const Status s = ExceptionStatus(std::current_exception(), "handling a request");
      spdlog::error("conn {} from {}: {}", id_, peer_, Redacted(s.message()));
      Fail(id, s);
    }
  }

  // Queries whose cost grows with the data (a projection brought up to
  // date, a long history, a report over every area) run on the server's
  // blocking pool, so that they never hold up the I/O threads: other
  // connections' handshakes, appends and proofs go on meanwhile. Replies
  // carry their request's id, so they may overtake one another.
  static bool IsSlowQuery(protocol::Request::Which which) {
    return which == protocol::Request::HOUSEHOLD_STATUS || which == protocol::Request::HOUSEHOLD_HISTORY ||
           which == protocol::Request::REPORT;
  }
  void StartSlowQuery(InboundMessage message) {
    auto shared = std::make_shared<InboundMessage>(std::move(message));
    const uint64_t id = shared->Root<protocol::Request>().getId();
    Status queued = ctx_.RunBlocking(who_.Key(), [self = this->shared_from_this(), shared, id, who = who_] {
      std::string reply;
      try {
        const auto started = Clock::now();
        auto request = shared->Root<protocol::Request>();
        reply = self->ctx_.handler.Query(who, request);
        if (auto* h = ProofHistogram(self->ctx_.metrics, request.which())) h->ObserveSince(started);
      } catch (...) {
        const Status s = ExceptionStatus(std::current_exception(), "answering a query");
        spdlog::error("conn {} from {}: {}", self->id_, self->peer_, Redacted(s.message()));
        reply = self->ctx_.handler.ErrorReply(id, s);
      }
      asio::post(self->executor_, [self, reply = std::move(reply)]() mutable { self->FinishQuery(std::move(reply)); });
    });
    if (!queued.ok()) {
      Send(ctx_.handler.ErrorReply(id, queued));   // retryAfterMs from the reason
      return;
    }
    ++inflight_requests_;
  }
  void FinishQuery(std::string reply) {
    --inflight_requests_;
    if (!closed_) Send(std::move(reply));
    reader_wake_.Notify();
    if (inflight_requests_ == 0 && (draining_ || closing_)) {
      if (draining_ && !closing_) CloseAfterFlush("server shutting down");
      writer_wake_.Notify();
    }
  }

  void StartAppend(uint64_t id, protocol::Append::Reader append) {
    const Clock::time_point received = Clock::now();
    auto plan = ctx_.handler.PrepareAppend(who_, append);
    if (!plan.ok()) {
      spdlog::warn("conn {} from {}: append refused: {}", id_, peer_, plan.status().reason());
      ctx_.metrics.CountRefusedAppend(plan.status(), append.getEvents().size());
      Send(ctx_.handler.ErrorReply(id, plan.status()));
      ctx_.metrics.append_duration.ObserveSince(received);
      return;
    }
    auto shared = std::make_shared<RequestHandler::PreparedAppend>(std::move(*plan));
    if (shared->bodies.empty()) {
      ctx_.metrics.CountAppend(shared->rejected, {});
      Send(ctx_.handler.AppendReply(id, *shared, {}));
      ctx_.metrics.append_duration.ObserveSince(received);
      return;
    }
    const size_t n = shared->bodies.size();
    ++inflight_requests_;
    inflight_events_ += n;
    ctx_.AppendStarted();
    std::vector<std::string> bodies = std::move(shared->bodies);
    try {
      ctx_.ledger.AppendAsync(std::move(bodies), [self = this->shared_from_this(), id, shared, n,
                                                  received](std::vector<AppendOutcome> outcomes) {
        // On the ledger's committer thread: hand over to the connection's
        // strand. Nothing may escape (the ledger would drop it) and the
        // count of pending appends must come down whatever happens.
        ServerContext& ctx = self->ctx_;
        try {
          bool committed = false;
          for (auto& o : outcomes) committed |= o.ok() && !o->duplicate;
          asio::post(self->executor_, [self, id, shared, n, received, outcomes = std::move(outcomes)] {
            self->FinishAppend(id, *shared, n, outcomes, received);
          });
          if (committed) ctx.EventsCommitted();
        } catch (...) {
          spdlog::error("conn {} from {}: {}; closing", self->id_, self->peer_,
                        Redacted(ExceptionStatus(std::current_exception(), "handing over an append's outcomes").message()));
          try {
            self->ForceClose();
          } catch (...) {
          }
        }
        ctx.AppendFinished();
      });
    } catch (...) {
      // AppendAsync took nothing and will not call back.
      --inflight_requests_;
      inflight_events_ -= n;
      ctx_.AppendFinished();
      throw;   // Dispatch answers with INTERNAL_ERROR and closes
    }
  }

  void FinishAppend(uint64_t id, const RequestHandler::PreparedAppend& plan, size_t n,
                    const std::vector<AppendOutcome>& outcomes, Clock::time_point received) {
    --inflight_requests_;
    inflight_events_ -= n;
    ctx_.metrics.CountAppend(plan.rejected, outcomes);
    size_t ok = 0;
    std::string first_error;
    for (auto& o : outcomes) {
      if (o.ok()) {
        ++ok;
      } else if (first_error.empty()) {
        first_error = o.status().reason().empty() ? std::string(StatusCodeName(o.status().code()))
                                                  : o.status().reason();
      }
    }
    appended_ += ok;
    if (ok < plan.count) {
      spdlog::warn("conn {} from {}: append of {} events: {} refused (first: {})", id_, peer_, plan.count,
                   plan.count - ok, first_error.empty() ? "refused before the ledger" : first_error);
    }
    if (!closed_) {
      std::string reply;
      try {
        reply = ctx_.handler.AppendReply(id, plan, outcomes);
      } catch (...) {
        const Status s = ExceptionStatus(std::current_exception(), "encoding an append reply");
        spdlog::error("conn {} from {}: {}", id_, peer_, Redacted(s.message()));
        reply = ctx_.handler.ErrorReply(id, s);
      }
      Send(std::move(reply));
    }
    ctx_.metrics.append_duration.ObserveSince(received);
    reader_wake_.Notify();
    if (inflight_requests_ == 0 && (draining_ || closing_)) {
      if (draining_ && !closing_) CloseAfterFlush("server shutting down");
      writer_wake_.Notify();
    }
  }

  // ---------------------------------------------------------------- subscriptions

  awaitable<void> Subscription(Ptr self, uint64_t id, uint64_t next, size_t batch) {
    while (!closing_) {
      if (out_bytes_ > ctx_.options.max_output_bytes / 2) {
        co_await space_wake_.Wait();
        continue;
      }
      size_t count = 0;
      StatusOr<std::string> frame = std::string();
      try {
        frame = ctx_.handler.EventBatch(id, next, batch, &count);
      } catch (...) {
        frame = ExceptionStatus(std::current_exception(), "reading events for a subscription");
        spdlog::error("conn {} from {}: {}", id_, peer_, Redacted(frame.status().message()));
      }
      if (!frame.ok()) {
        Send(ctx_.handler.ErrorReply(id, frame.status()));
        break;
      }
      if (count == 0) {
        co_await sub_wake_.Wait();
        continue;
      }
      next += count;
      Send(std::move(*frame));
    }
    --subscriptions_;
  }

  // ---------------------------------------------------------------- writing

  void Send(std::string frame) {
    if (closed_) return;
    out_bytes_ += frame.size();
    out_.push_back(std::move(frame));
    writer_wake_.Notify();
  }

  awaitable<void> Writer(Ptr self) {
    std::vector<std::string> batch;
    std::vector<asio::const_buffer> buffers;
    while (!closed_) {
      while (!closed_ && out_.empty() && !(closing_ && inflight_requests_ == 0)) co_await writer_wake_.Wait();
      if (closed_) break;
      if (out_.empty()) break;  // closing, nothing in flight, everything sent
      batch.clear();
      buffers.clear();
      size_t bytes = 0;
      while (!out_.empty() && batch.size() < 64 && bytes < (1u << 20)) {
        bytes += out_.front().size();
        batch.push_back(std::move(out_.front()));
        out_.pop_front();
      }
      for (auto& f : batch) buffers.emplace_back(asio::buffer(f));
      writing_ = true;
      writing_since_ = Clock::now();
      auto [ec, n] = co_await asio::async_write(stream_, buffers, kUseTuple);
      writing_ = false;
      out_bytes_ -= bytes;
      last_activity_ = Clock::now();
      reader_wake_.Notify();
      space_wake_.Notify();
      if (ec) {
        HardClose("write error: " + ec.message());
        co_return;
      }
    }
    if (!closed_) co_await Linger();
    HardClose(close_reason_.empty() ? "closed" : close_reason_);
  }

  // Every reply is written. Closing now with bytes from the client unread
  // would send a reset, and the client's kernel may then drop replies it
  // has not read yet (it would resend batches that were committed). So:
  // TLS close_notify, TCP FIN, then read and discard until the client
  // closes too, for at most kLingerTimeout (the watchdog).
  awaitable<void> Linger() {
    lingering_ = true;
    lingering_since_ = Clock::now();
    boost::system::error_code ec;
    if (reading_) {
      // The reader stops at closing_, but a read of its may be pending: a
      // stream takes one read at a time.
      Socket().cancel(ec);
      while (reading_ && !closed_) co_await read_done_.Wait();
      if (closed_) co_return;
    }
    if constexpr (kTls) {
      // Sends close_notify; completes when the client's arrives, the
      // client closes, or it sends more (an error here is no matter).
      co_await stream_.async_shutdown(kUseTuple);
      if (closed_) co_return;
    }
    Socket().shutdown(tcp::socket::shutdown_send, ec);
    std::array<uint8_t, 4096> discard;
    while (!closed_) {
      auto [read_ec, n] = co_await Tcp().async_read_some(asio::buffer(discard), kUseTuple);
      if (read_ec) break;
    }
  }

  // ---------------------------------------------------------------- closing and timeouts

  // Error reply, then close once the queue is flushed.
  void Fail(uint64_t id, const Status& s) {
    spdlog::warn("conn {} from {}: {} ({}): closing", id_, peer_, s.reason(), Redacted(s.message()));
    Send(ctx_.handler.ErrorReply(id, s));
    CloseAfterFlush(s.reason());
  }

  void CloseAfterFlush(std::string why) {
    if (closing_) return;
    closing_ = true;
    ctx_.MarkClosing(this);
    closing_since_ = Clock::now();
    close_reason_ = std::move(why);
    writer_wake_.Notify();
    reader_wake_.Notify();
    sub_wake_.Notify();
    space_wake_.Notify();
  }

  void HardClose(const std::string& why) {
    if (closed_) return;
    closed_ = true;
    closing_ = true;
    boost::system::error_code ec;
    Socket().shutdown(tcp::socket::shutdown_both, ec);
    Socket().close(ec);
    writer_wake_.Notify();
    reader_wake_.Notify();
    sub_wake_.Notify();
    space_wake_.Notify();
    read_done_.Notify();
    spdlog::info("conn {} from {}: closed ({}): {} requests, {} events appended", id_, peer_, why, requests_,
                 appended_);
    ctx_.ReleaseFrameBytes(charged_);   // the buffer itself goes with the connection
    charged_ = 0;
    ctx_.Unregister(this);
  }

  awaitable<void> Watchdog(Ptr self) {
    const ServerOptions& o = ctx_.options;
    auto shortest = std::min({o.handshake_timeout, o.idle_timeout, o.frame_timeout, o.write_timeout});
    auto tick = std::clamp<std::chrono::milliseconds>(shortest / 4, std::chrono::milliseconds(20),
                                                      std::chrono::milliseconds(1000));
    asio::steady_timer timer(executor_);
    while (!closed_) {
      timer.expires_after(tick);
      co_await timer.async_wait(kUseTuple);
      if (closed_) break;
      const auto now = Clock::now();
      if (handshaking_ && now - started_ > o.handshake_timeout) {
        HardClose("handshake timeout");
      } else if (pending_ && !closing_ && now - started_ > o.handshake_timeout) {
        Fail(0, UnavailableError(fmt::format("no {} within {} ms of connecting", kTls ? "request" : "hello",
                                             o.handshake_timeout.count()),
                                 reason::kHandshakeTimeout));
      } else if (writing_ && now - writing_since_ > o.write_timeout) {
        HardClose("write timeout: the client does not read");
      } else if (lingering_ && now - lingering_since_ > kLingerTimeout) {
        HardClose(close_reason_.empty() ? "closed (the client did not close in time)" : close_reason_);
      } else if (closing_ && now - closing_since_ > std::max(o.write_timeout, o.drain_timeout)) {
        HardClose("close timeout");
      } else if (!closing_ && !handshaking_) {
        if (Buffered() > 0 && now - partial_since_ > o.frame_timeout) {
          Fail(0, UnavailableError("a frame was not completed in time", reason::kFrameTimeout));
        } else if (Buffered() == 0 && inflight_requests_ == 0 && subscriptions_ == 0 && out_.empty() &&
                   now - last_activity_ > o.idle_timeout) {
          Fail(0, UnavailableError("idle connection closed", reason::kIdleTimeout));
        }
      }
    }
  }

  static constexpr size_t kReadChunk = 64 * 1024;
  static constexpr auto kLingerTimeout = std::chrono::milliseconds(2000);

  ServerContext& ctx_;
  Stream stream_;
  asio::any_io_executor executor_;
  Signal writer_wake_;
  Signal reader_wake_;
  Signal sub_wake_;
  Signal space_wake_;
  Signal read_done_;          // the reader's read completed (Linger waits for it)
  const uint64_t id_;
  std::string peer_;
  Identity who_;

  std::vector<uint8_t> in_;   // received bytes are in_[in_begin_, in_end_)
  size_t charged_ = 0;        // in_.size() beyond kReadChunk, charged to the frame budget
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
  std::deque<std::string> out_;
  size_t out_bytes_ = 0;

  size_t inflight_requests_ = 0;
  size_t inflight_events_ = 0;
  std::atomic<size_t> subscriptions_{0};
  uint64_t requests_ = 0;
  uint64_t appended_ = 0;

  bool handshaking_ = false;
  bool pending_ = true;       // no identity yet (ServerOptions: pending connections)
  bool writing_ = false;
  bool draining_ = false;
  bool closing_ = false;
  bool reading_ = false;     // the reader has a read pending
  bool lingering_ = false;   // replies all written; waiting for the client to close (Linger)
  bool closed_ = false;
  std::string close_reason_;
  Clock::time_point started_, last_activity_, partial_since_, writing_since_, closing_since_, lingering_since_;
};

}  // namespace

void StartTlsConnection(ServerContext& ctx, tcp::socket socket, asio::ssl::context& tls) {
  std::make_shared<Connection<TlsStream>>(ctx, TlsStream(std::move(socket), tls))->Start();
}

void StartPlainConnection(ServerContext& ctx, tcp::socket socket) {
  std::make_shared<Connection<tcp::socket>>(ctx, std::move(socket))->Start();
}

}  // namespace ledger::net
