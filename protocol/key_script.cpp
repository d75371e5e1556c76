#include "protocol/key_script.hpp"

#include <algorithm>

namespace openmfd::protocol {

namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr auto unset = std::nullopt;

constexpr std::optional<milliseconds> ms(long long n) {
  return milliseconds{n};
}

// defaultProfile.xml <ActivationModes>, row for row and in the same order
// (key_script_test.cpp parses the file and compares). Seconds become ms.
constexpr std::array<activation_timing, activation_mode_count> timing_table = {{
  // mode, name, onPress, onHold, onRelease, multiTap, multiTapBlock,
  // retriggerable, pressTriggerThreshold, releaseTriggerThreshold,
  // releaseTriggerDelay
  {activation_mode::tap, "tap", false, false, true, 1, true, unset, unset,
   ms(250), milliseconds{0}},
  {activation_mode::double_tap, "double_tap", true, false, false, 2, true,
   unset, unset, unset, milliseconds{0}},
  {activation_mode::double_tap_nonblocking, "double_tap_nonblocking", true,
   false, false, 2, false, unset, unset, unset, milliseconds{0}},
  {activation_mode::tap_quicker, "tap_quicker", false, false, true, 1, true,
   unset, unset, ms(150), milliseconds{0}},
  {activation_mode::press, "press", true, false, false, 1, true, unset, unset,
   unset, milliseconds{0}},
  {activation_mode::delayed_press, "delayed_press", true, false, false, 1,
   true, unset, ms(250), unset, milliseconds{0}},
  {activation_mode::delayed_press_quicker, "delayed_press_quicker", true,
   false, false, 1, true, unset, ms(150), unset, milliseconds{0}},
  {activation_mode::hold, "hold", true, false, true, 1, true, true, unset,
   unset, milliseconds{0}},
  {activation_mode::hold_no_retrigger, "hold_no_retrigger", true, false, true,
   1, true, false, unset, unset, milliseconds{0}},
  {activation_mode::delayed_hold_no_retrigger, "delayed_hold_no_retrigger",
   true, false, true, 1, true, false, ms(150), unset, milliseconds{0}},
  {activation_mode::all, "all", true, true, true, 1, true, unset, unset, unset,
   milliseconds{0}},
  {activation_mode::delayed_hold, "delayed_hold", true, false, true, 1, true,
   unset, ms(250), unset, milliseconds{0}},
  {activation_mode::hold_toggle, "hold_toggle", true, false, true, 1, true,
   false, unset, unset, milliseconds{0}},
  {activation_mode::smart_toggle, "smart_toggle", true, false, true, 1, true,
   unset, unset, unset, milliseconds{250}},
}};

// The table is indexed by the enum; a wrong order would mix up timings.
constexpr bool table_follows_enum() {
  for (std::size_t i = 0; i < timing_table.size(); ++i)
    if (static_cast<std::size_t>(timing_table[i].mode) != i)
      return false;
  return true;
}
static_assert(table_follows_enum(), "timing_table out of enum order");

// The window a mode's presses must fit in, if it has one: the release
// threshold of taps, the release delay of smart_toggle, the multi-tap window.
std::optional<microseconds> window_of(const activation_timing& t) noexcept {
  if (t.release_trigger_threshold)
    return *t.release_trigger_threshold;
  if (t.release_trigger_delay > milliseconds{0})
    return t.release_trigger_delay;
  if (t.multi_tap > 1)
    return assumed_multi_tap_window;
  return std::nullopt;
}

// How long each press lasts (and each pause between multi-tap presses): the
// mode's press threshold plus the hold, kept within half of its window. One
// press must be released, n presses must start, within that half.
microseconds press_length(const activation_timing& t,
                          const script_options& options) noexcept {
  microseconds hold = t.press_trigger_threshold.value_or(milliseconds{0})
                      + options.key_hold;
  auto window = window_of(t);
  if (!window)
    return hold;
  auto spans = t.multi_tap > 1 ? 2 * (t.multi_tap - 1) : 1;
  return std::min(hold, *window / (2 * spans));
}

bool valid_duration(milliseconds d) noexcept {
  return d >= milliseconds{0} && d <= max_key_hold;
}

bool valid_combo(const key_combo& combo) noexcept {
  return !combo.keys.empty() && combo.keys.size() <= max_combo_keys
         && combo.modifier_count <= combo.keys.size();
}

// Builds scripts; zero waits are left out so a 0 ms hold costs nothing.
class script_builder {
public:
  void wait(microseconds d) {
    if (d > microseconds{0})
      steps_.push_back(key_step::wait(d));
  }

  template <class Iterator>
  void down(Iterator first, Iterator last) {
    for (; first != last; ++first)
      steps_.push_back(key_step::down(*first));
  }

  template <class Iterator>
  void up(Iterator first, Iterator last) {
    for (; first != last; ++first)
      steps_.push_back(key_step::up(*first));
  }

  key_script take() {
    return std::move(steps_);
  }

private:
  key_script steps_;
};

} // namespace

const char* to_string(script_errc e) noexcept {
  switch (e) {
    case script_errc::unknown_activation_mode:
      return "unknown_activation_mode";
    case script_errc::invalid_timing:
      return "invalid_timing";
    case script_errc::invalid_combo:
      return "invalid_combo";
  }
  return "unknown_script_error";
}

const char* category_name(script_errc) noexcept {
  return "openmfd.key_script";
}

const std::array<activation_timing, activation_mode_count>&
activation_timings() noexcept {
  return timing_table;
}

const activation_timing& timing_of(activation_mode mode) noexcept {
  return timing_table[static_cast<std::size_t>(mode)];
}

result<activation_mode> parse_activation_mode(std::string_view name) noexcept {
  if (name.empty())
    return activation_mode::press;
  for (const auto& row : timing_table)
    if (row.name == name)
      return row.mode;
  return script_errc::unknown_activation_mode;
}

std::string_view mode_name(activation_mode mode) noexcept {
  return timing_of(mode).name;
}

script_options make_script_options(milliseconds hold) noexcept {
  script_options options;
  options.key_hold = hold;
  if (hold == milliseconds{0})
    options.modifier_gap = milliseconds{0};
  return options;
}

result<key_script> compile_key_script(const key_combo& combo,
                                      activation_mode mode,
                                      const script_options& options) {
  if (!valid_combo(combo))
    return script_errc::invalid_combo;
  if (!valid_duration(options.key_hold)
      || !valid_duration(options.modifier_gap))
    return script_errc::invalid_timing;
  const auto& timing = timing_of(mode);
  // A combo of modifiers only is pressed like plain keys: no lead, no gap.
  auto lead = combo.modifier_count < combo.keys.size() ? combo.modifier_count
                                                       : std::size_t{0};
  auto keys_begin = combo.keys.begin() + static_cast<long>(lead);
  auto hold = press_length(timing, options);
  script_builder script;
  script.down(combo.keys.begin(), keys_begin);
  if (lead > 0)
    script.wait(options.modifier_gap);
  for (int press = 0; press < timing.multi_tap; ++press) {
    if (press > 0)
      script.wait(hold);
    script.down(keys_begin, combo.keys.end());
    script.wait(hold);
    script.up(combo.keys.rbegin(), std::make_reverse_iterator(keys_begin));
  }
  if (lead > 0)
    script.wait(options.modifier_gap);
  script.up(std::make_reverse_iterator(keys_begin), combo.keys.rend());
  return script.take();
}

microseconds script_duration(const key_script& script) noexcept {
  microseconds total{0};
  for (const auto& step : script)
    if (step.what == key_step::kind::wait)
      total += step.duration;
  return total;
}

std::string format_key_script(const key_script& script) {
  std::string out;
  for (const auto& step : script) {
    if (!out.empty())
      out += ", ";
    switch (step.what) {
      case key_step::kind::down:
        out += "down ";
        break;
      case key_step::kind::up:
        out += "up ";
        break;
      case key_step::kind::wait: {
        auto us = step.duration.count();
        out += "wait " + (us % 1000 == 0 ? std::to_string(us / 1000) + "ms"
                                         : std::to_string(us) + "us");
        continue;
      }
    }
    auto name = key_name(step.key);
    out += name.empty() ? "hid:" + std::to_string(step.key)
                        : std::string{name};
  }
  return out;
}

} // namespace openmfd::protocol
