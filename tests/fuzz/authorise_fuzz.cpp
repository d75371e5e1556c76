// Fuzz target for POST /authorise: the input is the request body (content type
// application/json). Whatever parses must be safe to print and to hash: a
// canonical UUID v4 and a clean, bounded, non-empty display name. The raw
// input also goes through the sanitiser directly, since the JSON parser never
// lets invalid UTF-8 reach it.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/authorise.hpp"
#include "protocol/identity.hpp"
#include "tests/support/utf8.hpp"

namespace {

using namespace openmfd::protocol;

// Counts code points if `s` is strictly valid UTF-8; aborts otherwise.
std::size_t checked_code_points(std::string_view s) {
  auto decoded = openmfd::test::decode_strict(std::string{s});
  if (!decoded)
    std::abort();
  return decoded->size();
}

// A display name must never carry a control byte or a bidirectional
// embedding, override (U+202A..U+202E) or isolate (U+2066..U+2069).
void check_printable(std::string_view name) {
  for (std::size_t i = 0; i < name.size(); ++i) {
    auto b = static_cast<unsigned char>(name[i]);
    if (b < 0x20)
      std::abort();
    if (b == 0xe2 && i + 2 < name.size()) {
      auto b1 = static_cast<unsigned char>(name[i + 1]);
      auto b2 = static_cast<unsigned char>(name[i + 2]);
      if (b1 == 0x80 && b2 >= 0xaa && b2 <= 0xae)
        std::abort();
      if (b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9)
        std::abort();
    }
  }
  if (checked_code_points(name) > max_client_name)
    std::abort();
  if (!name.empty() && (name.front() == ' ' || name.back() == ' '))
    std::abort();
  if (name.find("  ") != std::string_view::npos)
    std::abort();
}

bool is_canonical_uuid_v4(std::string_view id) {
  static constexpr std::size_t hyphens[] = {8, 13, 18, 23};
  if (id.size() != 36)
    return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    bool hyphen = i == hyphens[0] || i == hyphens[1] || i == hyphens[2]
                  || i == hyphens[3];
    char c = id[i];
    if (hyphen ? c != '-'
               : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  }
  return id[14] == '4' && (id[19] == '8' || id[19] == '9' || id[19] == 'a'
                           || id[19] == 'b');
}

void check_request(std::string_view body) {
  auto parsed = parse_authorise_request(std::string_view{"application/json"},
                                        body);
  if (!parsed) {
    // Every refusal is one of ours, and a body is never refused as a media
    // type: that depends on the header alone.
    const auto& ec = parsed.error();
    if (ec.category() != category_of<authorise_errc>()
        || ec == std::error_code{authorise_errc::unsupported_media_type})
      std::abort();
    auto status = http_status(static_cast<authorise_errc>(ec.value()));
    if (status != 400)
      std::abort();
    return;
  }
  if (!is_canonical_uuid_v4(parsed->client_id))
    std::abort();
  if (parsed->client_name.empty())
    std::abort();
  check_printable(parsed->client_name);
  // The same body under a wrong content type is always refused with 415.
  auto wrong = parse_authorise_request(std::string_view{"text/plain"}, body);
  if (wrong
      || wrong.error()
           != std::error_code{authorise_errc::unsupported_media_type})
    std::abort();
}

void check_sanitizer(std::string_view raw) {
  auto clean = sanitize_display_name(raw);
  check_printable(clean);
  // Sanitising a clean name changes nothing.
  if (sanitize_display_name(clean) != clean)
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  check_request(input);
  check_sanitizer(input);
  return 0;
}
