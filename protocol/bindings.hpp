#pragma once

// The bindings model: actions a panel can run by name, loaded from the
// original server's bindings.json format (unchanged) or from the small
// built-in generic profile. The file format is one JSON object:
//
//   "spaceship_general.v_exit": {
//     "action_name": "v_exit", "action_map_name": "spaceship_general",
//     "activation_mode": "press" | null, "label": null,
//     "description": "Exit seat" | null,
//     "device": {"keyboard": "lalt+f" | " " | "" | null, "mouse": ...,
//                "xboxpad": ..., "joystick": ...}
//   }
//
// A blank or null keyboard entry means "not bound". Loading takes a string
// (file I/O lives in the caller), is bounded and never throws on bad input.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <boost/json/array.hpp>

#include "protocol/errors.hpp"
#include "protocol/key_combo.hpp"
#include "protocol/key_script.hpp"

namespace openmfd::protocol {

/// Why bindings could not be loaded or an action not run; `to_string` gives
/// the wire text.
enum class bindings_errc {
  /// The text is longer than `max_bindings_text`.
  input_too_large = 1,
  /// Not JSON, or nested deeper than `max_bindings_depth`.
  invalid_json,
  /// The top level is not an object of actions.
  not_an_object,
  /// More than `max_actions` actions.
  too_many_actions,
  /// An action's name (its key) is empty or longer than `max_action_name`.
  invalid_action_name,
  /// An action is not a JSON object.
  action_not_object,
  /// A field has the wrong JSON type (the detail names action and field).
  invalid_field,
  /// A text field is longer than `max_field_text`.
  field_too_long,
  /// No action has that name.
  unknown_action,
  /// The action has no keyboard binding (null, "" or " " in the file).
  no_keyboard_binding,
};

/// The wire text of `e`, e.g. "no_keyboard_binding".
const char* to_string(bindings_errc e) noexcept;

/// The name of the error category of `bindings_errc`.
const char* category_name(bindings_errc) noexcept;

} // namespace openmfd::protocol

// Declared here, not at the end: bound_action below converts the enum.
OPENMFD_ERROR_ENUM(bindings_errc);

namespace openmfd::protocol {

/// The largest bindings text we parse (the Star Citizen file is ~200 KiB).
inline constexpr std::size_t max_bindings_text = 16 * 1024 * 1024;

/// The most actions one bindings text may hold.
inline constexpr std::size_t max_actions = 10000;

/// The longest action name.
inline constexpr std::size_t max_action_name = 256;

/// The longest text field (description, activation mode, keyboard binding).
inline constexpr std::size_t max_field_text = 4096;

/// The deepest JSON nesting accepted (the format needs 3).
inline constexpr std::size_t max_bindings_depth = 8;

/// One action of a bindings file, with what it takes to run it.
struct bound_action {
  /// The action's key in the file, e.g. "spaceship_general.v_exit".
  std::string name;
  /// The human description, if the file has one.
  std::optional<std::string> description;
  /// The activation_mode text as written; "" for null.
  std::string activation_mode_text;
  /// The keyboard binding text as written; "" for null.
  std::string keys;
  /// The mode to run it with (press for null); or unknown_activation_mode.
  result<activation_mode> mode = activation_mode::press;
  /// The keys to press; or no_keyboard_binding, unsupported_binding,
  /// unknown_key, ... (why it cannot be typed).
  result<key_combo> combo = bindings_errc::no_keyboard_binding;

  /// Success if the action can be run, else the reason (combo first).
  std::error_code status() const noexcept;
};

/// The loaded actions, in file order, with lookup by name.
class bindings_catalogue {
public:
  /// An empty catalogue.
  bindings_catalogue() = default;

  /// Takes `actions`; when names repeat, `find` answers the first.
  explicit bindings_catalogue(std::vector<bound_action> actions);

  /// All actions in file order.
  const std::vector<bound_action>& actions() const noexcept {
    return actions_;
  }

  /// The action named `name`, or nullptr.
  const bound_action* find(std::string_view name) const noexcept;

private:
  std::vector<bound_action> actions_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

/// Loads bindings.json text. On failure, `*detail` (when given) says where,
/// e.g. `spaceship_general.v_exit: "device.keyboard" must be a string or
/// null`. Action-level problems (unbound keys, mouse bindings, unknown modes)
/// do not fail the load: they are kept in each action's `mode` / `combo`.
result<bindings_catalogue> load_bindings(std::string_view json,
                                         std::string* detail = nullptr);

/// The built-in generic profile (same format), used without --bindings.
std::string_view builtin_bindings_json() noexcept;

/// The built-in generic profile, loaded.
result<bindings_catalogue> load_builtin_bindings();

/// The key script that runs `action`, or why it cannot run (its status, or
/// a compile error).
result<key_script> action_script(const bound_action& action,
                                 const script_options& options = {});

/// The key script that runs the action named `name` (run_action): as above,
/// or `unknown_action`.
result<key_script> action_script(const bindings_catalogue& catalogue,
                                 std::string_view name,
                                 const script_options& options = {});

/// The `actions` array of the list_actions ack (DESIGN §3): one
/// `{"name", "description", "activation_mode", "keys"}` per action, in file
/// order. description and keys are null when absent; keys is canonical when
/// the binding compiles, else as written; activation_mode is the effective
/// mode ("press" for null), or the text as written when unknown.
boost::json::array list_actions_json(const bindings_catalogue& catalogue);

} // namespace openmfd::protocol
