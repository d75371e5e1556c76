#include "protocol/authorise.hpp"

#include <cstdint>
#include <iterator>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>

#include "protocol/identity.hpp"
#include "tests/support/utf8.hpp"

using namespace openmfd::protocol;

namespace {

// The inputs are built from code points rather than escaped literals, so a
// reader sees which character each case is about (and "\xe2\x80\xae" "ab"
// pitfalls with hex escapes cannot creep in).
std::string cp(std::uint32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
  return out;
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

using openmfd::test::decode_strict;

bool is_control_or_bidi(std::uint32_t c) {
  return c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x202a && c <= 0x202e)
         || (c >= 0x2066 && c <= 0x2069) || (c >= 0x200b && c <= 0x200f)
         || c == 0xfeff || c == 0x061c || (c >= 0xfff9 && c <= 0xfffb);
}

const std::string valid_id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

std::string body(const std::string& id_json, const std::string& name_json) {
  return R"({"client_id": )" + id_json + R"(, "client_name": )" + name_json
         + "}";
}

const authorise_errc all_authorise_errcs[] = {
  authorise_errc::unsupported_media_type, authorise_errc::bad_json,
  authorise_errc::missing_client_id,      authorise_errc::bad_client_id,
  authorise_errc::missing_client_name,    authorise_errc::bad_client_name,
};

} // namespace

TEST_CASE("authorise errors have distinct wire names and DESIGN §3 statuses",
          "[authorise]") {
  std::set<std::string> names;
  for (auto e : all_authorise_errcs) {
    auto name = std::string{to_string(e)};
    CAPTURE(name);
    CHECK(name != "unknown");
    CHECK(names.insert(name).second);
    std::error_code ec = e;
    CHECK(ec.message() == name);
    CHECK(std::string{ec.category().name()} == category_name(e));
    // 415 for a wrong content type, 400 for everything about the body.
    CHECK(http_status(e)
          == (e == authorise_errc::unsupported_media_type ? 415u : 400u));
  }
}

TEST_CASE("parse_authorise_request refuses bad requests precisely",
          "[authorise]") {
  struct row {
    const char* what;
    std::optional<std::string> content_type;
    std::string body;
    authorise_errc expected;
  };
  const std::string good = body('"' + valid_id + '"', R"("Tablet")");
  const std::string json = "application/json";
  const row rows[] = {
    {"no content type", std::nullopt, good,
     authorise_errc::unsupported_media_type},
    {"empty content type", std::string{}, good,
     authorise_errc::unsupported_media_type},
    {"text/plain", std::string{"text/plain"}, good,
     authorise_errc::unsupported_media_type},
    {"form", std::string{"application/x-www-form-urlencoded"}, good,
     authorise_errc::unsupported_media_type},
    {"json prefix only", std::string{"application/jsonp"}, good,
     authorise_errc::unsupported_media_type},
    {"structured suffix", std::string{"application/merge-patch+json"}, good,
     authorise_errc::unsupported_media_type},
    {"empty body", json, "", authorise_errc::bad_json},
    {"not json", json, "client_id=1", authorise_errc::bad_json},
    {"truncated", json, good.substr(0, good.size() - 1),
     authorise_errc::bad_json},
    {"array", json, "[" + good + "]", authorise_errc::bad_json},
    {"string", json, R"("client_id")", authorise_errc::bad_json},
    {"null", json, "null", authorise_errc::bad_json},
    {"trailing garbage", json, good + "x", authorise_errc::bad_json},
    {"comment", json, "/* hi */" + good, authorise_errc::bad_json},
    {"nesting past the depth bound", json,
     R"({"x": )" + repeat("[", 12) + "1" + repeat("]", 12)
       + R"(, "client_id": ")" + valid_id + R"(", "client_name": "a"})",
     authorise_errc::bad_json},
    {"empty object", json, "{}", authorise_errc::missing_client_id},
    {"name only", json, R"({"client_name": "Tablet"})",
     authorise_errc::missing_client_id},
    {"id key misspelt", json,
     R"({"clientId": ")" + valid_id + R"(", "client_name": "a"})",
     authorise_errc::missing_client_id},
    {"id is a number", json, body("42", R"("a")"),
     authorise_errc::bad_client_id},
    {"id is null", json, body("null", R"("a")"), authorise_errc::bad_client_id},
    {"id is an object", json, body(R"({"id": 1})", R"("a")"),
     authorise_errc::bad_client_id},
    {"id is not a uuid", json, body(R"("tablet-1")", R"("a")"),
     authorise_errc::bad_client_id},
    {"id is a v1 uuid", json,
     body(R"("3f2504e0-4f89-11d3-9a0c-0305e82c3301")", R"("a")"),
     authorise_errc::bad_client_id},
    {"id in braces", json, body("\"{" + valid_id + "}\"", R"("a")"),
     authorise_errc::bad_client_id},
    {"id with a space", json, body("\" " + valid_id + "\"", R"("a")"),
     authorise_errc::bad_client_id},
    {"id empty", json, body(R"("")", R"("a")"), authorise_errc::bad_client_id},
    {"no name", json, R"({"client_id": ")" + valid_id + R"("})",
     authorise_errc::missing_client_name},
    {"name is a number", json, body('"' + valid_id + '"', "7"),
     authorise_errc::bad_client_name},
    {"name is null", json, body('"' + valid_id + '"', "null"),
     authorise_errc::bad_client_name},
    {"name is an array", json, body('"' + valid_id + '"', R"(["a"])"),
     authorise_errc::bad_client_name},
    {"name is empty", json, body('"' + valid_id + '"', R"("")"),
     authorise_errc::bad_client_name},
    {"name is white space", json, body('"' + valid_id + '"', R"("  \u3000 ")"),
     authorise_errc::bad_client_name},
    {"name is only hidden characters", json,
     body('"' + valid_id + '"', R"("\u202e\u200b\ufeff\u0007")"),
     authorise_errc::bad_client_name},
  };
  std::set<authorise_errc> reached;
  for (const auto& r : rows) {
    CAPTURE(r.what, r.body);
    std::optional<std::string_view> type;
    if (r.content_type)
      type = *r.content_type;
    auto got = parse_authorise_request(type, r.body);
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error() == std::error_code{r.expected});
    reached.insert(r.expected);
  }
  // The table above must keep covering every refusal.
  CHECK(reached.size() == std::size(all_authorise_errcs));
}

TEST_CASE("parse_authorise_request accepts well-formed requests",
          "[authorise]") {
  struct row {
    const char* what;
    std::string content_type;
    std::string body;
    std::string client_id;
    std::string client_name;
  };
  const row rows[] = {
    {"plain", "application/json", body('"' + valid_id + '"', R"("Tablet")"),
     valid_id, "Tablet"},
    {"charset parameter", "application/json; charset=utf-8",
     body('"' + valid_id + '"', R"("Tablet")"), valid_id, "Tablet"},
    {"space before the parameter", "application/json ;charset=UTF-8",
     body('"' + valid_id + '"', R"("Tablet")"), valid_id, "Tablet"},
    {"media type case", "Application/JSON",
     body('"' + valid_id + '"', R"("Tablet")"), valid_id, "Tablet"},
    {"upper-case id comes back canonical", "application/json",
     body(R"("3F2504E0-4F89-41D3-9A0C-0305E82C3301")", R"("Tablet")"),
     valid_id, "Tablet"},
    {"fields in either order, extra fields ignored", "application/json",
     R"({"v": 2, "client_name": "Tablet", "client_id": ")" + valid_id + "\"}",
     valid_id, "Tablet"},
    {"name sanitised: RLO escaped in JSON", "application/json",
     body('"' + valid_id + '"', R"("evil\u202etxt.exe")"), valid_id,
     "eviltxt.exe"},
    {"name sanitised: white space folded", "application/json",
     body('"' + valid_id + '"', R"("  Zo\u00eb's \u00a0 iPad ")"), valid_id,
     "Zo" + cp(0xeb) + "'s iPad"},
    {"name sanitised: escape sequence loses its ESC", "application/json",
     body('"' + valid_id + '"', R"("\u001b[2Jhi")"), valid_id, "[2Jhi"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.what, r.body);
    auto got = parse_authorise_request(std::string_view{r.content_type},
                                       r.body);
    REQUIRE(got.has_value());
    CHECK(got->client_id == r.client_id);
    CHECK(got->client_name == r.client_name);
  }
}

TEST_CASE("token_body is the DESIGN §3 JSON", "[authorise]") {
  struct row {
    std::string token;
    long long expires_in;
  };
  const row rows[] = {
    {std::string(64, 'a'), 900},
    {"", 0},
    {"with \"quotes\" and \\ and \n", 1},
    {"x", 9'007'199'254'740'993LL}, // past a double's exact range
  };
  for (const auto& r : rows) {
    CAPTURE(r.token, r.expires_in);
    auto text = token_body(r.token, r.expires_in);
    boost::system::error_code ec;
    auto doc = boost::json::parse(text, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(doc.is_object());
    const auto& obj = doc.get_object();
    CHECK(obj.size() == 2);
    auto token = obj.if_contains("token");
    REQUIRE(token);
    REQUIRE(token->is_string());
    CHECK(std::string{token->get_string()} == r.token);
    auto expires = obj.if_contains("expires_in");
    REQUIRE(expires);
    REQUIRE(expires->is_int64());
    CHECK(expires->get_int64() == r.expires_in);
  }
}

TEST_CASE("sanitize_display_name strips what could disguise a name",
          "[authorise][sanitize]") {
  struct row {
    const char* what;
    std::string raw;
    std::string expected;
  };
  const row rows[] = {
    {"plain ASCII kept", "Kitchen tablet", "Kitchen tablet"},
    {"multi-byte kept", "Zo" + cp(0xeb) + " " + cp(0x1f4f1) + cp(0x4e2d),
     "Zo" + cp(0xeb) + " " + cp(0x1f4f1) + cp(0x4e2d)},
    {"first 3- and 4-byte code points kept", cp(0x800) + cp(0x10000),
     cp(0x800) + cp(0x10000)},
    {"inverted exclamation (U+00A1) is not space", "a" + cp(0xa1) + "b",
     "a" + cp(0xa1) + "b"},
    // Bidirectional controls: U+202E makes "abc<RLO>exe.txt" print as
    // "abctxt.exe"; all embeddings, overrides and isolates go.
    {"RLO U+202E", "abc" + cp(0x202e) + "exe.txt", "abcexe.txt"},
    {"LRE RLE PDF LRO", cp(0x202a) + "a" + cp(0x202b) + "b" + cp(0x202c)
                          + cp(0x202d) + "c",
     "abc"},
    {"isolates U+2066..U+2069", cp(0x2066) + "a" + cp(0x2067) + cp(0x2068)
                                  + "b" + cp(0x2069),
     "ab"},
    {"marks LRM RLM ALM", "a" + cp(0x200e) + cp(0x200f) + cp(0x061c) + "b",
     "ab"},
    {"zero-width space, joiners, BOM",
     "a" + cp(0x200b) + "d" + cp(0x200c) + "m" + cp(0x200d) + "i"
       + cp(0xfeff) + "n",
     "admin"},
    {"interlinear annotation U+FFF9..U+FFFB",
     cp(0xfff9) + "a" + cp(0xfffa) + "b" + cp(0xfffb), "ab"},
    {"C0 controls", std::string{"a\x01"} + "b\x1f" + "c\x07", "abc"},
    {"NUL", std::string{"a\0b", 3}, "ab"},
    {"DEL", "a\x7f" "b", "ab"},
    {"ESC sequence loses its ESC", "\x1b[31mred", "[31mred"},
    {"C1 controls (NEL, CSI, APC)",
     "a" + cp(0x85) + "b" + cp(0x9b) + "31m" + cp(0x9f) + "c", "ab31mc"},
    {"invalid byte 0xff", "a\xff" "b", "ab"},
    {"lone continuation byte", "a\x80" "b", "ab"},
    {"overlong 2-byte '/'", "a\xc0\xaf" "b", "ab"},
    {"overlong 3-byte '/'", "a\xe0\x80\xaf" "b", "ab"},
    {"overlong 4-byte '/'", "a\xf0\x80\x80\xaf" "b", "ab"},
    {"overlong NUL (C0 80)", "a\xc0\x80" "b", "ab"},
    {"high surrogate U+D800 as UTF-8", "a\xed\xa0\x80" "b", "ab"},
    {"low surrogate U+DFFF as UTF-8", "a\xed\xbf\xbf" "b", "ab"},
    {"surrogate pair as CESU-8", "a\xed\xa0\xbd\xed\xb3\xb1" "b", "ab"},
    {"past U+10FFFF", "a\xf4\x90\x80\x80" "b", "ab"},
    {"5-byte lead", "a\xf8\x88\x80\x80\x80" "b", "ab"},
    {"truncated at the end", "ab\xe2\x82", "ab"},
    {"lead byte then ASCII keeps the ASCII", "\xc3(", "("},
    {"broken sequence then a valid one", "\xe2\x82" + cp(0x20ac), cp(0x20ac)},
    {"white space runs fold", "a  b   c", "a b c"},
    {"leading and trailing space trimmed", "   a b   ", "a b"},
    {"NBSP, em space, ideographic space fold",
     "a" + cp(0xa0) + cp(0x2003) + "b" + cp(0x3000) + "c", "a b c"},
    {"line and paragraph separators fold",
     "a" + cp(0x2028) + "b" + cp(0x2029) + "c", "a b c"},
    {"hidden characters between spaces leave one space",
     "a " + cp(0x200b) + " " + cp(0x202e) + " b", "a b"},
    {"only hidden characters", cp(0x202e) + cp(0x200b) + "\x01", ""},
    {"only spaces", "   " + cp(0x3000), ""},
    {"empty", "", ""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.what);
    CHECK(sanitize_display_name(r.raw) == r.expected);
  }
}

TEST_CASE("sanitize_display_name keeps at most 64 code points",
          "[authorise][sanitize]") {
  REQUIRE(max_client_name == 64);
  const std::string e_acute = cp(0xe9);     // 2 bytes
  const std::string euro = cp(0x20ac);      // 3 bytes
  const std::string phone = cp(0x1f4f1);    // 4 bytes
  struct row {
    const char* what;
    std::string raw;
    std::string expected;
  };
  const row rows[] = {
    {"exactly 64 kept", repeat("a", 64), repeat("a", 64)},
    {"65 cut to 64", repeat("a", 65), repeat("a", 64)},
    {"1000 cut to 64", repeat("a", 1000), repeat("a", 64)},
    // The bound is in code points, never in bytes: no sequence is split.
    {"2-byte code points", repeat(e_acute, 70), repeat(e_acute, 64)},
    {"3-byte code points", repeat(euro, 70), repeat(euro, 64)},
    {"4-byte code points", repeat(phone, 70), repeat(phone, 64)},
    {"mixed widths", repeat("a" + e_acute + euro + phone, 20),
     repeat("a" + e_acute + euro + phone, 16)},
    // What is stripped does not count towards the bound.
    {"stripped characters do not count",
     repeat(cp(0x202e), 100) + repeat("\x01", 100) + repeat("b", 64),
     repeat("b", 64)},
    {"leading spaces do not count", repeat(" ", 100) + repeat("c", 64),
     repeat("c", 64)},
    {"folded spaces count once", repeat("ab   ", 30),
     // "ab " * 21 is 63 code points, then one more "a".
     repeat("ab ", 21) + "a"},
    {"no trailing space at the cut", repeat("a", 64) + " b", repeat("a", 64)},
  };
  for (const auto& r : rows) {
    CAPTURE(r.what);
    CHECK(sanitize_display_name(r.raw) == r.expected);
  }
}

// A space with no room left after it must not glue two words together.
TEST_CASE("a space at the 64th code point is not glued away",
          "[authorise][sanitize]") {
  // Folded, the name is 63 'a', a space, 'b' (65 code points); its first 64
  // are 63 'a' and a space, which trimming removes.
  CHECK(sanitize_display_name(repeat("a", 63) + " b") == repeat("a", 63));
  CHECK(sanitize_display_name(repeat("a", 63) + "   bcd") == repeat("a", 63));
}

// Tab, CR and LF are controls, but between words they are white space.
TEST_CASE("tabs and line breaks fold to a space like other white space",
          "[authorise][sanitize]") {
  CHECK(sanitize_display_name("Kitchen\ttablet") == "Kitchen tablet");
  CHECK(sanitize_display_name("Kitchen\r\ntablet") == "Kitchen tablet");
}

TEST_CASE("sanitize_display_name output is always printable and bounded",
          "[authorise][sanitize]") {
  // Random names over an alphabet of troublemakers; seeded, so a failure
  // reproduces.
  const std::vector<std::string> alphabet = {
    "a", "Z", " ", "  ", "\t", "\n", "\x01", "\x1b", "\x7f", "\xff", "\x80",
    "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", cp(0x85),
    cp(0x9b), cp(0xa0), cp(0xe9), cp(0x20ac), cp(0x1f4f1), cp(0x200b),
    cp(0x200d), cp(0x202a), cp(0x202e), cp(0x2066), cp(0x2069), cp(0x2028),
    cp(0x3000), cp(0xfeff), cp(0x061c)};
  std::mt19937 rng{20240611};
  for (int n = 0; n < 2000; ++n) {
    std::string raw;
    auto len = rng() % 120;
    for (std::size_t i = 0; i < len; ++i)
      raw += alphabet[rng() % alphabet.size()];
    auto clean = sanitize_display_name(raw);
    CAPTURE(raw, clean);
    auto cps = decode_strict(clean);
    REQUIRE(cps.has_value());
    REQUIRE(cps->size() <= max_client_name);
    for (auto c : *cps)
      REQUIRE_FALSE(is_control_or_bidi(c));
    REQUIRE(clean.find("  ") == std::string::npos);
    if (!clean.empty()) {
      REQUIRE(clean.front() != ' ');
      REQUIRE(clean.back() != ' ');
    }
    // A clean name stays as it is: sanitising is idempotent.
    REQUIRE(sanitize_display_name(clean) == clean);
  }
}

// U+2060 WORD JOINER, U+00AD SOFT HYPHEN and the tag characters print as
// nothing: a name made only of them must not be accepted.
TEST_CASE("other invisible format characters are stripped too",
          "[authorise][sanitize]") {
  CHECK(sanitize_display_name("a" + cp(0x2060) + "b") == "ab");
  CHECK(sanitize_display_name("a" + cp(0xad) + "b") == "ab");
  CHECK(sanitize_display_name("a" + cp(0xe0041) + cp(0xe007f) + "b") == "ab");
  auto invisible = parse_authorise_request(
    std::string_view{"application/json"},
    body('"' + valid_id + '"', R"("\u2060\u00ad")"));
  REQUIRE_FALSE(invisible.has_value());
  CHECK(invisible.error() == std::error_code{authorise_errc::bad_client_name});
}
