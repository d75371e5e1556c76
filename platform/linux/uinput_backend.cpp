// uinput backend: a virtual keyboard in the kernel. Works under X11, Wayland
// and the console alike, because the events enter below the display server.

#include "platform/linux/backends.hpp"

#include <fcntl.h>
#include <linux/input.h>
#include <linux/uinput.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace openmfd::platform::linux_os {

namespace {

// Keyboard keys only: codes from BTN_MISC (0x100) up are buttons, and a
// device that announces them is classified as a mouse or joystick.
constexpr int first_key = KEY_ESC;
constexpr int last_key = BTN_MISC - 1;

class uinput_backend final : public keyboard_backend {
public:
  explicit uinput_backend(int fd) : fd_(fd) {
    // nop
  }

  ~uinput_backend() override {
    ioctl(fd_, UI_DEV_DESTROY);
    close(fd_);
  }

  uinput_backend(const uinput_backend&) = delete;
  uinput_backend& operator=(const uinput_backend&) = delete;

  std::error_code send(const key_event& event) noexcept override {
    int code = event.codes.evdev;
    if (code < first_key || code > last_key)
      return backend_errc::unmapped_key;
    // The key and its SYN_REPORT in one write: readers see the change as
    // one complete report.
    input_event events[2] = {};
    events[0].type = EV_KEY;
    events[0].code = static_cast<decltype(events[0].code)>(code);
    events[0].value = event.down ? 1 : 0;
    events[1].type = EV_SYN;
    events[1].code = SYN_REPORT;
    ssize_t n;
    do {
      n = write(fd_, events, sizeof events);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
      return {errno, std::generic_category()};
    if (static_cast<std::size_t>(n) != sizeof events)
      return backend_errc::rejected;
    return {};
  }

  std::string_view name() const noexcept override {
    return "uinput";
  }

private:
  int fd_;
};

std::string open_failure(const std::filesystem::path& device, int error) {
  auto path = device.string();
  return "uinput: cannot open " + path + " (" + std::strerror(error) + "): "
         + path
         + " is missing or not writable: load the module with `modprobe "
           "uinput` and add your user to the `input` group (or a udev rule: "
           "KERNEL==\"uinput\", GROUP=\"input\", MODE=\"0660\"), then log in "
           "again";
}

// Announces the keys and creates the device; false with errno set on failure.
bool create_device(int fd) {
  if (ioctl(fd, UI_SET_EVBIT, EV_KEY) < 0
      || ioctl(fd, UI_SET_EVBIT, EV_SYN) < 0)
    return false;
  for (int key = first_key; key <= last_key; ++key)
    if (ioctl(fd, UI_SET_KEYBIT, key) < 0)
      return false;
  uinput_setup setup{};
  setup.id.bustype = BUS_VIRTUAL;
  setup.id.version = 1; // vendor and product stay 0: no USB ids of ours
  std::strncpy(setup.name, "OpenMFD virtual keyboard",
               UINPUT_MAX_NAME_SIZE - 1);
  return ioctl(fd, UI_DEV_SETUP, &setup) >= 0 && ioctl(fd, UI_DEV_CREATE) >= 0;
}

} // namespace

backend_result make_uinput_backend(const backend_options& options) {
  int fd = open(options.uinput_device.c_str(),
                O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return backend_failure(open_failure(options.uinput_device, errno));
  if (!create_device(fd)) {
    int error = errno;
    close(fd);
    return backend_failure(
      "uinput: the kernel refused to create a virtual keyboard on "
      + options.uinput_device.string() + " (" + std::strerror(error)
      + "): check that it is the uinput device (Linux 4.5 or newer)");
  }
  // The desktop takes a moment to adopt the new device; events sent in the
  // first ~100 ms may be missed. The server creates the backend at start,
  // long before the first button press, so no wait is spent here.
  diagnose(options, "uinput: virtual keyboard created on "
                      + options.uinput_device.string());
  backend_result result;
  result.backend = std::make_unique<uinput_backend>(fd);
  return result;
}

} // namespace openmfd::platform::linux_os
