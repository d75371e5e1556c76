// Fuzz target for key names, combos and key scripts: whatever parses must
// keep the combo invariants, format back to the same combo, and compile in
// every mode into a script that releases every key it presses.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "protocol/key_combo.hpp"
#include "protocol/key_names.hpp"
#include "protocol/key_script.hpp"

namespace {

using namespace openmfd::protocol;

void require(bool condition) {
  if (!condition)
    std::abort();
}

void check_key_name(std::string_view input) {
  auto key = parse_key_name(input);
  if (!key) {
    require(key.error() == key_errc::unknown_key
            || key.error() == key_errc::unsupported_binding);
    return;
  }
  require(find_key(*key) != nullptr);
  auto again = parse_key_name(key_name(*key));
  require(again && *again == *key);
}

void check_invariants(const key_combo& combo) {
  require(!combo.keys.empty() && combo.keys.size() <= max_combo_keys);
  require(combo.modifier_count <= combo.keys.size());
  for (std::size_t i = 0; i < combo.keys.size(); ++i) {
    require(find_key(combo.keys[i]) != nullptr);
    require(is_modifier(combo.keys[i]) == (i < combo.modifier_count));
  }
  std::set<hid_usage> distinct(combo.keys.begin(), combo.keys.end());
  require(distinct.size() == combo.keys.size());
}

void check_script(const key_script& script) {
  std::set<hid_usage> held;
  for (const auto& step : script) {
    switch (step.what) {
      case key_step::kind::down:
        require(held.insert(step.key).second);
        break;
      case key_step::kind::up:
        require(held.erase(step.key) == 1);
        break;
      case key_step::kind::wait:
        require(step.duration > std::chrono::microseconds{0});
        break;
    }
  }
  require(held.empty());
}

void check_combo(std::string_view input) {
  auto combo = parse_key_combo(input);
  if (!combo)
    return;
  check_invariants(*combo);
  auto again = parse_key_combo(format_key_combo(*combo));
  require(again && *again == *combo);
  using std::chrono::milliseconds;
  for (auto hold : {milliseconds{0}, milliseconds{50}})
    for (const auto& timing : activation_timings()) {
      auto script
        = compile_key_script(*combo, timing.mode, make_script_options(hold));
      require(script.has_value());
      check_script(*script);
    }
}

void check_mode(std::string_view input) {
  auto mode = parse_activation_mode(input);
  if (mode)
    require(input.empty() || mode_name(*mode) == input);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  check_key_name(input);
  check_combo(input);
  check_mode(input);
  return 0;
}
