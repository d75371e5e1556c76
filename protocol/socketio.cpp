#include "protocol/socketio.hpp"

#include <array>

#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "protocol/json_numbers.hpp"

namespace openmfd::protocol {

namespace {

// 15 digits stay below 2^53, so the id survives a round trip through the
// client's JS number without rounding.
constexpr std::size_t max_ack_id_digits = 15;

// Enough for any sane limit; keeps the count itself from overflowing.
constexpr std::size_t max_attachment_count_digits = 6;

constexpr std::size_t max_namespace_size = 128;

constexpr std::array<std::string_view, 21> errc_names = {
  "",
  "empty_packet",
  "unknown_packet_type",
  "bad_attachment_count",
  "too_many_attachments",
  "bad_namespace",
  "bad_ack_id",
  "missing_ack_id",
  "unexpected_ack_id",
  "bad_json",
  "json_too_deep",
  "missing_payload",
  "unexpected_payload",
  "payload_not_object",
  "payload_not_array",
  "missing_event_name",
  "reserved_event_name",
  "bad_placeholder",
  "attachment_too_large",
  "unexpected_attachment",
  "expected_attachment",
};

constexpr std::array<std::string_view, 7> packet_type_names
  = {"connect",       "disconnect",   "event",     "ack",
     "connect_error", "binary_event", "binary_ack"};

// Names socket.io reserves for its own use; its parser rejects them too.
constexpr std::array<std::string_view, 6> reserved_events
  = {"connect",       "connect_error", "disconnect",
     "disconnecting", "newListener",   "removeListener"};

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_binary(socketio_packet_type t) noexcept {
  return t == socketio_packet_type::binary_event
         || t == socketio_packet_type::binary_ack;
}

bool is_event(socketio_packet_type t) noexcept {
  return t == socketio_packet_type::event
         || t == socketio_packet_type::binary_event;
}

bool is_ack(socketio_packet_type t) noexcept {
  return t == socketio_packet_type::ack
         || t == socketio_packet_type::binary_ack;
}

/// Characters of a URL path; this excludes ',' (the terminator) and the
/// JSON openers, so a missing ',' shows up as a bad namespace rather than
/// as a namespace that swallowed the payload.
bool is_namespace_char(char c) noexcept {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c))
    return true;
  return std::string_view{"-._~/!$&'()*+;=:@%"}.find(c)
         != std::string_view::npos;
}

/// The leading run of digits of `text`.
std::string_view leading_digits(std::string_view text) noexcept {
  std::size_t n = 0;
  while (n < text.size() && is_digit(text[n]))
    ++n;
  return text.substr(0, n);
}

/// Digits to a number; callers bound the length so it cannot overflow.
std::uint64_t to_number(std::string_view digits) noexcept {
  std::uint64_t n = 0;
  for (char c : digits)
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  return n;
}

// Each read_* function consumes its part from the front of `rest`.

result<socketio_packet_type> read_type(std::string_view& rest) {
  if (rest.empty())
    return socketio_errc::empty_packet;
  char c = rest.front();
  if (c < '0' || c > '6')
    return socketio_errc::unknown_packet_type;
  rest.remove_prefix(1);
  return static_cast<socketio_packet_type>(c - '0');
}

result<std::size_t> read_attachment_count(std::string_view& rest,
                                          const socketio_limits& limits) {
  auto digits = leading_digits(rest);
  if (digits.empty() || digits.size() > max_attachment_count_digits
      || digits.size() == rest.size() || rest[digits.size()] != '-')
    return socketio_errc::bad_attachment_count;
  auto count = to_number(digits);
  if (count > limits.max_attachments)
    return socketio_errc::too_many_attachments;
  rest.remove_prefix(digits.size() + 1);
  return static_cast<std::size_t>(count);
}

/// A namespace starts with '/' and runs to ',' (consumed) or the end.
result<std::string> read_namespace(std::string_view& rest) {
  if (rest.empty() || rest.front() != '/')
    return std::string{"/"};
  auto comma = rest.find(',');
  auto nsp = rest.substr(0, comma);
  if (nsp.size() > max_namespace_size)
    return socketio_errc::bad_namespace;
  for (char c : nsp)
    if (!is_namespace_char(c))
      return socketio_errc::bad_namespace;
  rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
  return std::string{nsp};
}

result<std::optional<std::uint64_t>> read_ack_id(std::string_view& rest) {
  auto digits = leading_digits(rest);
  if (digits.empty())
    return std::optional<std::uint64_t>{};
  if (digits.size() > max_ack_id_digits)
    return socketio_errc::bad_ack_id;
  rest.remove_prefix(digits.size());
  return std::optional<std::uint64_t>{to_number(digits)};
}

result<std::optional<boost::json::value>>
read_payload(std::string_view rest, const socketio_limits& limits) {
  if (rest.empty())
    return std::optional<boost::json::value>{};
  boost::json::parse_options options;
  options.max_depth = limits.max_json_depth;
  boost::json::error_code ec;
  auto value = boost::json::parse(rest, ec, {}, options);
  if (ec == boost::json::error::too_deep)
    return socketio_errc::json_too_deep;
  if (ec || !all_numbers_finite(value))
    return socketio_errc::bad_json;
  return std::optional<boost::json::value>{std::move(value)};
}

/// Only ACKs carry an id that must be there; events may ask for one; the
/// connection-level packets have no use for one.
std::error_code check_ack_id(const socketio_packet& p) {
  if (is_ack(p.type))
    return p.id ? std::error_code{} : socketio_errc::missing_ack_id;
  if (is_event(p.type) || !p.id)
    return {};
  return socketio_errc::unexpected_ack_id;
}

std::error_code check_event_name(const boost::json::array& args) {
  if (args.empty() || !args.front().is_string())
    return socketio_errc::missing_event_name;
  std::string_view name = args.front().get_string();
  for (auto reserved : reserved_events)
    if (name == reserved)
      return socketio_errc::reserved_event_name;
  return {};
}

std::error_code check_array_payload(const socketio_packet& p) {
  if (!p.data)
    return socketio_errc::missing_payload;
  if (!p.data->is_array())
    return socketio_errc::payload_not_array;
  return is_event(p.type) ? check_event_name(p.data->get_array())
                          : std::error_code{};
}

std::error_code check_payload(const socketio_packet& p) {
  switch (p.type) {
    case socketio_packet_type::connect:
      return !p.data || p.data->is_object() ? std::error_code{}
                                            : socketio_errc::payload_not_object;
    case socketio_packet_type::disconnect:
      return p.data ? socketio_errc::unexpected_payload : std::error_code{};
    case socketio_packet_type::connect_error:
      if (!p.data)
        return socketio_errc::missing_payload;
      return p.data->is_object() ? std::error_code{}
                                 : socketio_errc::payload_not_object;
    default:
      return check_array_payload(p);
  }
}

/// Every object marked `"_placeholder": true` must name an attachment below
/// `count`; recursion depth is bounded by the parser's max_depth.
std::error_code check_placeholders(const boost::json::value& v,
                                   std::size_t count) {
  if (const auto* arr = v.if_array()) {
    for (const auto& item : *arr)
      if (auto ec = check_placeholders(item, count))
        return ec;
    return {};
  }
  const auto* obj = v.if_object();
  if (obj == nullptr)
    return {};
  const auto* marker = obj->if_contains("_placeholder");
  if (marker != nullptr && marker->is_bool() && marker->get_bool()) {
    auto index = placeholder_index(v);
    return index && *index < count ? std::error_code{}
                                   : socketio_errc::bad_placeholder;
  }
  for (const auto& entry : *obj)
    if (auto ec = check_placeholders(entry.value(), count))
      return ec;
  return {};
}

std::error_code check_packet(const socketio_packet& p) {
  if (auto ec = check_ack_id(p))
    return ec;
  if (auto ec = check_payload(p))
    return ec;
  if (is_binary(p.type) && p.data)
    return check_placeholders(*p.data, p.attachments);
  return {};
}

/// `["name", args...]`.
boost::json::array event_payload(std::string_view name,
                                 const boost::json::array& args) {
  boost::json::array out;
  out.reserve(args.size() + 1);
  out.emplace_back(name);
  for (const auto& arg : args)
    out.push_back(arg);
  return out;
}

socketio_packet make_packet(socketio_packet_type type, std::string_view nsp,
                            std::optional<std::uint64_t> id,
                            std::optional<boost::json::value> data) {
  return {type, std::string{nsp}, id, std::move(data), 0};
}

/// `{key: text}` as a value, for the one-field objects the server sends.
boost::json::value single_field(std::string_view key, std::string_view text) {
  boost::json::object obj;
  obj[key] = text;
  return obj;
}

socketio_encoded encode_binary(socketio_packet packet,
                               std::vector<std::string> attachments) {
  packet.attachments = attachments.size();
  return {encode_socketio(packet), std::move(attachments)};
}

} // namespace

std::string_view to_string(socketio_errc e) noexcept {
  auto i = static_cast<std::size_t>(e);
  return i < errc_names.size() ? errc_names[i] : "unknown_error";
}

const char* category_name(socketio_errc) noexcept {
  return "socketio";
}

std::string_view to_string(socketio_packet_type t) noexcept {
  auto i = static_cast<std::size_t>(t);
  return i < packet_type_names.size() ? packet_type_names[i] : "unknown";
}

bool operator==(const socketio_packet& a, const socketio_packet& b) noexcept {
  return a.type == b.type && a.nsp == b.nsp && a.id == b.id && a.data == b.data
         && a.attachments == b.attachments;
}

bool operator!=(const socketio_packet& a, const socketio_packet& b) noexcept {
  return !(a == b);
}

boost::json::object make_placeholder(std::size_t num) {
  boost::json::object obj;
  obj["_placeholder"] = true;
  obj["num"] = static_cast<std::uint64_t>(num);
  return obj;
}

std::optional<std::size_t> placeholder_index(const boost::json::value& v) {
  const auto* obj = v.if_object();
  if (obj == nullptr)
    return std::nullopt;
  const auto* marker = obj->if_contains("_placeholder");
  const auto* num = obj->if_contains("num");
  if (marker == nullptr || !marker->is_bool() || !marker->get_bool()
      || num == nullptr)
    return std::nullopt;
  if (const auto* i = num->if_int64())
    return *i >= 0 ? std::optional<std::size_t>{static_cast<std::size_t>(*i)}
                   : std::nullopt;
  if (const auto* u = num->if_uint64())
    return static_cast<std::size_t>(*u);
  return std::nullopt;
}

const std::string*
socketio_message::attachment(const boost::json::value& v) const {
  auto index = placeholder_index(v);
  if (!index || *index >= attachments.size())
    return nullptr;
  return &attachments[*index];
}

result<socketio_packet> decode_socketio(std::string_view text,
                                        const socketio_limits& limits) {
  socketio_packet p;
  auto type = read_type(text);
  if (!type)
    return type.error();
  p.type = *type;
  if (is_binary(p.type)) {
    auto count = read_attachment_count(text, limits);
    if (!count)
      return count.error();
    p.attachments = *count;
  }
  auto nsp = read_namespace(text);
  if (!nsp)
    return nsp.error();
  p.nsp = std::move(*nsp);
  auto id = read_ack_id(text);
  if (!id)
    return id.error();
  p.id = *id;
  auto data = read_payload(text, limits);
  if (!data)
    return data.error();
  p.data = std::move(*data);
  if (auto ec = check_packet(p))
    return ec;
  return p;
}

std::string encode_socketio(const socketio_packet& packet) {
  std::string out(1, static_cast<char>('0' + static_cast<int>(packet.type)));
  if (is_binary(packet.type))
    out += std::to_string(packet.attachments) + '-';
  if (!packet.nsp.empty() && packet.nsp != "/")
    out += packet.nsp + ',';
  if (packet.id)
    out += std::to_string(*packet.id);
  if (packet.data)
    out += boost::json::serialize(*packet.data);
  return out;
}

std::string encode_connect(const std::optional<boost::json::object>& auth,
                           std::string_view nsp) {
  std::optional<boost::json::value> data;
  if (auth)
    data = boost::json::value(*auth);
  return encode_socketio(make_packet(socketio_packet_type::connect, nsp,
                                     std::nullopt, std::move(data)));
}

std::string encode_connect_reply(std::string_view sid, std::string_view nsp) {
  return encode_socketio(make_packet(socketio_packet_type::connect, nsp,
                                     std::nullopt, single_field("sid", sid)));
}

std::string encode_connect_error(std::string_view message,
                                 std::string_view nsp) {
  return encode_socketio(make_packet(socketio_packet_type::connect_error, nsp,
                                     std::nullopt,
                                     single_field("message", message)));
}

std::string encode_disconnect(std::string_view nsp) {
  return encode_socketio(make_packet(socketio_packet_type::disconnect, nsp,
                                     std::nullopt, std::nullopt));
}

std::string encode_event(std::string_view name, const boost::json::array& args,
                         std::optional<std::uint64_t> ack_id,
                         std::string_view nsp) {
  return encode_socketio(make_packet(socketio_packet_type::event, nsp, ack_id,
                                     event_payload(name, args)));
}

std::string encode_ack(std::uint64_t ack_id, const boost::json::array& args,
                       std::string_view nsp) {
  return encode_socketio(make_packet(socketio_packet_type::ack, nsp, ack_id,
                                     boost::json::value(args)));
}

socketio_encoded encode_binary_event(std::string_view name,
                                     const boost::json::array& args,
                                     std::vector<std::string> attachments,
                                     std::optional<std::uint64_t> ack_id,
                                     std::string_view nsp) {
  return encode_binary(make_packet(socketio_packet_type::binary_event, nsp,
                                   ack_id, event_payload(name, args)),
                       std::move(attachments));
}

socketio_encoded encode_binary_ack(std::uint64_t ack_id,
                                   const boost::json::array& args,
                                   std::vector<std::string> attachments,
                                   std::string_view nsp) {
  return encode_binary(make_packet(socketio_packet_type::binary_ack, nsp,
                                   ack_id, boost::json::value(args)),
                       std::move(attachments));
}

socketio_reassembler::socketio_reassembler(socketio_limits limits)
    : limits_(limits) {
}

result<std::optional<socketio_message>>
socketio_reassembler::on_text(std::string_view text) {
  if (pending_) {
    reset();
    return socketio_errc::expected_attachment;
  }
  auto packet = decode_socketio(text, limits_);
  if (!packet)
    return packet.error();
  socketio_message message{std::move(*packet), {}};
  if (message.packet.attachments == 0)
    return std::optional<socketio_message>{std::move(message)};
  message.attachments.reserve(message.packet.attachments);
  pending_ = std::move(message);
  return std::optional<socketio_message>{};
}

result<std::optional<socketio_message>>
socketio_reassembler::on_binary(std::string_view bytes) {
  if (!pending_)
    return socketio_errc::unexpected_attachment;
  if (bytes.size() > limits_.max_attachment_size
      || bytes.size() > limits_.max_attachments_size - pending_bytes_) {
    reset();
    return socketio_errc::attachment_too_large;
  }
  pending_bytes_ += bytes.size();
  pending_->attachments.emplace_back(bytes);
  if (pending_->attachments.size() < pending_->packet.attachments)
    return std::optional<socketio_message>{};
  auto done = std::move(*pending_);
  reset();
  return std::optional<socketio_message>{std::move(done)};
}

bool socketio_reassembler::awaiting_attachments() const noexcept {
  return pending_.has_value();
}

void socketio_reassembler::reset() noexcept {
  pending_.reset();
  pending_bytes_ = 0;
}

} // namespace openmfd::protocol
