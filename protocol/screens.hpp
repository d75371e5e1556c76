#pragma once

// Shared screens as values: a screen's name, a state a panel sends
// (untrusted JSON) and the screens.json file that keeps the states across
// restarts. Who watches which screen, and the file's I/O, live in the
// screens actor.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "protocol/errors.hpp"

namespace openmfd::protocol {

/// How big shared screens may get.
struct screen_limits {
  std::size_t max_screens = 256;          ///< screens with a state, at most
  std::size_t max_state_bytes = 64 * 1024; ///< a state's serialized size
  std::size_t max_name_length = 64;       ///< a name's length
};

/// Why a state a panel sent is refused (the wire codes of the screens
/// events).
enum class screen_state_errc {
  invalid_state = 1, ///< not a JSON object
  state_too_large,   ///< its text or its canonical form exceeds the limit
};

std::string_view to_string(screen_state_errc e) noexcept;
const char* category_name(screen_state_errc) noexcept;

/// A state as stored and sent: the object and its canonical text.
struct screen_state {
  boost::json::object state;
  std::string canonical;
};

/// True for a name of 1 to `max_length` characters from [A-Za-z0-9_.-].
bool valid_screen_name(std::string_view name, std::size_t max_length) noexcept;

/// Parses an untrusted state: a JSON object whose text and canonical form
/// both fit `max_bytes` (numbers may print longer than they were written).
result<screen_state> parse_screen_state(std::string_view text,
                                        std::size_t max_bytes);

/// A screen's name and state, as the file holds it.
using named_state = std::pair<std::string_view, const boost::json::object*>;

/// The text of screens.json: `{"version": 1, "screens": {name: state}}`,
/// states in the order given; empty states are left out (nothing to keep).
std::string serialize_screens_file(const std::vector<named_state>& states);

/// The states in a screens.json text, or why it cannot be used.
struct screens_file {
  std::map<std::string, boost::json::object> states;
  /// Empty when usable; else a sentence for the console ("it is not JSON").
  std::string error;
};

/// Reads a screens.json text; every name and state must meet `limits`.
screens_file parse_screens_file(std::string_view text,
                                const screen_limits& limits);

/// The most a screens.json within `limits` can hold, in bytes (a bigger
/// file is refused before it is read).
std::size_t max_screens_file_size(const screen_limits& limits) noexcept;

} // namespace openmfd::protocol

OPENMFD_ERROR_ENUM(screen_state_errc);
