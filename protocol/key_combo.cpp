#include "protocol/key_combo.hpp"

#include <algorithm>

namespace openmfd::protocol {

namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
         || c == '\v';
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

bool contains(const std::vector<hid_usage>& keys, hid_usage key) noexcept {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Adds the key named by one '+'-separated part, refusing blanks and repeats.
std::error_code add_part(std::string_view part, std::vector<hid_usage>& keys) {
  part = trim(part);
  if (part.empty())
    return key_errc::empty_key;
  auto key = parse_key_name(part);
  if (!key)
    return key.error();
  if (contains(keys, *key))
    return key_errc::duplicate_key;
  if (keys.size() == max_combo_keys)
    return key_errc::too_many_keys;
  keys.push_back(*key);
  return {};
}

} // namespace

result<key_combo> parse_key_combo(std::string_view text) {
  if (text.size() > max_combo_text)
    return key_errc::keys_too_long;
  text = trim(text);
  if (text.empty())
    return key_errc::empty_keys;
  key_combo combo;
  for (;;) {
    auto plus = text.find('+');
    if (auto ec = add_part(text.substr(0, plus), combo.keys))
      return ec;
    if (plus == std::string_view::npos)
      break;
    text.remove_prefix(plus + 1);
  }
  // Modifiers go down first, so they lead; stable keeps the written order.
  auto first_plain = std::stable_partition(combo.keys.begin(),
                                           combo.keys.end(), is_modifier);
  combo.modifier_count
    = static_cast<std::size_t>(first_plain - combo.keys.begin());
  return combo;
}

std::string format_key_combo(const key_combo& combo) {
  std::string out;
  for (auto key : combo.keys) {
    if (!out.empty())
      out += '+';
    out += key_name(key);
  }
  return out;
}

} // namespace openmfd::protocol
