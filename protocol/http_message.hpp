#pragma once

// HTTP request and response as plain values, so routing and API logic are
// tested without sockets. net/ converts Beast messages to and from these.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openmfd::protocol {

/// One header field; names compare case-insensitively.
using header_field = std::pair<std::string, std::string>;

/// A complete HTTP request as read from a client.
struct http_request {
  std::string method; ///< "GET", "POST", ... as sent
  std::string target; ///< the raw request target, e.g. "/socket.io/?EIO=4"
  std::vector<header_field> headers;
  std::string body;
  /// The body passed its path's limit and was not read (`body` is empty);
  /// the connection closes after the response.
  bool body_too_large = false;
  std::string remote_address; ///< the peer's IP address as text

  /// The first header named `name` (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
  /// The target without its query string.
  std::string_view path() const;
  /// The query string without '?', or empty.
  std::string_view query() const;
};

/// A complete HTTP response to send.
struct http_response {
  unsigned status = 200;
  std::vector<header_field> headers; ///< besides Content-Type and -Length
  std::string content_type = "application/json";
  std::string body;
  bool close = false; ///< close the connection after sending
};

/// Case-insensitive ASCII comparison (HTTP header names, tokens).
bool iequals(std::string_view a, std::string_view b) noexcept;

/// Calls `visit(name, value)` for each `name=value` of an `a=1&b=2` query
/// string, in order (value empty when there is no `=`), until it returns
/// false. Nothing is percent-decoded.
template <class Visitor>
void for_each_query_param(std::string_view query, Visitor&& visit) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    auto eq = pair.find('=');
    auto value
      = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (!visit(pair.substr(0, eq), value))
      return;
  }
}

/// The value of `key` in an `a=1&b=2` query string (not percent-decoded:
/// our keys and values never need it), if present.
std::optional<std::string_view> query_param(std::string_view query,
                                            std::string_view key);

/// `{"error": code}` with the given status.
http_response json_error(unsigned status, std::string_view code);

/// A JSON body with status 200 (or `status`).
http_response json_ok(std::string body, unsigned status = 200);

} // namespace openmfd::protocol
