#include "actors/socketio_app.hpp"

#include <array>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "platform/secure_random.hpp"
#include "protocol/engineio.hpp"

namespace openmfd::actors {

namespace {

// engine.io's own texts (Server.errorMessages), which clients may show.
constexpr std::array<std::string_view, 6> engineio_messages = {
  "Transport unknown", "Session ID unknown",
  "Bad handshake method", "Bad request",
  "Forbidden",         "Unsupported protocol version",
};

constexpr char url_safe_alphabet[]
  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// True when the comma-separated `list` holds `token` (any case).
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
      item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
      item.remove_suffix(1);
    if (protocol::iequals(item, token))
      return true;
    if (comma == std::string_view::npos)
      break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

/// The first argument of an event when it is an object.
const boost::json::object* first_object(const boost::json::array& args) {
  if (args.empty() || !args.front().is_object())
    return nullptr;
  return &args.front().get_object();
}

} // namespace

protocol::http_response engineio_error(engineio_http_error e) {
  auto index = static_cast<std::size_t>(e);
  boost::json::object body;
  body["code"] = index;
  body["message"] = index < engineio_messages.size() ? engineio_messages[index]
                                                     : "Bad request";
  return protocol::json_ok(boost::json::serialize(body),
                           e == engineio_http_error::forbidden ? 403 : 400);
}

engineio_http_error engineio_error_for(const std::error_code& ec) {
  using protocol::engineio_errc;
  if (ec == engineio_errc::missing_protocol_version
      || ec == engineio_errc::unsupported_protocol_version)
    return engineio_http_error::unsupported_protocol_version;
  if (ec == engineio_errc::missing_transport
      || ec == engineio_errc::unknown_transport)
    return engineio_http_error::unknown_transport;
  if (ec == engineio_errc::bad_sid)
    return engineio_http_error::unknown_sid;
  if (ec == engineio_errc::bad_token)
    return engineio_http_error::forbidden;
  return engineio_http_error::bad_request;
}

bool wants_websocket(const protocol::http_request& req) {
  auto upgrade = req.header("Upgrade");
  auto connection = req.header("Connection");
  return upgrade && connection && has_token(*upgrade, "websocket")
         && has_token(*connection, "upgrade");
}

bool valid_websocket_upgrade(const protocol::http_request& req) {
  auto version = req.header("Sec-WebSocket-Version");
  auto key = req.header("Sec-WebSocket-Key");
  return wants_websocket(req) && version && *version == "13" && key
         && !key->empty() && key->size() <= 24;
}

protocol::http_response polling_response(std::string payload) {
  auto res = protocol::json_ok(std::move(payload));
  res.content_type = "text/plain; charset=UTF-8";
  return res;
}

protocol::http_response polling_ok() {
  auto res = protocol::json_ok("ok");
  res.content_type = "text/html";
  return res;
}

protocol::socketio_limits socketio_limits_for(std::size_t max_payload) {
  protocol::socketio_limits limits;
  limits.max_attachment_size = max_payload;
  limits.max_attachments_size = max_payload;
  return limits;
}

std::string make_session_id() {
  unsigned char raw[15]; // 120 bits: 20 characters of 6 bits
  if (!platform::secure_random(raw, sizeof(raw)))
    return {};
  std::string id;
  for (std::size_t i = 0; i < sizeof(raw); i += 3) {
    std::uint32_t group = (std::uint32_t{raw[i]} << 16)
                          | (std::uint32_t{raw[i + 1]} << 8) | raw[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6)
      id += url_safe_alphabet[(group >> shift) & 0x3f];
  }
  return id;
}

boost::json::object ok_result() {
  boost::json::object result;
  result["ok"] = true;
  return result;
}

boost::json::object error_result(std::string_view code) {
  boost::json::object result;
  result["ok"] = false;
  result["error"] = code;
  return result;
}

bool succeeded(const boost::json::object& result) {
  const auto* ok = result.if_contains("ok");
  return ok != nullptr && ok->is_bool() && ok->get_bool();
}

std::optional<std::string> message_for(std::string_view event,
                                       const boost::json::object& result) {
  if (!succeeded(result)) {
    const auto* code = result.if_contains("error");
    std::string text = "error: ";
    text += code != nullptr && code->is_string()
              ? std::string_view{code->get_string()}
              : std::string_view{"failed"};
    return text;
  }
  if (event == "run_action")
    return std::string{"done"};
  return std::nullopt;
}

std::optional<std::string> screen_argument(const boost::json::array& args) {
  const auto* obj = first_object(args);
  if (obj == nullptr)
    return std::nullopt;
  const auto* screen = obj->if_contains("screen");
  if (screen == nullptr || !screen->is_string())
    return std::nullopt;
  return std::string{screen->get_string()};
}

std::optional<std::string> state_argument(const boost::json::array& args) {
  const auto* obj = first_object(args);
  if (obj == nullptr)
    return std::nullopt;
  const auto* state = obj->if_contains("state");
  if (state == nullptr || !state->is_object())
    return std::nullopt;
  return boost::json::serialize(*state);
}

const boost::json::value* argument_field(const boost::json::array& args,
                                         std::string_view key) {
  const auto* obj = first_object(args);
  return obj == nullptr ? nullptr : obj->if_contains(key);
}

std::optional<std::string> text_argument(const boost::json::array& args,
                                         std::string_view key) {
  const auto* field = argument_field(args, key);
  if (field == nullptr || !field->is_string())
    return std::nullopt;
  return std::string{field->get_string()};
}

client_timestamp timestamp_field(const boost::json::object* obj) {
  // JavaScript numbers are exact up to 2^53; past that a ts is nonsense.
  constexpr double max_ts = 9007199254740992.0;
  client_timestamp ts;
  const auto* field = obj == nullptr ? nullptr : obj->if_contains("ts");
  if (field == nullptr)
    return ts;
  double value = -1;
  if (field->is_int64())
    value = static_cast<double>(field->get_int64());
  else if (field->is_uint64())
    value = static_cast<double>(field->get_uint64());
  else if (field->is_double())
    value = field->get_double();
  // The negated test also refuses NaN.
  if (!(value >= 0 && value <= max_ts)) {
    ts.malformed = true;
    return ts;
  }
  ts.ms = static_cast<std::int64_t>(value);
  return ts;
}

client_timestamp timestamp_argument(const boost::json::array& args) {
  return timestamp_field(first_object(args));
}

void client_clock::observe(std::int64_t client_ms,
                           std::int64_t server_ms) noexcept {
  auto offset = server_ms - client_ms;
  if (!offset_ || offset < *offset_)
    offset_ = offset;
}

std::chrono::milliseconds
client_clock::lateness(std::int64_t client_ms,
                       std::int64_t server_ms) const noexcept {
  if (!offset_)
    return std::chrono::milliseconds{0};
  auto late = server_ms - client_ms - *offset_;
  return std::chrono::milliseconds{late > 0 ? late : 0};
}

boost::json::object key_released_payload(std::string_view keys,
                                         std::string_view reason) {
  boost::json::object payload;
  payload["keys"] = keys;
  payload["reason"] = reason;
  return payload;
}

boost::json::object parse_object(std::string_view json) {
  boost::json::error_code ec;
  auto value = boost::json::parse(json, ec);
  if (ec || !value.is_object())
    return {};
  return std::move(value.get_object());
}

boost::json::object token_payload(std::string_view token,
                                  std::int64_t expires_in) {
  boost::json::object payload;
  payload["token"] = token;
  payload["expires_in"] = expires_in;
  return payload;
}

boost::json::object screen_state_payload(std::string_view screen,
                                         std::string_view state_json) {
  boost::json::object payload;
  payload["screen"] = screen;
  payload["state"] = parse_object(state_json);
  return payload;
}

} // namespace openmfd::actors
