#include "tools/conformance/test_app_session.hpp"

#include <optional>
#include <set>
#include <vector>

#include "actors/socketio_app.hpp"
#include "protocol/socketio.hpp"

namespace openmfd::conformance {

namespace {

using protocol::socketio_message;
using protocol::socketio_packet;
using protocol::socketio_packet_type;

struct test_app_state {
  static inline const char* name = "test_app_session";
  std::optional<actors::engineio_session> engine;
  protocol::socketio_reassembler reassembler;
  std::set<std::string> namespaces; ///< connected ones
};

using self_ptr
  = actors::engineio_session_actor::stateful_pointer<test_app_state>;

/// Sends `packet` and its binary attachments in one go.
void send(self_ptr self, const socketio_packet& packet,
          const std::vector<std::string>& attachments = {}) {
  std::vector<protocol::engineio_packet> out{
    protocol::make_text_message(protocol::encode_socketio(packet))};
  for (const auto& bytes : attachments)
    out.push_back(protocol::make_binary_message(bytes));
  self->state.engine->send(std::move(out));
}

void close(self_ptr self, std::string_view why) {
  self->state.engine->close(why);
}

void on_connect(self_ptr self, const socketio_packet& p) {
  auto& st = self->state;
  if (p.nsp != "/" && p.nsp != "/custom")
    return st.engine->send_text(
      protocol::encode_connect_error("Invalid namespace", p.nsp));
  if (!st.namespaces.insert(p.nsp).second)
    return close(self, "CONNECT while connected");
  st.engine->connected();
  st.engine->send_text(
    protocol::encode_connect_reply(actors::make_session_id(), p.nsp));
  auto auth = p.data ? p.data->as_object() : boost::json::object{};
  st.engine->send_text(protocol::encode_event(
    "auth", boost::json::array{std::move(auth)}, std::nullopt, p.nsp));
}

// `message` comes back as `message-back`; `message-with-ack` is acked with
// its arguments. Binary packets keep their placeholders and attachments.
void on_event(self_ptr self, const socketio_message& msg) {
  const auto& p = msg.packet;
  if (p.nsp != "/") // "/custom" only greets
    return;
  const auto& args = p.data->as_array(); // the decoder checked its shape
  const auto& name = args.front().as_string();
  bool binary = p.type == socketio_packet_type::binary_event;
  if (name == "message") {
    auto reply = p;
    reply.id.reset();
    reply.data->as_array().front() = "message-back";
    return send(self, reply, msg.attachments);
  }
  if (name == "message-with-ack" && p.id) {
    socketio_packet ack{binary ? socketio_packet_type::binary_ack
                               : socketio_packet_type::ack,
                        p.nsp, p.id,
                        boost::json::array(std::next(args.begin()), args.end()),
                        p.attachments};
    send(self, ack, msg.attachments);
  }
}

void on_socketio(self_ptr self, const socketio_message& msg) {
  auto& st = self->state;
  const auto& p = msg.packet;
  if (p.type == socketio_packet_type::connect)
    return on_connect(self, p);
  // socket.io closes on a packet for a namespace not connected.
  if (st.namespaces.count(p.nsp) == 0)
    return close(self, "packet for a namespace not connected");
  switch (p.type) {
    case socketio_packet_type::disconnect:
      st.namespaces.erase(p.nsp);
      return;
    case socketio_packet_type::event:
    case socketio_packet_type::binary_event:
      return on_event(self, msg);
    case socketio_packet_type::ack:
    case socketio_packet_type::binary_ack:
      return; // this app never asks for an ack
    default:
      break;
  }
  close(self, "unexpected Socket.IO packet");
}

void on_message(self_ptr self, const protocol::engineio_packet& packet) {
  auto& st = self->state;
  auto done = packet.binary ? st.reassembler.on_binary(packet.data)
                            : st.reassembler.on_text(packet.data);
  if (!done)
    return close(self, "malformed Socket.IO packet");
  if (*done)
    on_socketio(self, **done);
}

actors::engineio_session_actor::behavior_type
test_app(self_ptr self, std::string sid, std::uint64_t serial,
         actors::engineio_settings settings, actors::exchange_ptr handshake) {
  auto& st = self->state;
  st.reassembler = protocol::socketio_reassembler{
    actors::socketio_limits_for(settings.max_payload)};
  st.engine.emplace(self, std::move(sid), serial, std::move(settings),
                    [self](const protocol::engineio_packet& packet) {
                      on_message(self, packet);
                    });
  st.engine->open(handshake);
  return actors::engineio_behavior(*st.engine);
}

} // namespace

actors::engineio_session_actor
spawn_test_app_session(caf::actor_system& sys, std::string sid,
                       std::uint64_t serial,
                       actors::engineio_settings settings,
                       actors::exchange_ptr handshake) {
  return sys.spawn(test_app, std::move(sid), serial, std::move(settings),
                   std::move(handshake));
}

} // namespace openmfd::conformance
