#pragma once

// Key names as Star Citizen writes them (`lalt`, `np_7`, `pgdn`, ...) plus
// common aliases, mapped to one platform-neutral code, the USB HID usage on
// the keyboard page (0x07), and from there to what each OS backend injects.
// Pure lookups in constexpr tables; nothing here allocates or throws.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/errors.hpp"

namespace openmfd::protocol {

/// Why a key name or a key combo was refused; `to_string` gives the wire text.
enum class key_errc {
  /// Not a keyboard key name we know.
  unknown_key = 1,
  /// A mouse, axis, HMD, joystick or gamepad input: known, but we only type.
  unsupported_binding,
  /// The key exists, but has no code on the platform asked for.
  not_on_platform,
  /// The combo text is empty or blank.
  empty_keys,
  /// A part of the combo is empty (`lalt+`, `+f`, `lalt++f`).
  empty_key,
  /// The combo text is longer than `max_combo_text`.
  keys_too_long,
  /// The combo names more than `max_combo_keys` keys.
  too_many_keys,
  /// The combo names one key twice (also through an alias: `ctrl+lctrl`).
  duplicate_key,
};

/// The wire text of `e`, e.g. "unsupported_binding".
const char* to_string(key_errc e) noexcept;

/// The name of the error category of `key_errc`.
const char* category_name(key_errc) noexcept;

/// A keyboard key as its USB HID usage on the keyboard page (0x07), e.g.
/// 0x04 for A and 0xE2 for left Alt.
using hid_usage = std::uint16_t;

/// A Windows set-1 make code as `SendInput` takes it with
/// `KEYEVENTF_SCANCODE` (games read scancodes, not virtual keys).
struct windows_scancode {
  std::uint16_t code = 0; ///< the make code without any E0 prefix
  bool extended = false;  ///< E0-prefixed: add `KEYEVENTF_EXTENDEDKEY`

  /// Member-wise equality.
  friend constexpr bool operator==(windows_scancode a,
                                   windows_scancode b) noexcept {
    return a.code == b.code && a.extended == b.extended;
  }
};

/// Marks a macOS key code that does not exist (0 is kVK_ANSI_A, so it cannot
/// mean "none").
inline constexpr std::uint16_t no_macos_key = 0xFFFF;

/// One row of the key table: a key and its code on every platform.
struct key_info {
  hid_usage usage = 0;       ///< USB HID usage, keyboard page
  std::string_view name;     ///< canonical (Star Citizen) name, lowercase
  windows_scancode windows;  ///< Windows set-1 scancode
  std::uint16_t macos = 0;   ///< macOS kVK_* code, or `no_macos_key`
  std::uint16_t evdev = 0;   ///< Linux evdev KEY_* code
  std::uint32_t x11 = 0;     ///< X11 keysym (XK_*)
};

/// Another name for a key ("ctrl" for "lctrl", "esc" for "escape").
struct key_alias {
  std::string_view name; ///< lowercase alias
  hid_usage usage = 0;   ///< the key it stands for
};

/// A read-only view of one of the constexpr tables.
template <class T>
struct table_view {
  const T* first = nullptr; ///< the first row
  const T* last = nullptr;  ///< one past the last row

  /// The first row.
  const T* begin() const noexcept {
    return first;
  }
  /// One past the last row.
  const T* end() const noexcept {
    return last;
  }
  /// The number of rows.
  std::size_t size() const noexcept {
    return static_cast<std::size_t>(last - first);
  }
};

/// Every key we can type, in HID usage order.
table_view<key_info> all_keys() noexcept;

/// Every alias (names that are not canonical but also accepted).
table_view<key_alias> all_key_aliases() noexcept;

/// The key named `name`: a Star Citizen name or an alias, in any letter case,
/// with an optional `kb1_` device prefix; `numpad_7` / `kp_7` / `kp7` mean
/// `np_7`. The name is taken as is (combos trim, this does not). Mouse, axis,
/// HMD, joystick and gamepad names answer `unsupported_binding`; any other
/// unknown name `unknown_key`.
result<hid_usage> parse_key_name(std::string_view name) noexcept;

/// True for names of mouse, axis, HMD, joystick or gamepad inputs.
bool is_non_keyboard_name(std::string_view name) noexcept;

/// The table row of `usage`, or nullptr if we cannot type that key.
const key_info* find_key(hid_usage usage) noexcept;

/// The canonical name of `usage` ("lalt"), or "" if it is not in the table.
std::string_view key_name(hid_usage usage) noexcept;

/// True for the eight modifier keys (HID 0xE0..0xE7: ctrl, shift, alt, gui).
constexpr bool is_modifier(hid_usage usage) noexcept {
  return usage >= 0xE0 && usage <= 0xE7;
}

/// The Windows scancode of `usage`; `unknown_key` if not in the table.
result<windows_scancode> windows_scancode_of(hid_usage usage) noexcept;

/// The macOS kVK_* code of `usage`; `not_on_platform` for keys a Mac does
/// not have (print, scrolllock, pause).
result<std::uint16_t> macos_key_code_of(hid_usage usage) noexcept;

/// The Linux evdev KEY_* code of `usage` (uinput).
result<std::uint16_t> evdev_code_of(hid_usage usage) noexcept;

/// The X11 keysym of `usage` (XTest resolves it to a keycode).
result<std::uint32_t> x11_keysym_of(hid_usage usage) noexcept;

} // namespace openmfd::protocol

OPENMFD_ERROR_ENUM(key_errc);
