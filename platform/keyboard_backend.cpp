#include "platform/keyboard_backend.hpp"

#include "platform/backend_factories.hpp"

#include <array>
#include <utility>

namespace openmfd::platform {

namespace {

struct kind_name {
  backend_kind kind;
  std::string_view name;
};

// The --injector spellings (DESIGN §5); one table for both directions.
constexpr std::array<kind_name, 7> kind_names{{
  {backend_kind::auto_select, "auto"},
  {backend_kind::dry_run, "dry-run"},
  {backend_kind::record, "record"},
  {backend_kind::xtest, "xtest"},
  {backend_kind::uinput, "uinput"},
  {backend_kind::sendinput, "sendinput"},
  {backend_kind::cgevent, "cgevent"},
}};

// Where a native kind works, for the "wrong OS" message.
std::string_view home_os(backend_kind kind) noexcept {
  switch (kind) {
    case backend_kind::xtest:
      return "Linux with X11";
    case backend_kind::uinput:
      return "Linux";
    case backend_kind::sendinput:
      return "Windows";
    case backend_kind::cgevent:
      return "macOS";
    default:
      return "every OS";
  }
}

class backend_category_impl : public std::error_category {
public:
  const char* name() const noexcept override {
    return "openmfd.keyboard_backend";
  }

  std::string message(int value) const override {
    switch (static_cast<backend_errc>(value)) {
      case backend_errc::unmapped_key:
        return "the key has no code for this keyboard backend";
      case backend_errc::rejected:
        return "the OS refused the key event";
      case backend_errc::write_failed:
        return "the record file could not be written";
    }
    return "unknown keyboard backend error";
  }
};

} // namespace

const std::error_category& backend_category() noexcept {
  static const backend_category_impl category;
  return category;
}

std::error_code make_error_code(backend_errc e) noexcept {
  return {static_cast<int>(e), backend_category()};
}

std::optional<backend_kind> parse_backend_kind(std::string_view name) noexcept {
  for (const auto& entry : kind_names)
    if (entry.name == name)
      return entry.kind;
  return std::nullopt;
}

std::string_view to_string(backend_kind kind) noexcept {
  for (const auto& entry : kind_names)
    if (entry.kind == kind)
      return entry.name;
  return "unknown";
}

backend_result make_backend(backend_kind kind, const backend_options& options) {
  switch (kind) {
    case backend_kind::dry_run:
      return make_dry_run_backend(options);
    case backend_kind::record:
      return make_record_backend(options);
    default:
      return make_native_backend(kind, options);
  }
}

backend_result backend_failure(std::string error) {
  backend_result result;
  result.error = std::move(error);
  return result;
}

backend_result not_on_this_os(backend_kind kind, std::string_view this_os,
                              std::string_view choices) {
  std::string text{"--injector "};
  text += to_string(kind);
  text += " works only on ";
  text += home_os(kind);
  text += "; this build is for ";
  text += this_os;
  text += ": use --injector ";
  text += choices;
  text += " (or dry-run / record)";
  return backend_failure(std::move(text));
}

void diagnose(const backend_options& options, std::string_view text) {
  if (options.diagnostics)
    options.diagnostics(text);
}

} // namespace openmfd::platform
