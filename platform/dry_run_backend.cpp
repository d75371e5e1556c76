// The dry-run backend: injects nothing, logs every event, and can take a
// fixed time per event so a benchmark can isolate the server's own overhead
// from a slow keyboard.

#include "platform/backend_factories.hpp"

#include <cstdio>
#include <thread>
#include <utility>

namespace openmfd::platform {

namespace {

class dry_run_backend final : public keyboard_backend {
public:
  dry_run_backend(std::chrono::microseconds delay, diagnostics_sink sink)
    : delay_(delay), sink_(std::move(sink)) {
    // nop
  }

  std::error_code send(const key_event& event) noexcept override {
    if (sink_) {
      // send() is noexcept and a failing logger must not cost a key
      // event, so the log line is best effort.
      try {
        sink_(describe(event));
      } catch (...) {
        // nop
      }
    }
    // Blocking is fine: the injector owns its thread (DESIGN §2).
    if (delay_.count() > 0)
      std::this_thread::sleep_for(delay_);
    return {};
  }

  std::string_view name() const noexcept override {
    return "dry-run";
  }

private:
  static std::string describe(const key_event& event) {
    char hid[16];
    std::snprintf(hid, sizeof hid, "0x%02x", unsigned{event.codes.hid});
    std::string text{"dry-run: key "};
    text += event.name.empty() ? std::string_view{"?"} : event.name;
    text += " (hid ";
    text += hid;
    text += event.down ? ") down" : ") up";
    return text;
  }

  std::chrono::microseconds delay_;
  diagnostics_sink sink_;
};

} // namespace

backend_result make_dry_run_backend(const backend_options& options) {
  if (options.dry_run_delay.count() < 0)
    return backend_failure("the dry-run delay must not be negative");
  backend_result result;
  result.backend = std::make_unique<dry_run_backend>(options.dry_run_delay,
                                                     options.diagnostics);
  return result;
}

} // namespace openmfd::platform
