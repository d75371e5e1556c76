#include "protocol/key_names.hpp"

#include <algorithm>
#include <array>
#include <iterator>

namespace openmfd::protocol {

namespace {

// One table row. `e0` marks Windows extended keys (E0-prefixed scancodes).
constexpr key_info row(hid_usage usage, std::string_view name,
                       std::uint16_t win, bool e0, std::uint16_t mac,
                       std::uint16_t evdev, std::uint32_t x11) {
  return key_info{usage, name, windows_scancode{win, e0}, mac, evdev, x11};
}

constexpr bool e0 = true;
constexpr bool plain = false;
constexpr std::uint16_t no_mac = no_macos_key;

// Sources: USB HID Usage Tables (keyboard page), Windows set-1 scancodes as
// Windows reports them (NumLock extended, Pause not), <HIToolbox/Events.h>,
// <linux/input-event-codes.h>, <X11/keysymdef.h>. Names are Star Citizen's.
// Keypad keysyms are the digit forms (XK_KP_1, not XK_KP_End) so XTest finds
// the keypad keycode whatever the NumLock state.
constexpr key_info key_table[] = {
  row(0x04, "a", 0x1E, plain, 0x00, 30, 0x61),
  row(0x05, "b", 0x30, plain, 0x0B, 48, 0x62),
  row(0x06, "c", 0x2E, plain, 0x08, 46, 0x63),
  row(0x07, "d", 0x20, plain, 0x02, 32, 0x64),
  row(0x08, "e", 0x12, plain, 0x0E, 18, 0x65),
  row(0x09, "f", 0x21, plain, 0x03, 33, 0x66),
  row(0x0A, "g", 0x22, plain, 0x05, 34, 0x67),
  row(0x0B, "h", 0x23, plain, 0x04, 35, 0x68),
  row(0x0C, "i", 0x17, plain, 0x22, 23, 0x69),
  row(0x0D, "j", 0x24, plain, 0x26, 36, 0x6A),
  row(0x0E, "k", 0x25, plain, 0x28, 37, 0x6B),
  row(0x0F, "l", 0x26, plain, 0x25, 38, 0x6C),
  row(0x10, "m", 0x32, plain, 0x2E, 50, 0x6D),
  row(0x11, "n", 0x31, plain, 0x2D, 49, 0x6E),
  row(0x12, "o", 0x18, plain, 0x1F, 24, 0x6F),
  row(0x13, "p", 0x19, plain, 0x23, 25, 0x70),
  row(0x14, "q", 0x10, plain, 0x0C, 16, 0x71),
  row(0x15, "r", 0x13, plain, 0x0F, 19, 0x72),
  row(0x16, "s", 0x1F, plain, 0x01, 31, 0x73),
  row(0x17, "t", 0x14, plain, 0x11, 20, 0x74),
  row(0x18, "u", 0x16, plain, 0x20, 22, 0x75),
  row(0x19, "v", 0x2F, plain, 0x09, 47, 0x76),
  row(0x1A, "w", 0x11, plain, 0x0D, 17, 0x77),
  row(0x1B, "x", 0x2D, plain, 0x07, 45, 0x78),
  row(0x1C, "y", 0x15, plain, 0x10, 21, 0x79),
  row(0x1D, "z", 0x2C, plain, 0x06, 44, 0x7A),
  row(0x1E, "1", 0x02, plain, 0x12, 2, 0x31),
  row(0x1F, "2", 0x03, plain, 0x13, 3, 0x32),
  row(0x20, "3", 0x04, plain, 0x14, 4, 0x33),
  row(0x21, "4", 0x05, plain, 0x15, 5, 0x34),
  row(0x22, "5", 0x06, plain, 0x17, 6, 0x35),
  row(0x23, "6", 0x07, plain, 0x16, 7, 0x36),
  row(0x24, "7", 0x08, plain, 0x1A, 8, 0x37),
  row(0x25, "8", 0x09, plain, 0x1C, 9, 0x38),
  row(0x26, "9", 0x0A, plain, 0x19, 10, 0x39),
  row(0x27, "0", 0x0B, plain, 0x1D, 11, 0x30),
  row(0x28, "enter", 0x1C, plain, 0x24, 28, 0xFF0D),
  row(0x29, "escape", 0x01, plain, 0x35, 1, 0xFF1B),
  row(0x2A, "backspace", 0x0E, plain, 0x33, 14, 0xFF08),
  row(0x2B, "tab", 0x0F, plain, 0x30, 15, 0xFF09),
  row(0x2C, "space", 0x39, plain, 0x31, 57, 0x0020),
  row(0x2D, "minus", 0x0C, plain, 0x1B, 12, 0x002D),
  row(0x2E, "equals", 0x0D, plain, 0x18, 13, 0x003D),
  row(0x2F, "lbracket", 0x1A, plain, 0x21, 26, 0x005B),
  row(0x30, "rbracket", 0x1B, plain, 0x1E, 27, 0x005D),
  row(0x31, "backslash", 0x2B, plain, 0x2A, 43, 0x005C),
  row(0x33, "semicolon", 0x27, plain, 0x29, 39, 0x003B),
  row(0x34, "apostrophe", 0x28, plain, 0x27, 40, 0x0027),
  row(0x35, "grave", 0x29, plain, 0x32, 41, 0x0060),
  row(0x36, "comma", 0x33, plain, 0x2B, 51, 0x002C),
  row(0x37, "period", 0x34, plain, 0x2F, 52, 0x002E),
  row(0x38, "slash", 0x35, plain, 0x2C, 53, 0x002F),
  row(0x39, "capslock", 0x3A, plain, 0x39, 58, 0xFFE5),
  row(0x3A, "f1", 0x3B, plain, 0x7A, 59, 0xFFBE),
  row(0x3B, "f2", 0x3C, plain, 0x78, 60, 0xFFBF),
  row(0x3C, "f3", 0x3D, plain, 0x63, 61, 0xFFC0),
  row(0x3D, "f4", 0x3E, plain, 0x76, 62, 0xFFC1),
  row(0x3E, "f5", 0x3F, plain, 0x60, 63, 0xFFC2),
  row(0x3F, "f6", 0x40, plain, 0x61, 64, 0xFFC3),
  row(0x40, "f7", 0x41, plain, 0x62, 65, 0xFFC4),
  row(0x41, "f8", 0x42, plain, 0x64, 66, 0xFFC5),
  row(0x42, "f9", 0x43, plain, 0x65, 67, 0xFFC6),
  row(0x43, "f10", 0x44, plain, 0x6D, 68, 0xFFC7),
  row(0x44, "f11", 0x57, plain, 0x67, 87, 0xFFC8),
  row(0x45, "f12", 0x58, plain, 0x6F, 88, 0xFFC9),
  // A Mac has no print, scroll lock or pause key (Chromium's table agrees).
  row(0x46, "print", 0x37, e0, no_mac, 99, 0xFF61),
  row(0x47, "scrolllock", 0x46, plain, no_mac, 70, 0xFF14),
  row(0x48, "pause", 0x45, plain, no_mac, 119, 0xFF13),
  row(0x49, "insert", 0x52, e0, 0x72, 110, 0xFF63),
  row(0x4A, "home", 0x47, e0, 0x73, 102, 0xFF50),
  row(0x4B, "pgup", 0x49, e0, 0x74, 104, 0xFF55),
  row(0x4C, "delete", 0x53, e0, 0x75, 111, 0xFFFF),
  row(0x4D, "end", 0x4F, e0, 0x77, 107, 0xFF57),
  row(0x4E, "pgdn", 0x51, e0, 0x79, 109, 0xFF56),
  row(0x4F, "right", 0x4D, e0, 0x7C, 106, 0xFF53),
  row(0x50, "left", 0x4B, e0, 0x7B, 105, 0xFF51),
  row(0x51, "down", 0x50, e0, 0x7D, 108, 0xFF54),
  row(0x52, "up", 0x48, e0, 0x7E, 103, 0xFF52),
  row(0x53, "numlock", 0x45, e0, 0x47, 69, 0xFF7F),
  row(0x54, "np_divide", 0x35, e0, 0x4B, 98, 0xFFAF),
  row(0x55, "np_multiply", 0x37, plain, 0x43, 55, 0xFFAA),
  row(0x56, "np_subtract", 0x4A, plain, 0x4E, 74, 0xFFAD),
  row(0x57, "np_add", 0x4E, plain, 0x45, 78, 0xFFAB),
  row(0x58, "np_enter", 0x1C, e0, 0x4C, 96, 0xFF8D),
  row(0x59, "np_1", 0x4F, plain, 0x53, 79, 0xFFB1),
  row(0x5A, "np_2", 0x50, plain, 0x54, 80, 0xFFB2),
  row(0x5B, "np_3", 0x51, plain, 0x55, 81, 0xFFB3),
  row(0x5C, "np_4", 0x4B, plain, 0x56, 75, 0xFFB4),
  row(0x5D, "np_5", 0x4C, plain, 0x57, 76, 0xFFB5),
  row(0x5E, "np_6", 0x4D, plain, 0x58, 77, 0xFFB6),
  row(0x5F, "np_7", 0x47, plain, 0x59, 71, 0xFFB7),
  row(0x60, "np_8", 0x48, plain, 0x5B, 72, 0xFFB8),
  row(0x61, "np_9", 0x49, plain, 0x5C, 73, 0xFFB9),
  row(0x62, "np_0", 0x52, plain, 0x52, 82, 0xFFB0),
  row(0x63, "np_period", 0x53, plain, 0x41, 83, 0xFFAE),
  row(0x65, "apps", 0x5D, e0, 0x6E, 127, 0xFF67),
  row(0xE0, "lctrl", 0x1D, plain, 0x3B, 29, 0xFFE3),
  row(0xE1, "lshift", 0x2A, plain, 0x38, 42, 0xFFE1),
  row(0xE2, "lalt", 0x38, plain, 0x3A, 56, 0xFFE9),
  row(0xE3, "lwin", 0x5B, e0, 0x37, 125, 0xFFEB),
  row(0xE4, "rctrl", 0x1D, e0, 0x3E, 97, 0xFFE4),
  row(0xE5, "rshift", 0x36, plain, 0x3C, 54, 0xFFE2),
  row(0xE6, "ralt", 0x38, e0, 0x3D, 100, 0xFFEA),
  row(0xE7, "rwin", 0x5C, e0, 0x36, 126, 0xFFEC),
};

// Names people type for the same keys. The keypad prefixes (numpad_, kp_)
// and the device prefix (kb1_) are rewritten before lookup instead.
constexpr key_alias alias_table[] = {
  {"ctrl", 0xE0},        {"control", 0xE0},      {"lcontrol", 0xE0},
  {"shift", 0xE1},       {"alt", 0xE2},          {"option", 0xE2},
  {"win", 0xE3},         {"gui", 0xE3},          {"lgui", 0xE3},
  {"super", 0xE3},       {"meta", 0xE3},         {"cmd", 0xE3},
  {"command", 0xE3},     {"lcmd", 0xE3},         {"rcontrol", 0xE4},
  {"altgr", 0xE6},       {"rgui", 0xE7},         {"rcmd", 0xE7},
  {"esc", 0x29},         {"return", 0x28},       {"bksp", 0x2A},
  {"spacebar", 0x2C},    {"equal", 0x2E},        {"quote", 0x34},
  {"tilde", 0x35},       {"backquote", 0x35},    {"dot", 0x37},
  {"caps", 0x39},        {"caps_lock", 0x39},    {"printscreen", 0x46},
  {"prtsc", 0x46},       {"sysrq", 0x46},        {"scroll_lock", 0x47},
  {"break", 0x48},       {"ins", 0x49},          {"pageup", 0x4B},
  {"page_up", 0x4B},     {"prior", 0x4B},        {"del", 0x4C},
  {"pagedown", 0x4E},    {"page_down", 0x4E},    {"next", 0x4E},
  {"arrowright", 0x4F},  {"right_arrow", 0x4F},  {"arrowleft", 0x50},
  {"left_arrow", 0x50},  {"arrowdown", 0x51},    {"down_arrow", 0x51},
  {"arrowup", 0x52},     {"up_arrow", 0x52},     {"num_lock", 0x53},
  {"np_slash", 0x54},    {"np_star", 0x55},      {"np_minus", 0x56},
  {"np_plus", 0x57},     {"np_return", 0x58},    {"np_decimal", 0x63},
  {"np_dot", 0x63},      {"menu", 0x65},
};

// Longest name we look up; longer input cannot be a key.
constexpr std::size_t max_key_name = 24;

// A bounded lowercase copy of a name, so lookups never allocate.
class name_buffer {
public:
  bool assign(std::string_view text) noexcept {
    if (text.size() > data_.size())
      return false;
    size_ = 0;
    for (char c : text)
      data_[size_++] = ascii_lower(c);
    return true;
  }

  std::string_view view() const noexcept {
    return {data_.data(), size_};
  }

  // Replaces the first `n` characters by `prefix`, if it fits.
  bool replace_prefix(std::size_t n, std::string_view prefix) noexcept {
    std::array<char, max_key_name> rest{};
    std::size_t rest_size = size_ - n;
    if (prefix.size() + rest_size > data_.size())
      return false;
    std::copy_n(data_.begin() + n, rest_size, rest.begin());
    std::copy(prefix.begin(), prefix.end(), data_.begin());
    std::copy_n(rest.begin(), rest_size, data_.begin() + prefix.size());
    size_ = prefix.size() + rest_size;
    return true;
  }

private:
  static char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }

  std::array<char, max_key_name> data_{};
  std::size_t size_ = 0;
};

bool starts_with(std::string_view text, std::string_view prefix) noexcept {
  return text.substr(0, prefix.size()) == prefix;
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// The length of a Star Citizen device prefix such as "kb1_" or "js2_" (two
// letters, optional instance digits, '_') if `name` starts with one whose
// letters are `device`; 0 otherwise.
std::size_t device_prefix_length(std::string_view name,
                                 std::string_view device) noexcept {
  if (!starts_with(name, device))
    return 0;
  std::size_t i = device.size();
  while (i < name.size() && is_digit(name[i]))
    ++i;
  return (i < name.size() && name[i] == '_') ? i + 1 : 0;
}

// Star Citizen calls keypad keys np_*; other tools say numpad_ or kp_.
constexpr std::string_view keypad_prefixes[] = {"numpad_", "numpad", "kp_",
                                                "kp"};

void normalise(name_buffer& name) noexcept {
  if (auto n = device_prefix_length(name.view(), "kb"); n > 0)
    name.replace_prefix(n, "");
  for (auto prefix : keypad_prefixes) {
    auto view = name.view();
    if (starts_with(view, prefix) && view.size() > prefix.size()) {
      name.replace_prefix(prefix.size(), "np_");
      return;
    }
  }
}

const key_info* find_by_name(std::string_view name) noexcept {
  for (const auto& key : key_table)
    if (key.name == name)
      return &key;
  for (const auto& alias : alias_table)
    if (alias.name == name)
      return find_key(alias.usage);
  return nullptr;
}

// Input names of other devices: mouse buttons, wheel and axes, the HMD, and
// anything behind a mouse, joystick, gamepad or XInput device prefix.
constexpr std::string_view non_keyboard_prefixes[]
  = {"mouse", "mwheel", "maxis", "hmd_", "button", "hat"};
constexpr std::string_view non_keyboard_devices[] = {"mo", "js", "gp", "xi"};

} // namespace

const char* to_string(key_errc e) noexcept {
  switch (e) {
    case key_errc::unknown_key:
      return "unknown_key";
    case key_errc::unsupported_binding:
      return "unsupported_binding";
    case key_errc::not_on_platform:
      return "not_on_platform";
    case key_errc::empty_keys:
      return "empty_keys";
    case key_errc::empty_key:
      return "empty_key";
    case key_errc::keys_too_long:
      return "keys_too_long";
    case key_errc::too_many_keys:
      return "too_many_keys";
    case key_errc::duplicate_key:
      return "duplicate_key";
  }
  return "unknown_key_error";
}

const char* category_name(key_errc) noexcept {
  return "openmfd.keys";
}

table_view<key_info> all_keys() noexcept {
  return {std::begin(key_table), std::end(key_table)};
}

table_view<key_alias> all_key_aliases() noexcept {
  return {std::begin(alias_table), std::end(alias_table)};
}

bool is_non_keyboard_name(std::string_view name) noexcept {
  name_buffer lower;
  // Long names are cut, not refused: the prefix alone decides.
  lower.assign(name.substr(0, max_key_name));
  for (auto prefix : non_keyboard_prefixes)
    if (starts_with(lower.view(), prefix))
      return true;
  for (auto device : non_keyboard_devices)
    if (device_prefix_length(lower.view(), device) > 0)
      return true;
  return false;
}

result<hid_usage> parse_key_name(std::string_view name) noexcept {
  name_buffer lower;
  if (lower.assign(name)) {
    normalise(lower);
    if (const auto* key = find_by_name(lower.view()))
      return key->usage;
  }
  if (is_non_keyboard_name(name))
    return key_errc::unsupported_binding;
  return key_errc::unknown_key;
}

const key_info* find_key(hid_usage usage) noexcept {
  // The table is sorted by usage (a test checks it).
  const auto* it = std::lower_bound(
    std::begin(key_table), std::end(key_table), usage,
    [](const key_info& key, hid_usage u) { return key.usage < u; });
  return (it != std::end(key_table) && it->usage == usage) ? it : nullptr;
}

std::string_view key_name(hid_usage usage) noexcept {
  const auto* key = find_key(usage);
  return key ? key->name : std::string_view{};
}

result<windows_scancode> windows_scancode_of(hid_usage usage) noexcept {
  if (const auto* key = find_key(usage))
    return key->windows;
  return key_errc::unknown_key;
}

result<std::uint16_t> macos_key_code_of(hid_usage usage) noexcept {
  const auto* key = find_key(usage);
  if (!key)
    return key_errc::unknown_key;
  if (key->macos == no_macos_key)
    return key_errc::not_on_platform;
  return key->macos;
}

result<std::uint16_t> evdev_code_of(hid_usage usage) noexcept {
  if (const auto* key = find_key(usage))
    return key->evdev;
  return key_errc::unknown_key;
}

result<std::uint32_t> x11_keysym_of(hid_usage usage) noexcept {
  if (const auto* key = find_key(usage))
    return key->x11;
  return key_errc::unknown_key;
}

} // namespace openmfd::protocol
