#pragma once

// The Engine.IO protocol test suite's app: a raw Engine.IO session that
// sends every message back unchanged.

#include <cstdint>
#include <string>

#include "actors/engineio_session.hpp"

namespace openmfd::conformance {

/// Spawns echo session `sid` and answers its `handshake`.
actors::engineio_session_actor
spawn_echo_session(caf::actor_system& sys, std::string sid,
                   std::uint64_t serial, actors::engineio_settings settings,
                   actors::exchange_ptr handshake);

} // namespace openmfd::conformance
