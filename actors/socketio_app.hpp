#pragma once

// The pure parts of the Socket.IO server: Engine.IO's HTTP answers, the
// results of app events and their arguments. No CAF and no sockets, so they
// are tested in microseconds; the session actor (session_actor.cpp) and the
// listener use them.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "protocol/http_message.hpp"
#include "protocol/socketio.hpp"

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

/// True when `req` wants a WebSocket (above) and carries what the
/// WebSocket handshake needs: `Sec-WebSocket-Version: 13` and a
/// `Sec-WebSocket-Key` of 1 to 24 characters (RFC 6455). Beast would answer
/// any other with a plain-text error, not ours.
bool valid_websocket_upgrade(const protocol::http_request& req);

/// A long-polling answer carrying an encoded Engine.IO payload.
protocol::http_response polling_response(std::string payload);

/// The answer to a POST of packets: "ok", as engine.io sends it.
protocol::http_response polling_ok();

/// The Socket.IO decoding limits of a session whose Engine.IO messages are
/// at most `max_payload` bytes.
protocol::socketio_limits socketio_limits_for(std::size_t max_payload);

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

/// The field `key` of an event's first argument when that is an object;
/// nullptr when it is absent (or the argument is no object).
const boost::json::value* argument_field(const boost::json::array& args,
                                         std::string_view key);

/// The field `key` of an event's first argument when it is a string.
std::optional<std::string> text_argument(const boost::json::array& args,
                                         std::string_view key);

/// A client's `ts` (its clock, in milliseconds) as sent with an event or in
/// the CONNECT auth payload.
struct client_timestamp {
  bool malformed = false;        ///< present but not a usable number
  std::optional<std::int64_t> ms; ///< absent: nullopt
};

/// The `ts` field of `obj` (may be null). A number from 0 to 2^53 counts
/// (JavaScript's `Date.now()`; fractions are cut); anything else is
/// malformed.
client_timestamp timestamp_field(const boost::json::object* obj);

/// The `ts` of an event's first argument.
client_timestamp timestamp_argument(const boost::json::array& args);

/// A client's clock against ours, to tell an action the client buffered
/// while disconnected (and sent late) from a fresh one. It is learnt from
/// the `ts` of the CONNECT (no `ts` there: nothing is ever judged stale) and
/// keeps the smallest "our time - their time" seen: that is the clock
/// difference plus the fastest delivery, so an event's lateness is how much
/// slower than that it arrived. Clocks in milliseconds.
class client_clock {
public:
  /// Learns from a `ts` of the client that arrived at our time `server_ms`.
  void observe(std::int64_t client_ms, std::int64_t server_ms) noexcept;

  /// True once a `ts` came with the CONNECT.
  bool known() const noexcept {
    return offset_.has_value();
  }

  /// How much later than the fastest delivery seen an event stamped
  /// `client_ms` arrives at `server_ms` (zero when it came faster, or when
  /// the clock is not known).
  std::chrono::milliseconds lateness(std::int64_t client_ms,
                                     std::int64_t server_ms) const noexcept;

private:
  std::optional<std::int64_t> offset_;
};

/// The `key_released` event's payload: `{"keys": ..., "reason": ...}`.
boost::json::object key_released_payload(std::string_view keys,
                                         std::string_view reason);

/// A serialized JSON object as a value; `{}` when `json` is no object.
boost::json::object parse_object(std::string_view json);

/// The `token` event's payload: `{"token": ..., "expires_in": ...}`.
boost::json::object token_payload(std::string_view token,
                                  std::int64_t expires_in);

/// The `screen_state` event's payload: `{"screen": ..., "state": {...}}`.
boost::json::object screen_state_payload(std::string_view screen,
                                         std::string_view state_json);

} // namespace openmfd::actors
