#pragma once

// Activation modes compiled into key scripts: the down/up/wait steps that
// make Star Citizen read a one-shot button press as the mode the action is
// bound with. The game polls input once a frame, so every state the game
// must see is held for at least the key hold (default 50 ms, three frames at
// 60 fps), and modifiers lead and trail the key by a short gap so the game
// has registered them when the key arrives.
//
// Timings are Star Citizen's, from defaultProfile.xml <ActivationModes>
// (a test checks the table below against that file). For a combo "M+K" (M:
// its modifiers, K: its other keys; a combo of modifiers only is all K),
// with hold H = options.key_hold and gap G = options.modifier_gap, and
// writing X+ for "X goes down", X- for "X goes up", a duration for a wait:
//
// - press: M+ G K+ H K- G M-. Fires on press; H lets a polling game see it.
// - tap, tap_quicker: as press with K held min(H, T/2). They fire on release
//   only if the key was released before the release threshold T (250 ms,
//   150 ms); releasing within half of T leaves room for a frame hitch.
// - double_tap, double_tap_nonblocking: M+ G K+ h K- h K+ h K- G M- with
//   h = min(H, W/4). They fire on the second press inside the multi-tap
//   window W, which the profile does not give (see assumed_multi_tap_window);
//   the second press comes after 2h <= W/2. Modifiers stay down between the
//   taps, as a player's fingers would.
// - delayed_press, delayed_press_quicker: as press with K held D + H. They
//   fire only once the key has been held past the press threshold D (250 ms,
//   150 ms).
// - hold, hold_no_retrigger, hold_toggle, all: as press. They act on press
//   (and on release, or while held); one press of H is the whole action.
// - delayed_hold, delayed_hold_no_retrigger: as press with K held D + H:
//   they start only once held past D (250 ms, 150 ms).
// - smart_toggle: as press with K held min(H, R/2): a press shorter than the
//   release delay R (250 ms) toggles, a longer one acts only while held.
//
// With H = 0 (benchmarks) and G = 0 no wait is emitted except the delays D a
// mode needs. Held keys (the key_down / key_up events) do not use scripts.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/errors.hpp"
#include "protocol/key_combo.hpp"
#include "protocol/key_names.hpp"

namespace openmfd::protocol {

/// Why a script could not be made; `to_string` gives the wire text.
enum class script_errc {
  /// The activation mode is not one of Star Citizen's.
  unknown_activation_mode = 1,
  /// A hold or gap is negative or longer than the limits below.
  invalid_timing,
  /// The combo has no keys or more than max_combo_keys, or its modifier
  /// count is larger than its key count (only a hand-made combo can).
  invalid_combo,
};

/// The wire text of `e`, e.g. "unknown_activation_mode".
const char* to_string(script_errc e) noexcept;

/// The name of the error category of `script_errc`.
const char* category_name(script_errc) noexcept;

/// Star Citizen's activation modes (what each compiles to is listed at the
/// top of this file), in the order of <ActivationModes> and the timing table.
enum class activation_mode : std::uint8_t {
  tap,
  double_tap,
  double_tap_nonblocking,
  tap_quicker,
  press,
  delayed_press,
  delayed_press_quicker,
  hold,
  hold_no_retrigger,
  delayed_hold_no_retrigger,
  all,
  delayed_hold,
  hold_toggle,
  smart_toggle,
};

/// The number of activation modes.
inline constexpr std::size_t activation_mode_count = 14;

/// One <ActivationMode> of defaultProfile.xml, attribute for attribute
/// (times converted from seconds; "-1" = not set = nullopt).
struct activation_timing {
  activation_mode mode;      ///< the mode this row describes
  std::string_view name;     ///< name="..."
  bool on_press;             ///< onPress: fires when pressed
  bool on_hold;              ///< onHold: fires while held
  bool on_release;           ///< onRelease: fires when released
  int multi_tap;             ///< multiTap: presses needed (1 or 2)
  bool multi_tap_block;      ///< multiTapBlock: a multi-tap hides single taps
  std::optional<bool> retriggerable;  ///< retriggerable, when given
  std::optional<std::chrono::milliseconds>
    press_trigger_threshold; ///< pressTriggerThreshold: hold this long first
  std::optional<std::chrono::milliseconds>
    release_trigger_threshold; ///< releaseTriggerThreshold: release before
  std::chrono::milliseconds
    release_trigger_delay;   ///< releaseTriggerDelay (smart_toggle's window)
};

/// Every activation mode's timing, indexed by `activation_mode`.
const std::array<activation_timing, activation_mode_count>&
activation_timings() noexcept;

/// The timing row of `mode`.
const activation_timing& timing_of(activation_mode mode) noexcept;

/// The multi-tap window Star Citizen uses for double taps. The profile does
/// not give it, so this is our assumption (as long as the tap threshold).
inline constexpr std::chrono::milliseconds assumed_multi_tap_window{250};

/// The mode named `name` (exact, lowercase as in the profile); an empty name
/// means press, as a null activation_mode does in bindings.json.
result<activation_mode> parse_activation_mode(std::string_view name) noexcept;

/// The profile's name of `mode` ("double_tap").
std::string_view mode_name(activation_mode mode) noexcept;

/// One step of a key script.
struct key_step {
  /// What the step does.
  enum class kind : std::uint8_t { down, up, wait };

  kind what = kind::wait;                 ///< press, release, or pause
  hid_usage key = 0;                      ///< the key, for down and up
  std::chrono::microseconds duration{0};  ///< the pause, for wait

  /// Press `k`.
  static key_step down(hid_usage k) noexcept {
    return {kind::down, k, {}};
  }
  /// Release `k`.
  static key_step up(hid_usage k) noexcept {
    return {kind::up, k, {}};
  }
  /// Pause for `d`.
  static key_step wait(std::chrono::microseconds d) noexcept {
    return {kind::wait, 0, d};
  }

  /// Member-wise equality.
  friend bool operator==(const key_step& a, const key_step& b) noexcept {
    return a.what == b.what && a.key == b.key && a.duration == b.duration;
  }
  /// Member-wise inequality.
  friend bool operator!=(const key_step& a, const key_step& b) noexcept {
    return !(a == b);
  }
};

/// Steps run in order by the injector; every key it presses it releases.
using key_script = std::vector<key_step>;

/// The longest key hold or modifier gap we accept.
inline constexpr std::chrono::milliseconds max_key_hold{10000};

/// How long keys are held when a script is made.
struct script_options {
  /// Down to up of a key (`--key-hold-ms`); 0 for overhead benchmarks.
  std::chrono::milliseconds key_hold{50};
  /// Between the modifiers and the key, both ways.
  std::chrono::milliseconds modifier_gap{10};
};

/// The options for `--key-hold-ms hold`: the default 10 ms modifier gap, or
/// no gap when `hold` is 0 (benchmarks measure the server, not the waits).
script_options make_script_options(std::chrono::milliseconds hold) noexcept;

/// The script that makes the game read `combo` as `mode` (see the table at
/// the top). Errors: `invalid_combo`, `invalid_timing`.
result<key_script> compile_key_script(const key_combo& combo,
                                      activation_mode mode,
                                      const script_options& options = {});

/// The sum of the script's waits: how long running it takes.
std::chrono::microseconds script_duration(const key_script& script) noexcept;

/// Readable text of a script ("down lalt, wait 10ms, down f, ..."), for logs
/// and test messages.
std::string format_key_script(const key_script& script);

} // namespace openmfd::protocol

OPENMFD_ERROR_ENUM(script_errc);
