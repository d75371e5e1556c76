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

namespace {

using namespace openmfd::protocol;

// Counts code points if `s` is strictly valid UTF-8 (no overlongs, no
// surrogates, nothing past U+10FFFF); aborts otherwise. Deliberately not
// shared with the code under test.
std::size_t checked_code_points(std::string_view s) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t c = 0;
    std::uint32_t min = 0;
    if (b0 < 0x80) {
      n = 1;
      c = b0;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      n = 2;
      c = b0 & 0x1fu;
      min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      n = 3;
      c = b0 & 0x0fu;
      min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      n = 4;
      c = b0 & 0x07u;
      min = 0x10000;
    } else {
      std::abort();
    }
    if (i + n > s.size())
      std::abort();
    for (std::size_t k = 1; k < n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xc0) != 0x80)
        std::abort();
      c = (c << 6) | (b & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
      std::abort();
    // C1 controls: the console would act on them.
    if (c >= 0x7f && c < 0xa0)
      std::abort();
    i += n;
    ++count;
  }
  return count;
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
