#pragma once

// Engine.IO v4 codec: packets, polling payloads, the open handshake and the
// handshake query. Pure values in, values out; errors are returned, never
// thrown. Wire format: https://github.com/socketio/engine.io-protocol (v4).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/errors.hpp"

namespace openmfd::protocol {

/// Why an Engine.IO input was rejected; `to_string` gives the wire text.
enum class engineio_errc {
  empty_payload = 1,            ///< a polling body with no bytes at all
  empty_packet,                 ///< a packet with no type character
  unknown_packet_type,          ///< the type character is not 0-6 or `b`
  bad_base64,                   ///< a `b` packet whose base64 does not decode
  payload_too_large,            ///< input longer than the caller's limit
  separator_in_text,            ///< a text packet holds \x1e (cannot be polled)
  bad_open_packet,              ///< open packet JSON of the wrong shape
  missing_protocol_version,     ///< no `EIO` in the handshake query
  unsupported_protocol_version, ///< `EIO` is not 4
  missing_transport,            ///< no `transport` in the handshake query
  unknown_transport,            ///< `transport` is not polling or websocket
  duplicate_parameter,          ///< a known query parameter given twice
  bad_percent_encoding,         ///< a broken %XX escape in the query
  bad_sid,                      ///< an empty, overlong or odd-charactered sid
  bad_token,                    ///< an empty or overlong token
};

/// The wire text of `e`, e.g. "unknown_packet_type".
std::string_view to_string(engineio_errc e) noexcept;

/// "engineio": the name of the error category of `engineio_errc`.
const char* category_name(engineio_errc) noexcept;

} // namespace openmfd::protocol

OPENMFD_ERROR_ENUM(engineio_errc);

namespace openmfd::protocol {

/// Engine.IO packet types; the value is the digit on the wire.
enum class engineio_packet_type : std::uint8_t {
  open = 0,
  close = 1,
  ping = 2,
  pong = 3,
  message = 4,
  upgrade = 5,
  noop = 6,
};

/// The lowercase name of `t`, e.g. "message".
std::string_view to_string(engineio_packet_type t) noexcept;

/// One Engine.IO packet. `binary` is only ever set on `message` packets: then
/// `data` holds raw bytes (a WebSocket binary frame, or `b`+base64 when
/// polled); otherwise `data` is the text after the type digit.
struct engineio_packet {
  engineio_packet_type type = engineio_packet_type::noop;
  std::string data;
  bool binary = false;
};

/// Field-wise equality (for tests and round-trip checks).
bool operator==(const engineio_packet& a, const engineio_packet& b) noexcept;

/// Field-wise inequality.
bool operator!=(const engineio_packet& a, const engineio_packet& b) noexcept;

/// A text message packet (`4<text>`).
engineio_packet make_text_message(std::string text);

/// A binary message packet (raw bytes).
engineio_packet make_binary_message(std::string bytes);

/// Encodes one packet as a WebSocket frame: a binary packet's raw bytes (send
/// as a binary frame), otherwise the type digit plus data (a text frame).
std::string encode_packet(const engineio_packet& packet);

/// Decodes one WebSocket frame. `binary_frame` says which opcode carried it: a
/// binary frame is always a binary message. A text frame is `<digit><data>` or
/// `b<base64>`. Frames longer than `max_payload` bytes are rejected.
result<engineio_packet> decode_packet(std::string_view frame, bool binary_frame,
                                      std::size_t max_payload);

/// Encodes packets as one HTTP long-polling body, joined by \x1e, binary
/// messages as `b`+base64. Fails with `separator_in_text` when a text packet
/// holds \x1e, which the payload format cannot carry.
result<std::string> encode_payload(const std::vector<engineio_packet>& packets);

/// Decodes an HTTP long-polling body (packets joined by \x1e). Bodies longer
/// than `max_payload` bytes are rejected before any parsing.
result<std::vector<engineio_packet>> decode_payload(std::string_view body,
                                                    std::size_t max_payload);

/// The contents of the open packet the server sends first.
struct engineio_open {
  std::string sid;
  std::vector<std::string> upgrades; ///< e.g. {"websocket"}; empty on ws
  std::uint64_t ping_interval_ms = 25000;
  std::uint64_t ping_timeout_ms = 20000;
  std::uint64_t max_payload = 1000000;
};

/// Field-wise equality.
bool operator==(const engineio_open& a, const engineio_open& b) noexcept;

/// The open packet JSON with exactly `sid`, `upgrades`, `pingInterval`,
/// `pingTimeout`, `maxPayload`, in that order.
std::string encode_open_json(const engineio_open& open);

/// An `open` packet carrying `encode_open_json(open)`.
engineio_packet make_open_packet(const engineio_open& open);

/// Parses the open packet JSON (client side, e.g. the load tool); extra keys
/// are ignored, missing or mistyped ones give `bad_open_packet`.
result<engineio_open> parse_open_json(std::string_view json);

/// The transport named in a handshake query.
enum class engineio_transport : std::uint8_t { polling, websocket };

/// What an Engine.IO request's query string says about the session.
struct engineio_handshake {
  engineio_transport transport = engineio_transport::polling;
  std::optional<std::string> sid;   ///< absent on the first request
  std::optional<std::string> token; ///< `?token=`, percent-decoded
};

/// Parses `EIO=4&transport=polling|websocket[&sid=...][&token=...]` (query
/// string without '?'). Other parameters (e.g. the client's `t` cache
/// buster) are ignored; a known one given twice is an error.
result<engineio_handshake> parse_handshake_query(std::string_view query);

} // namespace openmfd::protocol
