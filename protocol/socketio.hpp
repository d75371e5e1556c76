#pragma once

// Socket.IO v5 codec: the text packet `<type>[<attachments>-][<nsp>,][<id>]
// [<json>]`, binary attachments and their reassembly. Pure values in, values
// out; errors are returned, never thrown.
// Wire format: https://github.com/socketio/socket.io-protocol (v5).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "protocol/errors.hpp"

namespace openmfd::protocol {

/// Why a Socket.IO input was rejected; `to_string` gives the wire text.
enum class socketio_errc {
  empty_packet = 1,      ///< no type character
  unknown_packet_type,   ///< the type character is not 0-6
  bad_attachment_count,  ///< binary packet without `<digits>-`
  too_many_attachments,  ///< more attachments than the limit allows
  bad_namespace,         ///< overlong, or a character a namespace cannot hold
  bad_ack_id,            ///< an ack id with too many digits
  missing_ack_id,        ///< an ACK without the id it answers
  unexpected_ack_id,     ///< an id on CONNECT, DISCONNECT or CONNECT_ERROR
  bad_json,              ///< not JSON, or a number beyond double range
  json_too_deep,         ///< the payload nests deeper than the limit
  missing_payload,       ///< EVENT, ACK or CONNECT_ERROR without a payload
  unexpected_payload,    ///< a DISCONNECT with a payload
  payload_not_object,    ///< CONNECT or CONNECT_ERROR payload is no object
  payload_not_array,     ///< EVENT or ACK payload is no array
  missing_event_name,    ///< EVENT array does not start with a string
  reserved_event_name,   ///< EVENT named "connect", "disconnect", ...
  bad_placeholder,       ///< a placeholder with a bad or out-of-range `num`
  attachment_too_large,  ///< an attachment over the size limit
  unexpected_attachment, ///< binary data while no binary packet waits for it
  expected_attachment,   ///< a text packet while attachments are still due
};

/// The wire text of `e`, e.g. "bad_namespace".
std::string_view to_string(socketio_errc e) noexcept;

/// "socketio": the name of the error category of `socketio_errc`.
const char* category_name(socketio_errc) noexcept;

} // namespace openmfd::protocol

OPENMFD_ERROR_ENUM(socketio_errc);

namespace openmfd::protocol {

/// Socket.IO packet types; the value is the digit on the wire.
enum class socketio_packet_type : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

/// The lowercase name of `t`, e.g. "binary_event".
std::string_view to_string(socketio_packet_type t) noexcept;

/// Bounds applied while decoding untrusted input.
struct socketio_limits {
  std::size_t max_attachments = 16;
  std::size_t max_attachment_size = 1000000; ///< bytes per attachment
  /// Bytes of one message's attachments together: what a message may hold
  /// while it is being assembled.
  std::size_t max_attachments_size = 1000000;
  unsigned max_json_depth = 32;
};

/// One Socket.IO packet (the text part; attachments travel separately).
struct socketio_packet {
  socketio_packet_type type = socketio_packet_type::event;
  std::string nsp = "/";
  std::optional<std::uint64_t> id;        ///< the ack id, when present
  std::optional<boost::json::value> data; ///< absent when none on the wire
  std::size_t attachments = 0;            ///< binary_event / binary_ack only
};

/// Field-wise equality (for tests and round-trip checks).
bool operator==(const socketio_packet& a, const socketio_packet& b) noexcept;

/// Field-wise inequality.
bool operator!=(const socketio_packet& a, const socketio_packet& b) noexcept;

/// `{"_placeholder":true,"num":num}`: stands for attachment `num` in a binary
/// packet's JSON.
boost::json::object make_placeholder(std::size_t num);

/// The `num` of `v` if `v` is a well-formed placeholder object.
std::optional<std::size_t> placeholder_index(const boost::json::value& v);

/// A complete packet with its binary attachments.
///
/// Binary data stays represented by its placeholder object inside
/// `packet.data`; `attachments[k]` holds the raw bytes of the placeholder
/// whose `num` is k. `decode_socketio` has checked that every placeholder's
/// `num` is below `packet.attachments`, so `attachment()` finds each one.
struct socketio_message {
  socketio_packet packet;
  std::vector<std::string> attachments;

  /// The bytes `v` stands for, or nullptr if `v` is no placeholder (or its
  /// attachment is missing).
  const std::string* attachment(const boost::json::value& v) const;
};

/// A binary packet ready to send: `text` first, then each attachment as its
/// own binary Engine.IO message, in order.
struct socketio_encoded {
  std::string text;
  std::vector<std::string> attachments;
};

/// Decodes one text packet, checking the payload shape for its type and,
/// for binary packets, that every placeholder refers to a declared
/// attachment. Ack ids hold at most 15 digits (exact in a JS number).
result<socketio_packet> decode_socketio(std::string_view text,
                                        const socketio_limits& limits = {});

/// Encodes `packet` as compact JSON keeping key order; the namespace is
/// left out when it is "/". For binary types the attachment count comes from
/// `packet.attachments`.
std::string encode_socketio(const socketio_packet& packet);

/// CONNECT from a client: `0`, or `0{...auth}` (with `/nsp,` when not "/").
std::string encode_connect(const std::optional<boost::json::object>& auth = {},
                           std::string_view nsp = "/");

/// The server's CONNECT reply: `0{"sid":"..."}`.
std::string encode_connect_reply(std::string_view sid,
                                 std::string_view nsp = "/");

/// CONNECT_ERROR: `4{"message":"..."}`.
std::string encode_connect_error(std::string_view message,
                                 std::string_view nsp = "/");

/// DISCONNECT: `1` (or `1/nsp,`).
std::string encode_disconnect(std::string_view nsp = "/");

/// EVENT: `2[<id>]["name",args...]`.
std::string encode_event(std::string_view name,
                         const boost::json::array& args = {},
                         std::optional<std::uint64_t> ack_id = std::nullopt,
                         std::string_view nsp = "/");

/// ACK: `3<id>[args...]`.
std::string encode_ack(std::uint64_t ack_id, const boost::json::array& args,
                       std::string_view nsp = "/");

/// BINARY_EVENT: `5<n>-[<id>]["name",args...]` plus the n attachments; `args`
/// refer to them with `make_placeholder(k)`.
socketio_encoded
encode_binary_event(std::string_view name, const boost::json::array& args,
                    std::vector<std::string> attachments,
                    std::optional<std::uint64_t> ack_id = std::nullopt,
                    std::string_view nsp = "/");

/// BINARY_ACK: `6<n>-<id>[args...]` plus the n attachments.
socketio_encoded encode_binary_ack(std::uint64_t ack_id,
                                   const boost::json::array& args,
                                   std::vector<std::string> attachments,
                                   std::string_view nsp = "/");

/// Turns the Engine.IO messages of one session into complete Socket.IO
/// messages: a binary packet is held until its attachments have arrived.
/// A plain value owned by its session; not thread-safe. After an error it is
/// back in its initial state (the caller is expected to close the session).
class socketio_reassembler {
public:
  /// A reassembler applying `limits` to every packet and attachment.
  explicit socketio_reassembler(socketio_limits limits = {});

  /// Feeds an Engine.IO text message: a complete message, or nullopt while
  /// the packet waits for its attachments.
  result<std::optional<socketio_message>> on_text(std::string_view text);

  /// Feeds an Engine.IO binary message: the completed message after its
  /// packet's last attachment, nullopt before.
  result<std::optional<socketio_message>> on_binary(std::string_view bytes);

  /// True while a binary packet waits for attachments.
  bool awaiting_attachments() const noexcept;

  /// Drops any partly assembled message.
  void reset() noexcept;

private:
  socketio_limits limits_;
  std::optional<socketio_message> pending_;
  std::size_t pending_bytes_ = 0;
};

} // namespace openmfd::protocol
