#pragma once

// The only code that turns I/O events into CAF messages. Sinks hold their
// actor weakly: a message for an actor that is gone is dropped.

#include <cstdint>
#include <functional>
#include <memory>

#include "actors/messages.hpp"
#include "net/ports.hpp"

namespace openmfd::actors {

/// A request sink that sends (atom::http, exchange) to `listener`.
std::shared_ptr<net::request_sink> make_request_sink(caf::actor_addr listener);

/// Forwards one WebSocket's events to its session, tagged with the
/// session's `transport` number: (atom::ws_open, transport, port),
/// (atom::ws_frame, transport, data, binary), (atom::ws_closed, transport).
class stream_sink : public net::stream_events {
public:
  /// The session no longer wants this stream (it switched transports or
  /// ended): the stream is closed now if it is open, else as soon as it
  /// opens, and nothing more is forwarded. Callable from any thread.
  virtual void detach() = 0;
};

/// A stream sink for transport `transport` of `session`. A stream whose
/// session is gone is closed too.
std::shared_ptr<stream_sink> make_stream_sink(caf::actor_addr session,
                                              std::uint64_t transport);

/// An exchange_port::on_abort callback that sends (atom::poll_abort, id) to
/// `session`.
std::function<void()> make_abort_notice(caf::actor_addr session,
                                        std::uint64_t id);

} // namespace openmfd::actors
