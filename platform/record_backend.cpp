// The record backend: the test double for the whole server. Each key event
// becomes one JSON line, flushed at once so a test can read the file while the
// server runs:
//   {"t_ns": 123456789, "key": "lalt", "hid": 226, "down": true}
// t_ns is steady_clock time (comparable within one boot, not wall time);
// "key" is left out when the caller gave no name.

#include "platform/backend_factories.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <utility>

namespace openmfd::platform {

namespace {

// Key names are plain ASCII today, but a file that a test parses must stay
// valid JSON whatever the caller passes.
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x",
                        static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

class record_backend final : public keyboard_backend {
public:
  explicit record_backend(std::ofstream file) : file_(std::move(file)) {
    // nop
  }

  std::error_code send(const key_event& event) noexcept override {
    try {
      auto t = std::chrono::steady_clock::now().time_since_epoch();
      std::string line{"{\"t_ns\": "};
      line += std::to_string(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t).count());
      if (!event.name.empty()) {
        line += ", \"key\": ";
        append_json_string(line, event.name);
      }
      line += ", \"hid\": ";
      line += std::to_string(event.codes.hid);
      line += event.down ? ", \"down\": true}\n" : ", \"down\": false}\n";
      // One write and a flush per line: a reader never sees half a line
      // for long, and nothing waits in our buffer when the server stops.
      file_.write(line.data(), static_cast<std::streamsize>(line.size()));
      file_.flush();
      if (file_)
        return {};
    } catch (...) {
      // nop: reported below
    }
    file_.clear();
    return backend_errc::write_failed;
  }

  std::string_view name() const noexcept override {
    return "record";
  }

private:
  std::ofstream file_;
};

} // namespace

backend_result make_record_backend(const backend_options& options) {
  if (options.record_file.empty())
    return backend_failure("the record backend needs a file: pass "
                           "--record-file PATH");
  errno = 0;
  std::ofstream file{options.record_file,
                     std::ios::out | std::ios::app | std::ios::binary};
  if (!file) {
    std::string text{"cannot open the record file "};
    text += options.record_file.u8string();
    if (errno != 0) {
      text += " (";
      text += std::strerror(errno);
      text += ")";
    }
    text += ": check that its folder exists and is writable";
    return backend_failure(std::move(text));
  }
  backend_result result;
  result.backend = std::make_unique<record_backend>(std::move(file));
  return result;
}

} // namespace openmfd::platform
