#pragma once

// The one keyboard interface of the server: the injector turns key scripts
// into key_events and hands them to a keyboard_backend, which makes them real
// on this host (or logs or records them). The backend is chosen at run time by name
// (--injector); which OS backends exist is chosen at build time by CMake.
//
// This layer knows no key names: the caller (which links protocol/key_names)
// maps a key to its per-OS codes and passes them in key_codes, so the one
// table lives in protocol/ and platform/ builds alone.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace openmfd::platform {

/// One key's codes on every OS. A code of 0 means "this key has no code
/// there", except on macOS, where 0 is the A key and `no_mac_keycode` is used.
struct key_codes {
  /// USB HID usage, keyboard page 0x07 (e.g. 0xE2 = left Alt).
  std::uint16_t hid = 0;
  /// Windows set-1 make code without the 0xE0 prefix (left Alt = 0x38).
  std::uint16_t win_scancode = 0;
  /// True when the key sends the 0xE0 prefix (right Alt, arrows, ...).
  bool win_extended = false;
  /// macOS virtual key code (kVK_*); `no_mac_keycode` when there is none.
  std::uint16_t mac_keycode = 0xffff;
  /// Linux input event code (KEY_*, <linux/input-event-codes.h>).
  std::uint16_t evdev = 0;
  /// X11 keysym (XK_*); the X server's keymap gives its keycode.
  std::uint32_t x11_keysym = 0;
};

/// `key_codes::mac_keycode` of a key that macOS does not have.
inline constexpr std::uint16_t no_mac_keycode = 0xffff;

/// A key going down or up.
struct key_event {
  key_codes codes;
  bool down = false;
  /// The key's name for logs and recordings ("lalt"); may be empty. Only
  /// read during send(), so it may point into the caller's storage.
  std::string_view name;
};

/// Why a backend could not deliver a key event (besides OS error codes,
/// which backends pass through in their own categories).
enum class backend_errc {
  unmapped_key = 1, ///< the key has no code for this backend or keymap
  rejected,         ///< the OS refused the event
  write_failed,     ///< the record file could not be written
};

/// The category of backend_errc; messages are plain English.
const std::error_category& backend_category() noexcept;

/// Makes backend_errc usable as a std::error_code.
std::error_code make_error_code(backend_errc e) noexcept;

/// Makes a keyboard out of an OS API. A backend is used by one thread at a
/// time (the injector's); send() may block briefly (it waits for the OS or
/// for the dry-run delay) but never for long.
class keyboard_backend {
public:
  virtual ~keyboard_backend() = default;

  /// Delivers one key event; an empty error_code when the OS took it.
  virtual std::error_code send(const key_event& event) noexcept = 0;

  /// The --injector name of this backend ("xtest", "record", ...).
  virtual std::string_view name() const noexcept = 0;
};

/// The backends, by their --injector names.
enum class backend_kind {
  auto_select, ///< "auto": the real backend for this host
  dry_run,     ///< "dry-run": logs each event, injects nothing
  record,      ///< "record": one JSON line per event in a file
  xtest,       ///< "xtest": Linux, X11 XTest extension
  uinput,      ///< "uinput": Linux, a virtual keyboard via /dev/uinput
  sendinput,   ///< "sendinput": Windows SendInput with scancodes
  cgevent,     ///< "cgevent": macOS CGEventPost
};

/// The backend named `name` (exact --injector spelling), or nothing.
std::optional<backend_kind> parse_backend_kind(std::string_view name) noexcept;

/// The --injector spelling of `kind`.
std::string_view to_string(backend_kind kind) noexcept;

/// Receives the backends' warnings and log lines (platform/ has no logger).
using diagnostics_sink = std::function<void(std::string_view)>;

/// Settings for make_backend(); each backend reads only its own.
struct backend_options {
  /// record: the file that receives one JSON line per event (appended to).
  std::filesystem::path record_file;
  /// dry-run: how long each send() takes, to measure the server's own
  /// overhead against a slow keyboard; zero = no delay.
  std::chrono::microseconds dry_run_delay{0};
  /// uinput: the device node (a test points it at a missing path).
  std::filesystem::path uinput_device = "/dev/uinput";
  /// Warnings and log lines; may be empty (then they are dropped).
  diagnostics_sink diagnostics;
};

/// What make_backend() gives: a backend, or why there is none.
struct backend_result {
  /// The backend; null on failure.
  std::unique_ptr<keyboard_backend> backend;
  /// On failure: what went wrong and how the user can fix it.
  std::string error;

  /// True when there is a backend.
  explicit operator bool() const noexcept { return backend != nullptr; }
};

/// Opens the backend `kind`. `auto_select` picks this host's real backend
/// and explains in `error` why none could be opened. A kind that belongs to
/// another OS fails with a message that names the ones that work here.
backend_result make_backend(backend_kind kind, const backend_options& options);

} // namespace openmfd::platform

template <>
struct std::is_error_code_enum<openmfd::platform::backend_errc>
  : std::true_type {};
