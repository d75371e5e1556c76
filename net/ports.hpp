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

#include <cstdint>
#include <functional>
#include <memory>

#include "protocol/http_message.hpp"

namespace openmfd::net {

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
