#pragma once

// Key combos as the UI and bindings.json write them: "lalt+f",
// "lshift+lctrl+k". Parsing is case-insensitive, bounded and never throws.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/errors.hpp"
#include "protocol/key_names.hpp"

namespace openmfd::protocol {

/// The longest combo text we read (untrusted input is bounded first).
inline constexpr std::size_t max_combo_text = 64;

/// The most keys one combo may press at once.
inline constexpr std::size_t max_combo_keys = 8;

/// Keys pressed together. Modifiers come first, in the order written, then
/// the other keys in the order written: that is the order they go down.
struct key_combo {
  std::vector<hid_usage> keys; ///< 1..max_combo_keys distinct keys
  std::size_t modifier_count = 0; ///< keys[0, modifier_count) are modifiers

  /// Member-wise equality.
  friend bool operator==(const key_combo& a, const key_combo& b) noexcept {
    return a.keys == b.keys && a.modifier_count == b.modifier_count;
  }
  /// Member-wise inequality.
  friend bool operator!=(const key_combo& a, const key_combo& b) noexcept {
    return !(a == b);
  }
};

/// Parses "lalt+f": parts separated by '+', each a key name or alias (any
/// case, surrounding whitespace ignored). Errors: `keys_too_long` (over
/// `max_combo_text` characters), `empty_keys`, `empty_key`, `too_many_keys`,
/// `duplicate_key`, and the first `unknown_key` / `unsupported_binding` part.
result<key_combo> parse_key_combo(std::string_view text);

/// The canonical text of `combo` ("lalt+f"); parses back to the same combo.
std::string format_key_combo(const key_combo& combo);

} // namespace openmfd::protocol
