#include "protocol/authorise.hpp"

#include <cstdint>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "protocol/http_message.hpp"
#include "protocol/identity.hpp"

namespace openmfd::protocol {

std::string_view to_string(authorise_errc e) noexcept {
  switch (e) {
    case authorise_errc::unsupported_media_type:
      return "unsupported_media_type";
    case authorise_errc::bad_json:
      return "bad_json";
    case authorise_errc::missing_client_id:
      return "missing_client_id";
    case authorise_errc::bad_client_id:
      return "bad_client_id";
    case authorise_errc::missing_client_name:
      return "missing_client_name";
    case authorise_errc::bad_client_name:
      return "bad_client_name";
  }
  return "unknown";
}

const char* category_name(authorise_errc) noexcept {
  return "openmfd.authorise";
}

unsigned http_status(authorise_errc e) noexcept {
  return e == authorise_errc::unsupported_media_type ? 415 : 400;
}

namespace {

bool is_json_media_type(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  auto type = content_type.substr(0, semicolon);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.remove_suffix(1);
  return iequals(type, "application/json");
}

/// Decodes one UTF-8 sequence at `s[i]`; advances `i`. Returns -1 for an
/// invalid, overlong or surrogate sequence (one byte is then skipped).
std::int32_t next_code_point(std::string_view s, std::size_t& i) {
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint8_t>(s[k]);
  };
  std::uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = (b0 & 0xe0) == 0xc0 ? 2 : (b0 & 0xf0) == 0xe0 ? 3
                                     : (b0 & 0xf8) == 0xf0 ? 4 : 0;
  if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return -1;
  }
  std::int32_t cp = b0 & (0x7f >> len);
  for (int k = 1; k < len; ++k) {
    std::uint8_t b = byte(i + static_cast<std::size_t>(k));
    if ((b & 0xc0) != 0x80) {
      ++i;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  static constexpr std::int32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len] || cp > 0x10ffff
      || (cp >= 0xd800 && cp <= 0xdfff)) {
    ++i;
    return -1;
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

// Characters that could disguise or reorder what the console shows:
// controls, bidirectional marks and overrides, invisible format characters.
bool hidden_or_reordering(std::int32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) // C0, DEL, C1 controls
         || cp == 0xad || cp == 0x034f || cp == 0x061c || cp == 0x115f
         || cp == 0x1160 || cp == 0x17b4 || cp == 0x17b5
         || (cp >= 0x180b && cp <= 0x180e) || (cp >= 0x200b && cp <= 0x200f)
         || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f)
         || cp == 0x3164 || (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff
         || cp == 0xffa0 || (cp >= 0xfff9 && cp <= 0xfffb)
         || (cp >= 0x1d173 && cp <= 0x1d17a) || (cp >= 0xe0000 && cp <= 0xe0fff);
}

bool is_space(std::int32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x0b
         || cp == 0x0c || cp == 0xa0 || cp == 0x1680
         || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029
         || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

void append_utf8(std::string& out, std::int32_t cp) {
  auto u = static_cast<std::uint32_t>(cp);
  if (u < 0x80) {
    out += static_cast<char>(u);
  } else if (u < 0x800) {
    out += static_cast<char>(0xc0 | (u >> 6));
    out += static_cast<char>(0x80 | (u & 0x3f));
  } else if (u < 0x10000) {
    out += static_cast<char>(0xe0 | (u >> 12));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (u & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (u >> 18));
    out += static_cast<char>(0x80 | ((u >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (u & 0x3f));
  }
}

} // namespace

std::string token_body(std::string_view token, long long expires_in) {
  boost::json::object body;
  body["token"] = token;
  body["expires_in"] = expires_in;
  return boost::json::serialize(body);
}

std::string sanitize_display_name(std::string_view raw) {
  std::string out;
  std::size_t kept = 0;
  bool pending_space = false;
  for (std::size_t i = 0; i < raw.size() && kept < max_client_name;) {
    auto cp = next_code_point(raw, i);
    if (cp < 0)
      continue;
    // White space first: tabs and line breaks are spaces, not deleted.
    if (is_space(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (hidden_or_reordering(cp))
      continue;
    if (pending_space) {
      if (kept + 2 > max_client_name)
        break; // no room for the space and a character after it
      out += ' ';
      ++kept;
    }
    pending_space = false;
    append_utf8(out, cp);
    ++kept;
  }
  return out;
}

result<authorise_request>
parse_authorise_request(std::optional<std::string_view> content_type,
                        std::string_view body) {
  if (!content_type || !is_json_media_type(*content_type))
    return authorise_errc::unsupported_media_type;
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 8;
  auto doc = boost::json::parse(body, ec, {}, opts);
  if (ec || !doc.is_object())
    return authorise_errc::bad_json;
  const auto& obj = doc.get_object();
  auto id = obj.if_contains("client_id");
  if (!id)
    return authorise_errc::missing_client_id;
  if (!id->is_string())
    return authorise_errc::bad_client_id;
  auto canonical = canonical_uuid_v4(id->get_string());
  if (!canonical)
    return authorise_errc::bad_client_id;
  auto name = obj.if_contains("client_name");
  if (!name)
    return authorise_errc::missing_client_name;
  if (!name->is_string())
    return authorise_errc::bad_client_name;
  auto clean = sanitize_display_name(name->get_string());
  if (clean.empty())
    return authorise_errc::bad_client_name;
  return authorise_request{std::move(*canonical), std::move(clean)};
}

} // namespace openmfd::protocol
