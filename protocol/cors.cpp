#include "protocol/cors.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace openmfd::protocol {

namespace {

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-'
         || c == '.';
}

/// A bracketed IPv6 literal: "[" hex digits, ':' and '.' "]".
bool is_ipv6_literal(std::string_view host) {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']')
    return false;
  auto inner = host.substr(1, host.size() - 2);
  return std::all_of(inner.begin(), inner.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':'
           || c == '.';
  });
}

bool is_host(std::string_view host) {
  if (is_ipv6_literal(host))
    return true;
  return !host.empty() && host.size() <= 253
         && std::all_of(host.begin(), host.end(), is_host_char)
         && host.front() != '.' && host.front() != '-';
}

/// The port text, without leading zeros; nothing when it is no port.
std::optional<std::string> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5
      || !std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) != 0;
         }))
    return std::nullopt;
  auto value = std::stoul(std::string{text});
  if (value == 0 || value > 65535)
    return std::nullopt;
  return std::to_string(value);
}

std::string lowercase(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

} // namespace

namespace {

/// The authority's host and port (none without a colon), split at the
/// port's colon.
std::pair<std::string_view, std::optional<std::string_view>>
split_authority(std::string_view authority) {
  auto host_end = authority.rfind(':');
  if (!authority.empty() && authority.front() == '[') // an IPv6 literal
    host_end = authority.find(']') == std::string_view::npos
                 ? std::string_view::npos
                 : authority.find(':', authority.find(']'));
  if (host_end == std::string_view::npos)
    return {authority, {}};
  return {authority.substr(0, host_end), authority.substr(host_end + 1)};
}

} // namespace

std::optional<std::string> normalize_origin(std::string_view text) {
  auto origin = lowercase(text);
  if (!origin.empty() && origin.back() == '/')
    origin.pop_back();
  auto scheme_end = origin.find("://");
  if (scheme_end == std::string::npos)
    return std::nullopt;
  auto scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    return std::nullopt;
  auto [host, port_text] = split_authority(
    std::string_view{origin}.substr(scheme_end + 3));
  if (!is_host(host))
    return std::nullopt;
  auto normalized = scheme + "://" + std::string{host};
  if (!port_text)
    return normalized;
  auto port = parse_port(*port_text);
  if (!port)
    return std::nullopt;
  bool default_port = (scheme == "http" && *port == "80")
                      || (scheme == "https" && *port == "443");
  return default_port ? normalized : normalized + ":" + *port;
}

cors_policy::cors_policy(std::vector<std::string> origins)
  : origins_(std::move(origins)) {}

cors_verdict cors_policy::judge(const http_request& req) const {
  auto origin = req.header("Origin");
  if (!origin)
    return cors_verdict::same_origin;
  auto normalized = normalize_origin(*origin);
  if (!normalized
      || std::find(origins_.begin(), origins_.end(), *normalized)
           == origins_.end())
    return cors_verdict::refused;
  if (req.method == "OPTIONS" && req.header("Access-Control-Request-Method"))
    return cors_verdict::preflight;
  return cors_verdict::allowed;
}

void add_cors_headers(http_response& res, std::string_view origin) {
  res.headers.emplace_back("Access-Control-Allow-Origin", std::string{origin});
  res.headers.emplace_back("Vary", "Origin");
}

http_response preflight_response(std::string_view origin) {
  http_response res;
  res.status = 204;
  add_cors_headers(res, origin);
  res.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST");
  res.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type");
  res.headers.emplace_back("Access-Control-Max-Age", "600");
  return res;
}

} // namespace openmfd::protocol
