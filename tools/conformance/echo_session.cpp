#include "tools/conformance/echo_session.hpp"

#include <optional>

namespace openmfd::conformance {

namespace {

struct echo_state {
  static inline const char* name = "echo_session";
  std::optional<actors::engineio_session> engine;
};

using self_ptr
  = actors::engineio_session_actor::stateful_pointer<echo_state>;

actors::engineio_session_actor::behavior_type
echo(self_ptr self, std::string sid, std::uint64_t serial,
     actors::engineio_settings settings, actors::exchange_ptr handshake) {
  auto& engine = self->state.engine;
  engine.emplace(self, std::move(sid), serial, std::move(settings),
                 [self](protocol::engineio_packet packet) {
                   self->state.engine->send({std::move(packet)});
                 });
  engine->open(handshake);
  return actors::engineio_behavior(*engine);
}

} // namespace

actors::engineio_session_actor
spawn_echo_session(caf::actor_system& sys, std::string sid,
                   std::uint64_t serial, actors::engineio_settings settings,
                   actors::exchange_ptr handshake) {
  return sys.spawn(echo, std::move(sid), serial, std::move(settings),
                   std::move(handshake));
}

} // namespace openmfd::conformance
