#include "protocol/identity.hpp"

#include <catch2/catch.hpp>

using namespace openmfd::protocol;

TEST_CASE("device code and short id follow DESIGN §3", "[identity]") {
  // The vector from DESIGN §3.
  CHECK(device_code("3f2504e0-4f89-41d3-9a0c-0305e82c3301") == "649814");
  // SHA-256("abc") starts ba7816bf; 0xba7816bf = 3128432319.
  CHECK(short_id("abc") == "ba7816bf");
  CHECK(device_code("abc") == "432319");
  CHECK(device_code("abc").size() == 6);
}

TEST_CASE("device codes are zero-padded to six digits", "[identity]") {
  // Search a few inputs for a code below 100000 to see the padding.
  bool saw_padding = false;
  for (int i = 0; i < 2000 && !saw_padding; ++i) {
    auto code = device_code(std::to_string(i));
    REQUIRE(code.size() == 6);
    saw_padding = code[0] == '0';
  }
  CHECK(saw_padding);
}

TEST_CASE("make_uuid_v4 stamps version and variant", "[identity]") {
  uuid_bytes all_ones;
  all_ones.fill(0xff);
  CHECK(make_uuid_v4(all_ones) == "ffffffff-ffff-4fff-bfff-ffffffffffff");
  uuid_bytes zeros{};
  CHECK(make_uuid_v4(zeros) == "00000000-0000-4000-8000-000000000000");
  CHECK(canonical_uuid_v4(make_uuid_v4(zeros)).has_value());
}

TEST_CASE("canonical_uuid_v4 accepts only v4 UUIDs", "[identity]") {
  struct row {
    const char* text;
    const char* canonical; // nullptr: rejected
  };
  const row rows[] = {
    {"3f2504e0-4f89-41d3-9a0c-0305e82c3301",
     "3f2504e0-4f89-41d3-9a0c-0305e82c3301"},
    {"3F2504E0-4F89-41D3-9A0C-0305E82C3301",
     "3f2504e0-4f89-41d3-9a0c-0305e82c3301"},
    {"3f2504e0-4f89-11d3-9a0c-0305e82c3301", nullptr}, // version 1
    {"3f2504e0-4f89-41d3-7a0c-0305e82c3301", nullptr}, // bad variant
    {"3f2504e04f8941d39a0c0305e82c3301", nullptr},     // no hyphens
    {"3f2504e0-4f89-41d3-9a0c-0305e82c330", nullptr},  // short
    {"3f2504e0-4f89-41d3-9a0c-0305e82c33011", nullptr}, // long
    {"3f2504e0-4f89-41d3-9a0c-0305e82c330g", nullptr}, // not hex
    {"3f2504e0+4f89-41d3-9a0c-0305e82c3301", nullptr}, // wrong separator
    {"", nullptr},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto got = canonical_uuid_v4(r.text);
    if (r.canonical) {
      REQUIRE(got.has_value());
      CHECK(*got == r.canonical);
    } else {
      CHECK_FALSE(got.has_value());
    }
  }
}

TEST_CASE("sha256 and fingerprints are lowercase hex", "[identity]") {
  CHECK(sha256_hex("")
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(tls_fingerprint("abc")
        == "sha256/"
           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(std::string{"\x00\xff\x10", 3}) == "00ff10");
}

TEST_CASE("constant_time_equal is plain equality on bytes", "[identity]") {
  const std::string token(64, 'a');
  auto with = [&](std::size_t i, char c) {
    auto t = token;
    t[i] = c;
    return t;
  };
  struct row {
    std::string a;
    std::string b;
    bool equal;
  };
  const row rows[] = {
    {"", "", true},
    {token, token, true},
    {"a", "", false},
    {"", "a", false},
    {token, token.substr(0, 63), false},  // a prefix is not equal
    {token, token + "a", false},
    {token, with(0, 'b'), false},         // first byte differs
    {token, with(63, 'b'), false},        // last byte differs
    {token, with(31, 'A'), false},        // case matters
    {std::string{"a\0b", 3}, std::string{"a\0c", 3}, false}, // past a NUL
    {std::string{"a\0b", 3}, std::string{"a\0b", 3}, true},
    {"\xff\x80", "\xff\x80", true},
    {"\xff\x80", "\x7f\x80", false},      // only the high bit differs
  };
  for (const auto& r : rows) {
    CAPTURE(r.a, r.b);
    CHECK(constant_time_equal(r.a, r.b) == r.equal);
    CHECK(constant_time_equal(r.b, r.a) == r.equal);
  }
}
