#pragma once

// The bridge between net/ (Asio) and actors/ (CAF). Nothing here names an Asio
// or CAF type, so each side depends only on these interfaces.
//
// Threading: every method of a port may be called from any thread and never
// blocks; it only posts work to the connection's strand. Every callback into a
// sink runs on an io thread and must return at once (an enqueue, no waiting).
//
// Ownership: actors hold ports strongly; connections hold sinks, and a sink
// points back to its actor weakly, so no cycle keeps an actor alive.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "protocol/http_message.hpp"

namespace openmfd::net {

class stream_events;

/// One HTTP request awaiting its response.
class exchange_port {
public:
  virtual ~exchange_port() = default;

  /// The request; immutable for the port's lifetime.
  virtual const protocol::http_request& request() const noexcept = 0;

  /// Sends `res`. Only the first call counts; later calls are ignored.
  virtual void respond(protocol::http_response res) = 0;

  /// Runs `fn` once, on an io thread, if the client goes away before the
  /// response is sent (at once if it already has). Replaces an earlier `fn`.
  virtual void on_abort(std::function<void()> fn) = 0;

  /// Answers a WebSocket upgrade request with 101 and turns the connection
  /// into a WebSocket: `events` then gets on_open(port), the frames and
  /// on_closed. Counts as the response: later `respond` calls are ignored.
  /// A request that asks for no WebSocket is answered 400 instead, and an
  /// exchange answered already stays as it is; `events` then gets only
  /// on_closed.
  virtual void upgrade(std::shared_ptr<stream_events> events) = 0;
};

/// How many frames a new stream delivers before it waits for `grant`.
inline constexpr std::size_t initial_read_credits = 16;

/// An open WebSocket. Its owner (one actor) sends frames and grants reads.
class stream_port {
public:
  virtual ~stream_port() = default;

  /// Queues one message (a text frame, or a binary frame when `binary`).
  /// A client that lets too much pile up is closed (it is too slow to read).
  /// Ignored once the stream is closing.
  virtual void send(std::string frame, bool binary) = 0;

  /// Allows `n` more frames to be read: a stream delivers at most the
  /// credits granted so far (starting with `initial_read_credits`), so that
  /// the owner's mailbox stays bounded. Grant one per frame handled.
  virtual void grant(std::size_t n) = 0;

  /// Closes the stream once the frames queued before are written; the
  /// events then get on_closed. Idempotent.
  virtual void close() = 0;
};

/// What a WebSocket tells its owner. Called on an io thread; each call must
/// return at once. Exactly one on_closed ends every upgrade, opened or not.
class stream_events {
public:
  virtual ~stream_events() = default;
  /// The handshake succeeded; `port` is how to use the stream.
  virtual void on_open(std::shared_ptr<stream_port> port) = 0;
  /// One complete message (binary when it came in a binary frame); spends
  /// one read credit.
  virtual void on_frame(std::string frame, bool binary) = 0;
  /// The stream is gone (closed by either side, failed, or never opened).
  virtual void on_closed() = 0;
};

/// Receives each complete request read from any connection.
class request_sink {
public:
  virtual ~request_sink() = default;
  virtual void on_request(std::shared_ptr<exchange_port> exchange) = 0;
};

/// The listening socket and every connection accepted from it.
class acceptor_port {
public:
  virtual ~acceptor_port() = default;

  /// Starts accepting; every request goes to `sink`.
  virtual void start(std::shared_ptr<request_sink> sink) = 0;

  /// Stops accepting, closes idle connections at once and the others as soon
  /// as their current response is written.
  virtual void close() = 0;

  /// The bound port (the real one when 0 was asked).
  virtual std::uint16_t port() const noexcept = 0;
};

} // namespace openmfd::net
