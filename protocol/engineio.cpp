#include "protocol/engineio.hpp"

#include "protocol/http_message.hpp"

#include <array>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace openmfd::protocol {

namespace {

// The record separator that joins packets in a polling body.
constexpr char record_separator = '\x1e';

// Engine.IO generates 20-character sids; the margin tolerates other servers'
// schemes in the load tool without letting a client send a novel.
constexpr std::size_t max_sid_size = 64;

// Our tokens are 256-bit values as text; anything far longer is not ours.
constexpr std::size_t max_token_size = 512;

// The open packet is flat; deeper JSON is not an open packet.
constexpr unsigned open_json_max_depth = 4;

constexpr char base64_alphabet[]
  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::string_view, 16> errc_names = {
  "",
  "empty_payload",
  "empty_packet",
  "unknown_packet_type",
  "bad_base64",
  "payload_too_large",
  "separator_in_text",
  "bad_open_packet",
  "missing_protocol_version",
  "unsupported_protocol_version",
  "missing_transport",
  "unknown_transport",
  "duplicate_parameter",
  "bad_percent_encoding",
  "bad_sid",
  "bad_token",
};

constexpr std::array<std::string_view, 7> packet_type_names
  = {"open", "close", "ping", "pong", "message", "upgrade", "noop"};

/// The 6-bit value of a base64 character, or -1.
int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::size_t left = bytes.size() - i;
    std::uint32_t group = std::uint32_t{static_cast<unsigned char>(bytes[i])}
                          << 16;
    if (left > 1)
      group |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    if (left > 2)
      group |= std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    out += base64_alphabet[(group >> 18) & 0x3f];
    out += base64_alphabet[(group >> 12) & 0x3f];
    out += left > 1 ? base64_alphabet[(group >> 6) & 0x3f] : '=';
    out += left > 2 ? base64_alphabet[group & 0x3f] : '=';
  }
  return out;
}

/// Strict RFC 4648 decoding: padded to a multiple of 4, '=' only at the end.
/// Clients always pad (the browser encodes through a data: URL).
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size()
         && text[text.size() - 1 - padding] == '=')
    ++padding;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t group = 0;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    int v = base64_value(text[i]);
    if (v < 0)
      return std::nullopt;
    group = (group << 6) | static_cast<std::uint32_t>(v);
    if (i % 4 == 3) {
      out += static_cast<char>((group >> 16) & 0xff);
      out += static_cast<char>((group >> 8) & 0xff);
      out += static_cast<char>(group & 0xff);
      group = 0;
    }
  }
  // The last, padded quantum carries 1 (two '=') or 2 (one '=') bytes.
  if (padding == 2) {
    out += static_cast<char>((group >> 4) & 0xff);
  } else if (padding == 1) {
    out += static_cast<char>((group >> 10) & 0xff);
    out += static_cast<char>((group >> 2) & 0xff);
  }
  return out;
}

std::optional<engineio_packet_type> packet_type_of(char c) noexcept {
  if (c < '0' || c > '6')
    return std::nullopt;
  return static_cast<engineio_packet_type>(c - '0');
}

char packet_type_digit(engineio_packet_type t) noexcept {
  return static_cast<char>('0' + static_cast<int>(t));
}

/// A text-encoded packet as found in a polling body or a text frame.
result<engineio_packet> decode_text_packet(std::string_view text) {
  if (text.empty())
    return engineio_errc::empty_packet;
  if (text[0] == 'b') {
    auto bytes = base64_decode(text.substr(1));
    if (!bytes)
      return engineio_errc::bad_base64;
    return make_binary_message(std::move(*bytes));
  }
  auto type = packet_type_of(text[0]);
  if (!type)
    return engineio_errc::unknown_packet_type;
  return engineio_packet{*type, std::string{text.substr(1)}, false};
}

/// A packet as it appears inside a polling body.
std::string encode_text_packet(const engineio_packet& packet) {
  if (packet.binary)
    return 'b' + base64_encode(packet.data);
  return packet_type_digit(packet.type) + packet.data;
}

// --- handshake query ----------------------------------------------------

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Decodes %XX escapes. '+' stays '+': clients encode with
/// encodeURIComponent, which escapes a literal '+' and never emits one for
/// a space, so reading it as a space would corrupt base64 tokens.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size())
      return std::nullopt;
    int hi = hex_value(text[i + 1]);
    int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool is_sid_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
         || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_valid_sid(std::string_view sid) noexcept {
  if (sid.empty() || sid.size() > max_sid_size)
    return false;
  for (char c : sid)
    if (!is_sid_char(c))
      return false;
  return true;
}

/// Printable ASCII only: a token goes into logs' redaction and comparisons,
/// never into anything that would need control characters.
bool is_valid_token(std::string_view token) noexcept {
  if (token.empty() || token.size() > max_token_size)
    return false;
  for (char c : token)
    if (c < '!' || c > '~')
      return false;
  return true;
}

/// The raw (still percent-encoded) values of the parameters we care about.
struct raw_query {
  std::optional<std::string_view> eio;
  std::optional<std::string_view> transport;
  std::optional<std::string_view> sid;
  std::optional<std::string_view> token;

  /// The slot for `name`, or nullptr for parameters we ignore.
  std::optional<std::string_view>* slot(std::string_view name) noexcept {
    if (name == "EIO")
      return &eio;
    if (name == "transport")
      return &transport;
    if (name == "sid")
      return &sid;
    if (name == "token")
      return &token;
    return nullptr;
  }
};

result<raw_query> split_query(std::string_view query) {
  raw_query out;
  bool duplicate = false;
  for_each_query_param(query, [&](std::string_view name,
                                  std::string_view value) {
    auto* slot = out.slot(name);
    if (slot == nullptr) // a parameter we ignore
      return true;
    duplicate = slot->has_value();
    *slot = value;
    return !duplicate;
  });
  if (duplicate)
    return engineio_errc::duplicate_parameter;
  return out;
}

/// Percent-decodes an optional value and checks it with `valid`.
template <class Predicate>
result<std::optional<std::string>>
decode_optional(std::optional<std::string_view> raw, Predicate valid,
                engineio_errc invalid) {
  if (!raw)
    return std::optional<std::string>{};
  auto decoded = percent_decode(*raw);
  if (!decoded)
    return engineio_errc::bad_percent_encoding;
  if (!valid(*decoded))
    return invalid;
  return std::optional<std::string>{std::move(*decoded)};
}

result<engineio_transport> transport_of(std::optional<std::string_view> raw) {
  if (!raw)
    return engineio_errc::missing_transport;
  if (*raw == "polling")
    return engineio_transport::polling;
  if (*raw == "websocket")
    return engineio_transport::websocket;
  return engineio_errc::unknown_transport;
}

// --- open packet --------------------------------------------------------

std::optional<std::uint64_t> uint_field(const boost::json::object& obj,
                                        std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (v == nullptr || !(v->is_int64() || v->is_uint64()))
    return std::nullopt;
  boost::json::error_code ec;
  auto n = v->to_number<std::uint64_t>(ec);
  if (ec)
    return std::nullopt;
  return n;
}

std::optional<std::vector<std::string>>
string_array_field(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (v == nullptr || !v->is_array())
    return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : v->get_array()) {
    if (!item.is_string())
      return std::nullopt;
    out.emplace_back(item.get_string());
  }
  return out;
}

} // namespace

std::string_view to_string(engineio_errc e) noexcept {
  auto i = static_cast<std::size_t>(e);
  return i < errc_names.size() ? errc_names[i] : "unknown_error";
}

const char* category_name(engineio_errc) noexcept {
  return "engineio";
}

std::string_view to_string(engineio_packet_type t) noexcept {
  auto i = static_cast<std::size_t>(t);
  return i < packet_type_names.size() ? packet_type_names[i] : "unknown";
}

bool operator==(const engineio_packet& a, const engineio_packet& b) noexcept {
  return a.type == b.type && a.binary == b.binary && a.data == b.data;
}

bool operator!=(const engineio_packet& a, const engineio_packet& b) noexcept {
  return !(a == b);
}

engineio_packet make_text_message(std::string text) {
  return {engineio_packet_type::message, std::move(text), false};
}

engineio_packet make_binary_message(std::string bytes) {
  return {engineio_packet_type::message, std::move(bytes), true};
}

std::string encode_packet(const engineio_packet& packet) {
  if (packet.binary)
    return packet.data;
  return packet_type_digit(packet.type) + packet.data;
}

result<engineio_packet> decode_packet(std::string_view frame, bool binary_frame,
                                      std::size_t max_payload) {
  if (frame.size() > max_payload)
    return engineio_errc::payload_too_large;
  if (binary_frame)
    return make_binary_message(std::string{frame});
  return decode_text_packet(frame);
}

result<std::string>
encode_payload(const std::vector<engineio_packet>& packets) {
  std::string out;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const auto& packet = packets[i];
    if (!packet.binary
        && packet.data.find(record_separator) != std::string::npos)
      return engineio_errc::separator_in_text;
    if (i > 0)
      out += record_separator;
    out += encode_text_packet(packet);
  }
  return out;
}

result<std::vector<engineio_packet>> decode_payload(std::string_view body,
                                                    std::size_t max_payload) {
  if (body.size() > max_payload)
    return engineio_errc::payload_too_large;
  if (body.empty())
    return engineio_errc::empty_payload;
  std::vector<engineio_packet> out;
  for (;;) {
    auto end = body.find(record_separator);
    auto packet = decode_text_packet(body.substr(0, end));
    if (!packet)
      return packet.error();
    out.push_back(std::move(*packet));
    if (end == std::string_view::npos)
      return out;
    body.remove_prefix(end + 1);
  }
}

bool operator==(const engineio_open& a, const engineio_open& b) noexcept {
  return a.sid == b.sid && a.upgrades == b.upgrades
         && a.ping_interval_ms == b.ping_interval_ms
         && a.ping_timeout_ms == b.ping_timeout_ms
         && a.max_payload == b.max_payload;
}

std::string encode_open_json(const engineio_open& open) {
  boost::json::array upgrades;
  for (const auto& name : open.upgrades)
    upgrades.emplace_back(name);
  // boost::json::object keeps insertion order, which fixes the key order.
  boost::json::object obj;
  obj["sid"] = open.sid;
  obj["upgrades"] = std::move(upgrades);
  obj["pingInterval"] = open.ping_interval_ms;
  obj["pingTimeout"] = open.ping_timeout_ms;
  obj["maxPayload"] = open.max_payload;
  return boost::json::serialize(obj);
}

engineio_packet make_open_packet(const engineio_open& open) {
  return {engineio_packet_type::open, encode_open_json(open), false};
}

result<engineio_open> parse_open_json(std::string_view json) {
  boost::json::parse_options options;
  options.max_depth = open_json_max_depth;
  boost::json::error_code ec;
  auto value = boost::json::parse(json, ec, {}, options);
  if (ec || !value.is_object())
    return engineio_errc::bad_open_packet;
  const auto& obj = value.get_object();
  const auto* sid = obj.if_contains("sid");
  auto upgrades = string_array_field(obj, "upgrades");
  auto interval = uint_field(obj, "pingInterval");
  auto timeout = uint_field(obj, "pingTimeout");
  auto max_payload = uint_field(obj, "maxPayload");
  if (sid == nullptr || !sid->is_string() || !upgrades || !interval || !timeout
      || !max_payload)
    return engineio_errc::bad_open_packet;
  return engineio_open{std::string{sid->get_string()}, std::move(*upgrades),
                       *interval, *timeout, *max_payload};
}

result<engineio_handshake> parse_handshake_query(std::string_view query) {
  auto raw = split_query(query);
  if (!raw)
    return raw.error();
  if (!raw->eio)
    return engineio_errc::missing_protocol_version;
  if (*raw->eio != "4")
    return engineio_errc::unsupported_protocol_version;
  auto transport = transport_of(raw->transport);
  if (!transport)
    return transport.error();
  auto sid = decode_optional(raw->sid, is_valid_sid, engineio_errc::bad_sid);
  if (!sid)
    return sid.error();
  auto token
    = decode_optional(raw->token, is_valid_token, engineio_errc::bad_token);
  if (!token)
    return token.error();
  return engineio_handshake{*transport, std::move(*sid), std::move(*token)};
}

} // namespace openmfd::protocol
