// Fuzz target for the Origin header (and --allow-origin): whatever
// normalize_origin accepts is an http(s) origin in lowercase, without a
// path, a default port or a character a browser's origin cannot hold, and
// normalizing it again changes nothing (so allowed origins compare equal to
// what browsers send).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/cors.hpp"

namespace {

using openmfd::protocol::normalize_origin;

bool allowed_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'
         || c == '-' || c == ':' || c == '/' || c == '[' || c == ']';
}

void check(std::string_view input) {
  auto origin = normalize_origin(input);
  if (!origin)
    return;
  std::string_view text{*origin};
  bool http = text.rfind("http://", 0) == 0;
  bool https = text.rfind("https://", 0) == 0;
  if (!http && !https)
    std::abort();
  auto authority = text.substr(http ? 7 : 8);
  if (authority.empty() || authority.find('/') != std::string_view::npos)
    std::abort();
  for (char c : text)
    if (!allowed_char(c))
      std::abort();
  if ((http && text.size() > 3 && text.substr(text.size() - 3) == ":80")
      || (https && text.size() > 4 && text.substr(text.size() - 4) == ":443"))
    std::abort();
  auto again = normalize_origin(*origin);
  if (!again || *again != *origin)
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  check({reinterpret_cast<const char*>(data), size});
  return 0;
}
