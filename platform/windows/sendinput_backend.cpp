// SendInput backend. Games read scancodes (DirectInput, raw input), not
// virtual keys, so every event is a KEYEVENTF_SCANCODE event.

#include "platform/windows/sendinput_backend.hpp"

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <optional>
#include <utility>

namespace openmfd::platform::windows_os {

namespace {

// Whether `process` runs elevated; nothing when its token cannot be read.
std::optional<bool> elevated(HANDLE process, DWORD& error) {
  HANDLE token = nullptr;
  if (!OpenProcessToken(process, TOKEN_QUERY, &token)) {
    error = GetLastError();
    return std::nullopt;
  }
  TOKEN_ELEVATION elevation{};
  DWORD size = 0;
  BOOL ok = GetTokenInformation(token, TokenElevation, &elevation,
                                sizeof elevation, &size);
  error = ok ? ERROR_SUCCESS : GetLastError();
  CloseHandle(token);
  if (!ok)
    return std::nullopt;
  return elevation.TokenIsElevated != 0;
}

class sendinput_backend final : public keyboard_backend {
public:
  explicit sendinput_backend(diagnostics_sink sink) : sink_(std::move(sink)) {
    DWORD error = 0;
    self_elevated_ = elevated(GetCurrentProcess(), error).value_or(false);
  }

  ~sendinput_backend() override {
    if (desktop_ != nullptr)
      CloseDesktop(desktop_);
  }

  sendinput_backend(const sendinput_backend&) = delete;
  sendinput_backend& operator=(const sendinput_backend&) = delete;

  std::error_code send(const key_event& event) noexcept override {
    WORD scancode = event.codes.win_scancode;
    bool extended = event.codes.win_extended;
    // Accept the 0xE0-prefixed spelling (0xE038 = right Alt) as well.
    if ((scancode & 0xff00) == 0xe000) {
      extended = true;
      scancode &= 0xff;
    }
    if (scancode == 0 || scancode > 0xff)
      return backend_errc::unmapped_key;
    if (event.down)
      warn_if_foreground_elevated();

    INPUT input{};
    input.type = INPUT_KEYBOARD;
    input.ki.wScan = scancode;
    input.ki.dwFlags = KEYEVENTF_SCANCODE;
    if (extended)
      input.ki.dwFlags |= KEYEVENTF_EXTENDEDKEY;
    if (!event.down)
      input.ki.dwFlags |= KEYEVENTF_KEYUP;
    UINT sent = SendInput(1, &input, sizeof input);
    // SendInput fails while our thread is attached to a desktop that no
    // longer receives input (a UAC prompt, the lock screen, Ctrl+Alt+Del
    // switched it). Sunshine's lesson: re-attach the thread to the current
    // input desktop and try once more. The error reported is SendInput's,
    // not one from re-attaching.
    DWORD error = sent == 1 ? ERROR_SUCCESS : GetLastError();
    if (sent != 1 && attach_to_input_desktop()) {
      sent = SendInput(1, &input, sizeof input);
      error = sent == 1 ? ERROR_SUCCESS : GetLastError();
    }
    if (sent == 1)
      return {};
    if (error != ERROR_SUCCESS)
      return {static_cast<int>(error), std::system_category()};
    return backend_errc::rejected;
  }

  std::string_view name() const noexcept override {
    return "sendinput";
  }

private:
  // Attaches the calling thread (the injector's: desktops are per thread)
  // to the desktop that receives input now.
  bool attach_to_input_desktop() noexcept {
    HDESK desktop = OpenInputDesktop(0, FALSE, GENERIC_ALL);
    if (desktop == nullptr)
      return false;
    if (!SetThreadDesktop(desktop)) {
      CloseDesktop(desktop);
      return false;
    }
    // The previous desktop is no longer ours; the new handle must stay open
    // while the thread uses it.
    if (desktop_ != nullptr)
      CloseDesktop(desktop_);
    desktop_ = desktop;
    return true;
  }

  // Windows drops input that a non-elevated process sends to an elevated
  // window (UIPI), and SendInput does not say so: the one sign is a warning.
  void warn_if_foreground_elevated() noexcept {
    if (warned_ || self_elevated_ || !sink_)
      return;
    HWND window = GetForegroundWindow();
    DWORD pid = 0;
    if (window == nullptr || GetWindowThreadProcessId(window, &pid) == 0
        || pid == GetCurrentProcessId())
      return;
    HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (process == nullptr)
      return;
    DWORD error = 0;
    auto other = elevated(process, error);
    CloseHandle(process);
    // A token we may not even read belongs to a process above us, which
    // UIPI shields just the same.
    if (other.value_or(error == ERROR_ACCESS_DENIED)) {
      warned_ = true;
      try {
        sink_("sendinput: the foreground window belongs to a process that "
              "runs as administrator, and Windows drops key presses that a "
              "non-elevated program sends to it: run the game without "
              "elevation, or run openmfd-server as administrator");
      } catch (...) {
        // nop: the warning is best effort, the key event is not
      }
    }
  }

  diagnostics_sink sink_;
  bool self_elevated_ = false;
  bool warned_ = false;
  HDESK desktop_ = nullptr;
};

} // namespace

backend_result make_sendinput_backend(const backend_options& options) {
  backend_result result;
  result.backend = std::make_unique<sendinput_backend>(options.diagnostics);
  return result;
}

} // namespace openmfd::platform::windows_os
