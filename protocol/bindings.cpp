#include "protocol/bindings.hpp"

#include <utility>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace openmfd::protocol {

namespace {

namespace json = boost::json;

// A small generic profile: keys most games use, in the bindings.json format,
// so the server is useful (and testable) with no file at all.
constexpr std::string_view builtin_json = R"json({
  "generic.escape": {"action_name": "escape", "action_map_name": "generic",
    "activation_mode": "press", "label": null, "description": "Escape / menu",
    "device": {"keyboard": "escape", "mouse": null, "xboxpad": null,
               "joystick": null}},
  "generic.enter": {"action_name": "enter", "action_map_name": "generic",
    "activation_mode": "press", "label": null, "description": "Enter / confirm",
    "device": {"keyboard": "enter", "mouse": null, "xboxpad": null,
               "joystick": null}},
  "generic.space": {"action_name": "space", "action_map_name": "generic",
    "activation_mode": "press", "label": null, "description": "Space",
    "device": {"keyboard": "space", "mouse": null, "xboxpad": null,
               "joystick": null}},
  "generic.tab": {"action_name": "tab", "action_map_name": "generic",
    "activation_mode": "press", "label": null, "description": "Tab",
    "device": {"keyboard": "tab", "mouse": null, "xboxpad": null,
               "joystick": null}},
  "generic.up": {"action_name": "up", "action_map_name": "generic",
    "activation_mode": "press", "label": null, "description": "Arrow up",
    "device": {"keyboard": "up", "mouse": null, "xboxpad": null,
               "joystick": null}},
  "generic.down": {"action_name": "down", "action_map_name": "generic",
    "activation_mode": "press", "label": null, "description": "Arrow down",
    "device": {"keyboard": "down", "mouse": null, "xboxpad": null,
               "joystick": null}},
  "generic.left": {"action_name": "left", "action_map_name": "generic",
    "activation_mode": "press", "label": null, "description": "Arrow left",
    "device": {"keyboard": "left", "mouse": null, "xboxpad": null,
               "joystick": null}},
  "generic.right": {"action_name": "right", "action_map_name": "generic",
    "activation_mode": "press", "label": null, "description": "Arrow right",
    "device": {"keyboard": "right", "mouse": null, "xboxpad": null,
               "joystick": null}},
  "generic.page_up": {"action_name": "page_up", "action_map_name": "generic",
    "activation_mode": "press", "label": null, "description": "Page up",
    "device": {"keyboard": "pgup", "mouse": null, "xboxpad": null,
               "joystick": null}},
  "generic.page_down": {"action_name": "page_down",
    "action_map_name": "generic", "activation_mode": "press", "label": null,
    "description": "Page down",
    "device": {"keyboard": "pgdn", "mouse": null, "xboxpad": null,
               "joystick": null}},
  "generic.help": {"action_name": "help", "action_map_name": "generic",
    "activation_mode": "press", "label": null, "description": "F1 / help",
    "device": {"keyboard": "f1", "mouse": null, "xboxpad": null,
               "joystick": null}},
  "generic.fullscreen": {"action_name": "fullscreen",
    "action_map_name": "generic", "activation_mode": "press", "label": null,
    "description": "Toggle full screen (Alt+Enter)",
    "device": {"keyboard": "lalt+enter", "mouse": null, "xboxpad": null,
               "joystick": null}}
})json";

// Fields that must be a string or null when present. Only some are used;
// the others are checked so a malformed file is caught, not half-read.
constexpr std::string_view checked_text_fields[]
  = {"action_name", "action_map_name", "label"};

std::error_code fail(std::string* detail, std::error_code code,
                     std::string text) {
  if (detail)
    *detail = std::move(text);
  return code;
}

std::error_code field_error(std::string* detail, std::error_code code,
                            std::string_view action, std::string_view field,
                            std::string_view expected) {
  auto problem = code == bindings_errc::field_too_long
                   ? "is longer than " + std::to_string(max_field_text)
                       + " characters"
                   : "must be " + std::string{expected};
  return fail(detail, code,
              std::string{action} + ": \"" + std::string{field} + "\" "
                + problem);
}

std::string_view view_of(const json::string& s) noexcept {
  return {s.data(), s.size()};
}

json::value text_value(std::string_view s) {
  return json::string{s.data(), s.size()};
}

using optional_text = std::optional<std::string_view>;

// A string-or-null field: absent and null read as nullopt.
result<optional_text> read_text(const json::object& object,
                                std::string_view field) noexcept {
  const json::value* v = object.if_contains({field.data(), field.size()});
  if (!v || v->is_null())
    return optional_text{};
  const json::string* s = v->if_string();
  if (!s)
    return bindings_errc::invalid_field;
  if (s->size() > max_field_text)
    return bindings_errc::field_too_long;
  return optional_text{view_of(*s)};
}

// Reads a string-or-null field of `action`, naming it in the detail if bad.
result<optional_text> text_field(const json::object& object,
                                 std::string_view action,
                                 std::string_view field,
                                 std::string_view path, std::string* detail) {
  auto text = read_text(object, field);
  if (!text)
    return field_error(detail, text.error(), action, path,
                       "a string or null");
  return text;
}

// The keyboard text of an action: its device object may be absent or null.
result<optional_text> keyboard_field(const json::object& object,
                                     std::string_view action,
                                     std::string* detail) {
  const json::value* device = object.if_contains("device");
  if (!device || device->is_null())
    return optional_text{};
  const json::object* fields = device->if_object();
  if (!fields)
    return field_error(detail, bindings_errc::invalid_field, action, "device",
                       "an object or null");
  return text_field(*fields, action, "keyboard", "device.keyboard", detail);
}

// Blank or null keyboard text means the action is not bound.
result<key_combo> combo_of(std::string_view keys) {
  auto combo = parse_key_combo(keys);
  if (!combo && combo.error() == key_errc::empty_keys)
    return bindings_errc::no_keyboard_binding;
  return combo;
}

std::error_code check_name(std::string_view name, std::string* detail) {
  if (name.empty() || name.size() > max_action_name)
    return fail(detail, bindings_errc::invalid_action_name,
                "an action name is empty or longer than "
                  + std::to_string(max_action_name) + " characters");
  return {};
}

result<bound_action> read_action(std::string_view name,
                                 const json::value& value,
                                 std::string* detail) {
  if (auto ec = check_name(name, detail))
    return ec;
  const json::object* object = value.if_object();
  if (!object)
    return fail(detail, bindings_errc::action_not_object,
                std::string{name} + ": must be an object");
  for (auto field : checked_text_fields)
    if (auto text = text_field(*object, name, field, field, detail); !text)
      return text.error();
  auto description = text_field(*object, name, "description", "description",
                                detail);
  if (!description)
    return description.error();
  auto mode = text_field(*object, name, "activation_mode", "activation_mode",
                         detail);
  if (!mode)
    return mode.error();
  auto keyboard = keyboard_field(*object, name, detail);
  if (!keyboard)
    return keyboard.error();
  bound_action action;
  action.name = std::string{name};
  if (*description)
    action.description = std::string{**description};
  action.activation_mode_text = std::string{mode->value_or("")};
  action.keys = std::string{keyboard->value_or("")};
  action.mode = parse_activation_mode(action.activation_mode_text);
  action.combo = combo_of(action.keys);
  return action;
}

} // namespace

const char* to_string(bindings_errc e) noexcept {
  switch (e) {
    case bindings_errc::input_too_large:
      return "input_too_large";
    case bindings_errc::invalid_json:
      return "invalid_json";
    case bindings_errc::not_an_object:
      return "not_an_object";
    case bindings_errc::too_many_actions:
      return "too_many_actions";
    case bindings_errc::invalid_action_name:
      return "invalid_action_name";
    case bindings_errc::action_not_object:
      return "action_not_object";
    case bindings_errc::invalid_field:
      return "invalid_field";
    case bindings_errc::field_too_long:
      return "field_too_long";
    case bindings_errc::unknown_action:
      return "unknown_action";
    case bindings_errc::no_keyboard_binding:
      return "no_keyboard_binding";
  }
  return "unknown_bindings_error";
}

const char* category_name(bindings_errc) noexcept {
  return "openmfd.bindings";
}

std::error_code bound_action::status() const noexcept {
  if (!combo)
    return combo.error();
  if (!mode)
    return mode.error();
  return {};
}

bindings_catalogue::bindings_catalogue(std::vector<bound_action> actions)
  : actions_(std::move(actions)) {
  for (std::size_t i = 0; i < actions_.size(); ++i)
    index_.emplace(actions_[i].name, i);
}

const bound_action*
bindings_catalogue::find(std::string_view name) const noexcept {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &actions_[it->second];
}

result<bindings_catalogue> load_bindings(std::string_view text,
                                         std::string* detail) {
  if (text.size() > max_bindings_text)
    return fail(detail, bindings_errc::input_too_large,
                "bindings text is larger than "
                  + std::to_string(max_bindings_text) + " bytes");
  json::parse_options options;
  options.max_depth = max_bindings_depth;
  std::error_code ec;
  auto root = json::parse({text.data(), text.size()}, ec, {}, options);
  if (ec)
    return fail(detail, bindings_errc::invalid_json,
                "not valid JSON: " + ec.message());
  const json::object* entries = root.if_object();
  if (!entries)
    return fail(detail, bindings_errc::not_an_object,
                "the top level must be an object of actions");
  if (entries->size() > max_actions)
    return fail(detail, bindings_errc::too_many_actions,
                "more than " + std::to_string(max_actions) + " actions");
  std::vector<bound_action> actions;
  actions.reserve(entries->size());
  for (const auto& entry : *entries) {
    auto action = read_action(entry.key(), entry.value(), detail);
    if (!action)
      return action.error();
    actions.push_back(std::move(*action));
  }
  return bindings_catalogue{std::move(actions)};
}

std::string_view builtin_bindings_json() noexcept {
  return builtin_json;
}

result<bindings_catalogue> load_builtin_bindings() {
  return load_bindings(builtin_json);
}

result<key_script> action_script(const bound_action& action,
                                 const script_options& options) {
  if (auto ec = action.status())
    return ec;
  return compile_key_script(*action.combo, *action.mode, options);
}

result<key_script> action_script(const bindings_catalogue& catalogue,
                                 std::string_view name,
                                 const script_options& options) {
  const auto* action = catalogue.find(name);
  if (!action)
    return bindings_errc::unknown_action;
  return action_script(*action, options);
}

boost::json::array list_actions_json(const bindings_catalogue& catalogue) {
  json::array out;
  out.reserve(catalogue.actions().size());
  for (const auto& action : catalogue.actions()) {
    json::object entry;
    entry["name"] = text_value(action.name);
    entry["description"] = action.description
                             ? text_value(*action.description)
                             : json::value{};
    entry["activation_mode"] = action.mode
                                 ? text_value(mode_name(*action.mode))
                                 : text_value(action.activation_mode_text);
    if (action.combo)
      entry["keys"] = text_value(format_key_combo(*action.combo));
    else if (action.combo.error() != bindings_errc::no_keyboard_binding)
      entry["keys"] = text_value(action.keys);
    else
      entry["keys"] = nullptr;
    out.emplace_back(std::move(entry));
  }
  return out;
}

} // namespace openmfd::protocol
