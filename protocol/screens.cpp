#include "protocol/screens.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "protocol/json_numbers.hpp"

namespace openmfd::protocol {

namespace {

/// The version of screens.json this code writes and reads.
constexpr std::int64_t file_version = 1;

} // namespace

std::string_view to_string(screen_state_errc e) noexcept {
  switch (e) {
    case screen_state_errc::invalid_state:
      return "invalid_state";
    case screen_state_errc::state_too_large:
      return "state_too_large";
  }
  return "unknown";
}

const char* category_name(screen_state_errc) noexcept {
  return "screen_state";
}

bool valid_screen_name(std::string_view name, std::size_t max_length) noexcept {
  if (name.empty() || name.size() > max_length)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

result<screen_state> parse_screen_state(std::string_view text,
                                        std::size_t max_bytes) {
  if (text.size() > max_bytes)
    return screen_state_errc::state_too_large;
  boost::json::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_object() || !all_numbers_finite(value))
    return screen_state_errc::invalid_state;
  screen_state parsed;
  parsed.canonical = boost::json::serialize(value);
  if (parsed.canonical.size() > max_bytes)
    return screen_state_errc::state_too_large;
  parsed.state = std::move(value.get_object());
  return parsed;
}

std::string serialize_screens_file(const std::vector<named_state>& states) {
  boost::json::object all;
  for (const auto& [name, state] : states)
    if (state != nullptr && !state->empty())
      all[name] = *state;
  boost::json::object file;
  file["version"] = file_version;
  file["screens"] = std::move(all);
  return boost::json::serialize(file);
}

namespace {

/// Why `text` cannot be used, or empty; the states go to `out`.
std::string read_screens(std::string_view text, const screen_limits& limits,
                         std::map<std::string, boost::json::object>& out) {
  boost::json::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec)
    return "it is not JSON (" + ec.message() + ")";
  const auto* file = value.if_object();
  if (!file)
    return "it is not a JSON object";
  const auto* version = file->if_contains("version");
  if (!version || !version->is_int64()
      || version->get_int64() != file_version)
    return "its \"version\" is not " + std::to_string(file_version);
  const auto* screens = file->if_contains("screens");
  if (!screens || !screens->is_object())
    return "its \"screens\" is not an object";
  const auto& all = screens->get_object();
  if (all.size() > limits.max_screens)
    return "it has more than " + std::to_string(limits.max_screens)
           + " screens";
  for (const auto& entry : all) {
    std::string name{entry.key()};
    if (!valid_screen_name(name, limits.max_name_length))
      return "it has an invalid screen name";
    const auto* state = entry.value().if_object();
    if (!state)
      return "the state of screen \"" + name + "\" is not an object";
    if (!all_numbers_finite(entry.value()))
      return "the state of screen \"" + name
             + "\" has a number beyond the range of a double";
    if (boost::json::serialize(*state).size() > limits.max_state_bytes)
      return "the state of screen \"" + name + "\" is larger than "
             + std::to_string(limits.max_state_bytes) + " bytes";
    out[name] = *state;
  }
  return {};
}

} // namespace

screens_file parse_screens_file(std::string_view text,
                                const screen_limits& limits) {
  screens_file result;
  result.error = read_screens(text, limits, result.states);
  if (!result.error.empty())
    result.states.clear();
  return result;
}

std::size_t max_screens_file_size(const screen_limits& limits) noexcept {
  return limits.max_screens
           * (limits.max_state_bytes + limits.max_name_length + 16)
         + 64;
}

} // namespace openmfd::protocol
