#include "tools/loadtest/wire.hpp"

#include <charconv>

#include <boost/json/object.hpp>

#include "protocol/socketio.hpp"

namespace openmfd::loadtest {

namespace json = boost::json;
using protocol::engineio_packet_type;
using protocol::socketio_packet_type;

namespace {

/// Frames are small; anything bigger than this is not from our server.
constexpr std::size_t max_frame = 1 << 20;

constexpr char message_digit = '4';
constexpr char event_digit = '2';

inbound make(inbound_kind kind, std::string text = {}) {
  inbound in;
  in.kind = kind;
  in.text = std::move(text);
  return in;
}

/// `[{"ok": bool, "error": code}]` → ok and code.
void read_ack_result(const json::value& data, inbound& in) {
  const auto* args = data.if_array();
  if (!args || args->empty() || !args->front().is_object())
    return;
  const auto& result = args->front().get_object();
  if (const auto* ok = result.if_contains("ok"); ok && ok->is_bool())
    in.ok = ok->get_bool();
  if (const auto* code = result.if_contains("error"); code && code->is_string())
    in.text = code->get_string();
}

inbound parse_socketio(std::string_view text) {
  auto packet = protocol::decode_socketio(text);
  if (!packet)
    return make(inbound_kind::malformed, packet.error().message());
  switch (packet->type) {
    case socketio_packet_type::connect:
      return make(inbound_kind::connected);
    case socketio_packet_type::connect_error: {
      auto in = make(inbound_kind::connect_refused);
      const auto* message = packet->data->as_object().if_contains("message");
      if (message && message->is_string())
        in.text = message->get_string();
      return in;
    }
    case socketio_packet_type::ack: {
      auto in = make(inbound_kind::ack);
      in.ack_id = *packet->id; // the decoder checked it is there
      read_ack_result(*packet->data, in);
      return in;
    }
    case socketio_packet_type::event: {
      auto& all = packet->data->as_array(); // checked: ["name", args...]
      auto in = make(inbound_kind::event, std::string{all.front().as_string()});
      all.erase(all.begin());
      in.args = std::move(all);
      return in;
    }
    case socketio_packet_type::disconnect:
      return make(inbound_kind::disconnect);
    default:
      return make(inbound_kind::malformed, "binary packet");
  }
}

} // namespace

std::string connect_frame(std::string_view token) {
  json::object auth;
  auth["token"] = token;
  return message_digit + protocol::encode_connect(auth);
}

std::string event_frame(std::string_view name, const json::array& args,
                        std::uint64_t ack_id) {
  return message_digit + protocol::encode_event(name, args, ack_id);
}

repeated_event::repeated_event(std::string_view name, const json::array& args)
  : payload_(protocol::encode_event(name, args).substr(1)) {}

void repeated_event::write(std::uint64_t ack_id, std::string& out) const {
  char digits[20];
  auto end = std::to_chars(digits, digits + sizeof(digits), ack_id).ptr;
  out.clear();
  out += message_digit;
  out += event_digit;
  out.append(digits, end);
  out += payload_;
}

std::string screen_state_frame(std::string_view screen, std::uint64_t stamp_ns,
                               std::uint64_t ack_id) {
  json::object state;
  state["t"] = stamp_ns;
  json::object payload;
  payload["screen"] = screen;
  payload["state"] = std::move(state);
  return event_frame("set_screen_state", json::array{std::move(payload)},
                     ack_id);
}

inbound parse_inbound(std::string_view frame) {
  auto packet = protocol::decode_packet(frame, false, max_frame);
  if (!packet)
    return make(inbound_kind::malformed, packet.error().message());
  switch (packet->type) {
    case engineio_packet_type::open: {
      auto open = protocol::parse_open_json(packet->data);
      if (!open)
        return make(inbound_kind::malformed, open.error().message());
      auto in = make(inbound_kind::open);
      in.open = std::move(*open);
      return in;
    }
    case engineio_packet_type::ping:
      return make(inbound_kind::ping);
    case engineio_packet_type::close:
      return make(inbound_kind::close);
    case engineio_packet_type::message:
      if (packet->binary)
        return make(inbound_kind::malformed, "binary message");
      return parse_socketio(packet->data);
    default:
      return make(inbound_kind::other);
  }
}

std::optional<std::uint64_t> screen_state_stamp(const inbound& event) {
  if (event.args.empty() || !event.args.front().is_object())
    return std::nullopt;
  const auto* state = event.args.front().get_object().if_contains("state");
  if (!state || !state->is_object())
    return std::nullopt;
  const auto* stamp = state->get_object().if_contains("t");
  if (!stamp)
    return std::nullopt;
  if (stamp->is_uint64())
    return stamp->get_uint64();
  if (stamp->is_int64() && stamp->get_int64() >= 0)
    return static_cast<std::uint64_t>(stamp->get_int64());
  return std::nullopt;
}

ack_tracker::ack_tracker(std::size_t capacity) : ring_(capacity) {}

std::optional<std::uint64_t> ack_tracker::issue(std::uint64_t now,
                                                std::uint64_t note) {
  skip_settled();
  if (next_ - oldest_ >= ring_.size())
    return std::nullopt;
  auto id = next_++;
  slot(id) = {id, now, note, true};
  ++outstanding_;
  return id;
}

std::optional<ack_tracker::request> ack_tracker::settle(std::uint64_t id) {
  if (id < oldest_ || id >= next_)
    return std::nullopt;
  auto& e = slot(id);
  if (!e.live || e.id != id)
    return std::nullopt;
  e.live = false;
  --outstanding_;
  return request{e.sent, e.note};
}

std::size_t ack_tracker::expire(std::uint64_t cutoff) {
  std::size_t expired = 0;
  // Ids are issued in time order: the first live one sent at or after
  // `cutoff` ends the search.
  for (; oldest_ < next_; ++oldest_) {
    auto& e = slot(oldest_);
    if (!e.live)
      continue;
    if (e.sent >= cutoff)
      break;
    e.live = false;
    --outstanding_;
    ++expired;
  }
  return expired;
}

void ack_tracker::skip_settled() {
  while (oldest_ < next_ && !slot(oldest_).live)
    ++oldest_;
}

} // namespace openmfd::loadtest
