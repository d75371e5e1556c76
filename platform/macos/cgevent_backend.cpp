// CGEvent backend: posts key events at the HID event tap, where they look
// like a real keyboard's to every application.
//
// Not compiled on the Linux build machine: kept small and free of Carbon and
// IOKit headers (their few constants are written out below, with sources).

#include "platform/macos/cgevent_backend.hpp"

#include <ApplicationServices/ApplicationServices.h>

namespace openmfd::platform::macos_os {

namespace {

struct modifier {
  CGKeyCode key;      // Carbon kVK_* (HIToolbox/Events.h)
  CGEventFlags flag;  // the side-independent flag
  CGEventFlags side;  // IOKit NX_DEVICE*KEYMASK (IOLLEvent.h): left or right
};

// Applications (and Wine, which games on macOS run under) tell left from
// right modifiers by the device-dependent bits, so both are set.
constexpr modifier modifiers[] = {
  {0x38, kCGEventFlagMaskShift, 0x00000002},     // kVK_Shift
  {0x3C, kCGEventFlagMaskShift, 0x00000004},     // kVK_RightShift
  {0x3B, kCGEventFlagMaskControl, 0x00000001},   // kVK_Control
  {0x3E, kCGEventFlagMaskControl, 0x00002000},   // kVK_RightControl
  {0x3A, kCGEventFlagMaskAlternate, 0x00000020}, // kVK_Option
  {0x3D, kCGEventFlagMaskAlternate, 0x00000040}, // kVK_RightOption
  {0x37, kCGEventFlagMaskCommand, 0x00000008},   // kVK_Command
  {0x36, kCGEventFlagMaskCommand, 0x00000010},   // kVK_RightCommand
};

const modifier* find_modifier(CGKeyCode key) noexcept {
  for (const auto& m : modifiers)
    if (m.key == key)
      return &m;
  return nullptr;
}

class cgevent_backend final : public keyboard_backend {
public:
  explicit cgevent_backend(CGEventSourceRef source) : source_(source) {
    // nop
  }

  ~cgevent_backend() override {
    CFRelease(source_);
  }

  cgevent_backend(const cgevent_backend&) = delete;
  cgevent_backend& operator=(const cgevent_backend&) = delete;

  std::error_code send(const key_event& event) noexcept override {
    if (event.codes.mac_keycode == no_mac_keycode)
      return backend_errc::unmapped_key;
    CGKeyCode key = event.codes.mac_keycode;
    CGEventRef posted = CGEventCreateKeyboardEvent(source_, key, event.down);
    if (posted == nullptr)
      return backend_errc::rejected;
    if (const modifier* m = find_modifier(key)) {
      held_sides_ = event.down ? (held_sides_ | m->side)
                               : (held_sides_ & ~m->side);
      // A real keyboard reports modifiers as flag changes, not key events.
      CGEventSetType(posted, kCGEventFlagsChanged);
    }
    // Every event carries the modifiers we hold, as Sunshine does: the
    // source's own state would not reflect events we posted ourselves.
    CGEventSetFlags(posted, current_flags());
    CGEventPost(kCGHIDEventTap, posted);
    CFRelease(posted);
    return {};
  }

  std::string_view name() const noexcept override {
    return "cgevent";
  }

private:
  // Derived from the held sides, so releasing one Shift of two keeps Shift.
  CGEventFlags current_flags() const noexcept {
    CGEventFlags flags = 0;
    for (const auto& m : modifiers)
      if ((held_sides_ & m.side) != 0)
        flags |= m.flag | m.side;
    return flags;
  }

  CGEventSourceRef source_;
  CGEventFlags held_sides_ = 0;
};

} // namespace

backend_result make_cgevent_backend(const backend_options& options) {
  // Without the permission CGEventPost drops every event without a word.
  if (!AXIsProcessTrusted())
    return backend_failure(
      "cgevent: macOS has not allowed this program to control the computer: "
      "grant Accessibility to this terminal (or to openmfd-server) in System "
      "Settings → Privacy & Security → Accessibility, then restart the "
      "server");
  CGEventSourceRef source =
    CGEventSourceCreate(kCGEventSourceStateHIDSystemState);
  if (source == nullptr)
    return backend_failure("cgevent: CGEventSourceCreate failed: macOS gave "
                           "no event source for the HID system state");
  diagnose(options, "cgevent: posting key events at the HID event tap");
  backend_result result;
  result.backend = std::make_unique<cgevent_backend>(source);
  return result;
}

} // namespace openmfd::platform::macos_os
