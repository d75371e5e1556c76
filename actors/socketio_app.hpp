#pragma once

// The pure parts of the Socket.IO server: Engine.IO's HTTP answers, the
// results of app events and their arguments. No CAF and no sockets, so they
// are tested in microseconds; the session actor (session_actor.cpp) and the
// listener use them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "protocol/http_message.hpp"

namespace openmfd::actors {

/// Engine.IO's HTTP errors; the value is the `code` engine.io sends.
enum class engineio_http_error : std::uint8_t {
  unknown_transport = 0,
  unknown_sid = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_protocol_version = 5,
};

/// The answer engine.io gives for `e`: 400 (403 for `forbidden`) with
/// `{"code": <n>, "message": "<engine.io's text>"}`.
protocol::http_response engineio_error(engineio_http_error e);

/// The error for a query that `protocol::parse_handshake_query` refused.
engineio_http_error engineio_error_for(const std::error_code& ec);

/// True when `req` asks for a WebSocket (`Upgrade: websocket` and an
/// `upgrade` token in `Connection`).
bool wants_websocket(const protocol::http_request& req);

/// A long-polling answer carrying an encoded Engine.IO payload.
protocol::http_response polling_response(std::string payload);

/// The answer to a POST of packets: "ok", as engine.io sends it.
protocol::http_response polling_ok();

/// A fresh random id (20 URL-safe characters, 120 bits) for an Engine.IO or
/// Socket.IO session; empty if the system's random generator failed.
std::string make_session_id();

/// `{"ok": true}`.
boost::json::object ok_result();

/// `{"ok": false, "error": code}`.
boost::json::object error_result(std::string_view code);

/// True for a result that says `"ok": true`.
bool succeeded(const boost::json::object& result);

/// What a client that asked for no ack is told about `result` of `event`:
/// the `message` event text "error: <code>" on failure, "done" after a
/// successful `run_action` (the original server's habit), else nothing.
std::optional<std::string> message_for(std::string_view event,
                                       const boost::json::object& result);

/// The `screen` of an event whose first argument is `{"screen": "..."}`.
std::optional<std::string> screen_argument(const boost::json::array& args);

/// The `state` object of `{"screen": ..., "state": {...}}`, serialized.
std::optional<std::string> state_argument(const boost::json::array& args);

/// A serialized JSON object as a value; `{}` when `json` is no object.
boost::json::object parse_object(std::string_view json);

/// The `token` event's payload: `{"token": ..., "expires_in": ...}`.
boost::json::object token_payload(std::string_view token,
                                  std::int64_t expires_in);

/// The `screen_state` event's payload: `{"screen": ..., "state": {...}}`.
boost::json::object screen_state_payload(std::string_view screen,
                                         std::string_view state_json);

} // namespace openmfd::actors
