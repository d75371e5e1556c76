#pragma once

// The only code that turns I/O events into CAF messages. Sinks hold their
// actor weakly: a message for an actor that is gone is dropped.

#include <memory>

#include "actors/messages.hpp"
#include "net/ports.hpp"

namespace openmfd::actors {

/// A request sink that sends (atom::http, exchange) to `listener`.
std::shared_ptr<net::request_sink> make_request_sink(caf::actor_addr listener);

} // namespace openmfd::actors
