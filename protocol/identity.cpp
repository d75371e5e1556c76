#include "protocol/identity.hpp"

#include <cstdio>

#include <openssl/sha.h>

namespace openmfd::protocol {

namespace {

using digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

digest sha256(std::string_view data) {
  digest out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         out.data());
  return out;
}

bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
         || (c >= 'A' && c <= 'F');
}

char to_lower(char c) noexcept {
  return (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string hex_of(const unsigned char* bytes, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0x0f];
  }
  return out;
}

} // namespace

std::string make_uuid_v4(uuid_bytes random) {
  random[6] = static_cast<std::uint8_t>((random[6] & 0x0f) | 0x40);
  random[8] = static_cast<std::uint8_t>((random[8] & 0x3f) | 0x80);
  auto hex = hex_of(random.data(), random.size());
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4)
         + '-' + hex.substr(16, 4) + '-' + hex.substr(20);
}

std::optional<std::string> canonical_uuid_v4(std::string_view text) {
  if (text.size() != 36)
    return std::nullopt;
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? c != '-' : !is_hex(c))
      return std::nullopt;
    out += to_lower(c);
  }
  if (out[14] != '4')
    return std::nullopt;
  if (out[19] != '8' && out[19] != '9' && out[19] != 'a' && out[19] != 'b')
    return std::nullopt;
  return out;
}

std::string sha256_hex(std::string_view data) {
  auto d = sha256(data);
  return hex_of(d.data(), d.size());
}

std::string to_hex(std::string_view bytes) {
  return hex_of(reinterpret_cast<const unsigned char*>(bytes.data()),
                bytes.size());
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string tls_fingerprint(std::string_view certificate_der) {
  return "sha256/" + sha256_hex(certificate_der);
}

std::string device_code(std::string_view canonical_client_id) {
  auto d = sha256(canonical_client_id);
  std::uint32_t head = (std::uint32_t{d[0]} << 24) | (std::uint32_t{d[1]} << 16)
                       | (std::uint32_t{d[2]} << 8) | std::uint32_t{d[3]};
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%06u", static_cast<unsigned>(head % 1000000u));
  return buf;
}

std::string short_id(std::string_view canonical_client_id) {
  return sha256_hex(canonical_client_id).substr(0, 8);
}

} // namespace openmfd::protocol
