// Fuzz target for shared screens: a state a panel sends and the
// screens.json text. Whatever parse_screen_state accepts fits the limit,
// and its canonical text is the state's own serialization, accepted again.
// Whatever parse_screens_file accepts meets every limit, and writing it out
// reads back to the same states (empty ones are not kept). A valid name is
// exactly one made of [A-Za-z0-9_.-] within the length limit.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "protocol/screens.hpp"
#include "same_json.hpp"

namespace {

using namespace openmfd::protocol;
using openmfd::fuzz::same_json;

// Small limits, so that mutations reach them.
screen_limits fuzz_limits() {
  screen_limits limits;
  limits.max_screens = 4;
  limits.max_state_bytes = 96;
  limits.max_name_length = 8;
  return limits;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

void check_name(std::string_view input, std::size_t max_length) {
  bool expected = !input.empty() && input.size() <= max_length;
  for (char c : input)
    expected = expected && name_char(c);
  if (valid_screen_name(input, max_length) != expected)
    std::abort();
}

void check_state(std::string_view input, std::size_t max_bytes) {
  auto parsed = parse_screen_state(input, max_bytes);
  if (!parsed) {
    if (parsed.error() != screen_state_errc::invalid_state
        && parsed.error() != screen_state_errc::state_too_large)
      std::abort();
    return;
  }
  if (parsed->canonical.size() > max_bytes
      || parsed->canonical != boost::json::serialize(parsed->state))
    std::abort();
  auto again = parse_screen_state(parsed->canonical, max_bytes);
  if (!again || !same_json(again->state, parsed->state))
    std::abort();
}

void check_file(std::string_view input, const screen_limits& limits) {
  auto file = parse_screens_file(input, limits);
  if (!file.error.empty()) {
    if (!file.states.empty())
      std::abort();
    return;
  }
  if (file.states.size() > limits.max_screens)
    std::abort();
  std::vector<named_state> kept;
  for (const auto& [name, state] : file.states) {
    if (!valid_screen_name(name, limits.max_name_length)
        || boost::json::serialize(state).size() > limits.max_state_bytes)
      std::abort();
    kept.emplace_back(name, &state);
  }
  auto written = serialize_screens_file(kept);
  auto back = parse_screens_file(written, limits);
  if (!back.error.empty())
    std::abort();
  std::size_t non_empty = 0;
  for (const auto& [name, state] : file.states) {
    if (state.empty())
      continue;
    ++non_empty;
    auto it = back.states.find(name);
    if (it == back.states.end() || !same_json(it->second, state))
      std::abort();
  }
  if (back.states.size() != non_empty)
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  auto limits = fuzz_limits();
  check_name(input, limits.max_name_length);
  check_state(input, limits.max_state_bytes);
  check_file(input, limits);
  return 0;
}
