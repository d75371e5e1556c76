#pragma once

// A strict UTF-8 decoder for tests and fuzz targets, written independently
// of protocol/authorise.cpp so the two cannot share a mistake.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace openmfd::test {

// Decodes strictly (no overlongs, no surrogates, nothing past U+10FFFF);
// nullopt if `s` is not valid UTF-8. Written independently of the code under
// test so the two cannot share a mistake.
inline std::optional<std::vector<std::uint32_t>> decode_strict(const std::string& s) {
  std::vector<std::uint32_t> out;
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
      return std::nullopt;
    }
    if (i + n > s.size())
      return std::nullopt;
    for (std::size_t k = 1; k < n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xc0) != 0x80)
        return std::nullopt;
      c = (c << 6) | (b & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
      return std::nullopt;
    out.push_back(c);
    i += n;
  }
  return out;
}

} // namespace openmfd::test
