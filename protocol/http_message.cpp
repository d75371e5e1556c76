#include "protocol/http_message.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace openmfd::protocol {

namespace {

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

} // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

std::optional<std::string_view>
http_request::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name))
      return std::string_view{value};
  return std::nullopt;
}

std::string_view http_request::path() const {
  std::string_view t{target};
  return t.substr(0, t.find('?'));
}

std::string_view http_request::query() const {
  std::string_view t{target};
  auto pos = t.find('?');
  return pos == std::string_view::npos ? std::string_view{} : t.substr(pos + 1);
}

std::optional<std::string_view> query_param(std::string_view query,
                                            std::string_view key) {
  std::optional<std::string_view> found;
  for_each_query_param(query, [&](std::string_view name,
                                  std::string_view value) {
    if (name == key)
      found = value;
    return !found;
  });
  return found;
}

http_response json_error(unsigned status, std::string_view code) {
  boost::json::object body;
  body["error"] = code;
  return json_ok(boost::json::serialize(body), status);
}

http_response json_ok(std::string body, unsigned status) {
  http_response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

} // namespace openmfd::protocol
