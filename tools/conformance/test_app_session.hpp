#pragma once

// The Socket.IO protocol test suite's app on one Engine.IO session: on a
// CONNECT to "/" or "/custom" it emits `auth` with the CONNECT's payload;
// on "/" it answers `message` with `message-back` and the same arguments
// and acks `message-with-ack` with them (binary attachments included).

#include <cstdint>
#include <string>

#include "actors/engineio_session.hpp"

namespace openmfd::conformance {

/// Spawns test-app session `sid` and answers its `handshake`.
actors::engineio_session_actor
spawn_test_app_session(caf::actor_system& sys, std::string sid,
                       std::uint64_t serial,
                       actors::engineio_settings settings,
                       actors::exchange_ptr handshake);

} // namespace openmfd::conformance
